// Docker's flags to cgroup writes: validation, defaults and the order the kernel needs.
import { describe, expect, it } from 'vitest';
import { skiffErrorOf } from '../../helpers/cgroupfs.ts';
import { cpuSharesToWeight, MIN_MEMORY, normalizeLimits, planV1, planV2, requireControllers } from '../../../src/kernel/cgroup/limits.ts';

const MiB = 1024 * 1024;
const fresh = { memsw: true, currentMemoryLimit: Infinity };
const short = (ws: { file: string; value: string }[]) => ws.map((w) => `${w.file}=${w.value}`);

describe('normalizeLimits', () => {
  it('refuses memory below 6 MiB as Docker does', () => {
    const e = skiffErrorOf(() => normalizeLimits({ memory: MIN_MEMORY - 1 }));
    expect([e.code, e.message]).toEqual(['USAGE', 'Minimum memory limit allowed is 6MB']);
    expect(normalizeLimits({ memory: MIN_MEMORY }).memory).toBe(MIN_MEMORY);
  });

  it('treats 0 as not set (Docker), except --pids-limit where 0 is unlimited', () => {
    expect(normalizeLimits({ memory: 0, memorySwap: 0, cpuQuota: 0, cpuPeriod: 0, cpuShares: 0, pidsLimit: 0 })).toEqual({
      memory: undefined,
      memorySwap: undefined,
      cpuQuota: undefined,
      cpuPeriod: undefined,
      cpuShares: undefined,
      pidsLimit: 0,
    });
  });

  it('checks --memory-swap against --memory', () => {
    expect(skiffErrorOf(() => normalizeLimits({ memorySwap: 64 * MiB })).message).toMatch(/always set the Memory limit/);
    expect(skiffErrorOf(() => normalizeLimits({ memory: 64 * MiB, memorySwap: 32 * MiB })).message).toMatch(/larger than memory limit/);
    expect(skiffErrorOf(() => normalizeLimits({ memory: 64 * MiB, memorySwap: -2 })).code).toBe('USAGE');
    expect(normalizeLimits({ memory: 64 * MiB, memorySwap: -1 }).memorySwap).toBe(-1);
    expect(normalizeLimits({ memory: 64 * MiB, memorySwap: 64 * MiB }).memorySwap).toBe(64 * MiB);
  });

  it('checks the CFS period and quota bounds', () => {
    expect(skiffErrorOf(() => normalizeLimits({ cpuPeriod: 999 })).message).toMatch(/period can not be less than 1ms/);
    expect(skiffErrorOf(() => normalizeLimits({ cpuPeriod: 1_000_001 })).code).toBe('USAGE');
    expect(skiffErrorOf(() => normalizeLimits({ cpuQuota: 999 })).message).toMatch(/quota can not be less than 1ms/);
    expect(normalizeLimits({ cpuQuota: -1 }).cpuQuota).toBe(-1);
  });

  it('refuses fractions and negative shares', () => {
    expect(skiffErrorOf(() => normalizeLimits({ memory: 16 * MiB + 0.5 })).message).toMatch(/invalid --memory value .*whole number of bytes/);
    expect(skiffErrorOf(() => normalizeLimits({ pidsLimit: Number.NaN })).message).toMatch(/--pids-limit/);
    expect(skiffErrorOf(() => normalizeLimits({ cpuShares: -5 })).message).toMatch(/--cpu-shares/);
  });
});

describe('requireControllers', () => {
  it('names the flag that needs a controller the host lacks', () => {
    const e = skiffErrorOf(() => requireControllers({ memory: 64 * MiB, pidsLimit: 10 }, ['memory', 'cpu'], 1));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toBe('this host has no pids cgroup controller, so --pids-limit cannot be enforced');
    expect(e.hint).toMatch(/mount -t cgroup -o pids/);
    expect(() => requireControllers({ memory: 64 * MiB, pidsLimit: undefined }, ['memory'], 2)).not.toThrow();
  });
});

describe('planV1', () => {
  it('sets memory, then memsw at twice memory (Docker default), CFS period then quota, shares, pids', () => {
    const plan = planV1(normalizeLimits({ memory: 64 * MiB, cpuQuota: 50_000, cpuShares: 512, pidsLimit: 100 }), fresh);
    expect(short(plan)).toEqual([
      `memory.limit_in_bytes=${64 * MiB}`,
      `memory.memsw.limit_in_bytes=${128 * MiB}`,
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=50000',
      'cpu.shares=512',
      'pids.max=100',
    ]);
    expect(plan.map((w) => w.controller)).toEqual(['memory', 'memory', 'cpu', 'cpu', 'cpu', 'pids']);
  });

  it('raises memsw before memory and lowers memory before memsw (memory <= memsw at all times)', () => {
    const raise = planV1({ memory: 256 * MiB, memorySwap: 512 * MiB }, { memsw: true, currentMemoryLimit: 64 * MiB });
    expect(short(raise)).toEqual([`memory.memsw.limit_in_bytes=${512 * MiB}`, `memory.limit_in_bytes=${256 * MiB}`]);
    const lower = planV1({ memory: 16 * MiB, memorySwap: 32 * MiB }, { memsw: true, currentMemoryLimit: 64 * MiB });
    expect(short(lower)).toEqual([`memory.limit_in_bytes=${16 * MiB}`, `memory.memsw.limit_in_bytes=${32 * MiB}`]);
    const unlimitedSwap = planV1({ memory: 16 * MiB, memorySwap: -1 }, { memsw: true, currentMemoryLimit: 64 * MiB });
    expect(short(unlimitedSwap)).toEqual(['memory.memsw.limit_in_bytes=-1', `memory.limit_in_bytes=${16 * MiB}`]);
  });

  it('leaves memsw out without swap accounting, but refuses an explicit --memory-swap then', () => {
    expect(short(planV1({ memory: 16 * MiB }, { memsw: false, currentMemoryLimit: Infinity }))).toEqual([`memory.limit_in_bytes=${16 * MiB}`]);
    const e = skiffErrorOf(() => planV1({ memory: 16 * MiB, memorySwap: 32 * MiB }, { memsw: false, currentMemoryLimit: Infinity }));
    expect([e.code, e.hint]).toEqual(['UNSUPPORTED', 'boot the kernel with swapaccount=1, or run without --memory-swap']);
  });

  it('writes -1 / max for unlimited quota and pids, and clamps shares to the kernel range', () => {
    expect(short(planV1({ cpuQuota: -1, pidsLimit: -1, cpuShares: 1 }, fresh))).toEqual([
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=-1',
      'cpu.shares=2',
      'pids.max=max',
    ]);
    expect(short(planV1({ cpuPeriod: 50_000 }, fresh))).toEqual(['cpu.cfs_period_us=50000']);
  });
});

describe('planV2', () => {
  it('limits swap alone (memory-swap minus memory), cpu.max as "quota period", weight from shares', () => {
    const plan = planV2(normalizeLimits({ memory: 64 * MiB, memorySwap: 96 * MiB, cpuQuota: 20_000, cpuPeriod: 50_000, cpuShares: 1024, pidsLimit: 10 }), { swap: true });
    expect(short(plan)).toEqual([`memory.max=${64 * MiB}`, `memory.swap.max=${32 * MiB}`, 'cpu.max=20000 50000', 'cpu.weight=39', 'pids.max=10']);
  });

  it('defaults swap to as much as memory, max when unlimited, none without swap accounting', () => {
    expect(short(planV2({ memory: 64 * MiB }, { swap: true }))).toEqual([`memory.max=${64 * MiB}`, `memory.swap.max=${64 * MiB}`]);
    expect(short(planV2({ memory: 64 * MiB, memorySwap: -1 }, { swap: true }))[1]).toBe('memory.swap.max=max');
    expect(short(planV2({ memory: 64 * MiB }, { swap: false }))).toEqual([`memory.max=${64 * MiB}`]);
    expect(skiffErrorOf(() => planV2({ memory: 64 * MiB, memorySwap: -1 }, { swap: false })).code).toBe('UNSUPPORTED');
  });

  it('writes "max period" without a quota and keeps the current quota when only the period changes', () => {
    expect(short(planV2({ cpuQuota: -1 }, { swap: true }))).toEqual(['cpu.max=max 100000']);
    expect(short(planV2({ cpuPeriod: 200_000 }, { swap: true, cpuMax: '30000 100000\n' }))).toEqual(['cpu.max=30000 200000']);
    expect(short(planV2({ pidsLimit: 0 }, { swap: true }))).toEqual(['pids.max=max']);
  });
});

describe('cpuSharesToWeight', () => {
  it("is runc's linear map from 2..262144 onto 1..10000", () => {
    expect(cpuSharesToWeight(2)).toBe(1);
    expect(cpuSharesToWeight(1024)).toBe(39);
    expect(cpuSharesToWeight(512)).toBe(20);
    expect(cpuSharesToWeight(262_144)).toBe(10_000);
    expect(cpuSharesToWeight(1_000_000)).toBe(10_000);
  });
});
