// Docker's resource flags turned into cgroup file writes, in the order the kernel accepts them.
// Pure: the v1 and v2 managers read what the plan needs from the host and perform the writes.
// Sources: moby daemon/daemon_unix.go (validation, defaults), runc libcontainer/cgroups/fs and fs2
// (which file gets which value), the kernel's Documentation/admin-guide/cgroup-v1/memory.rst and
// cgroup-v2.rst (units and special values).
import { SkiffError } from '../../engine/errors.ts';
import type { CgroupLimits } from './types.ts';

/** Docker refuses less (moby's linuxMinMemory): below it a container cannot even start a shell. */
export const MIN_MEMORY = 6 * 1024 * 1024;
/** CFS bandwidth bounds (kernel/sched/core.c): period 1 ms..1 s, quota at least 1 ms. */
export const MIN_CPU_PERIOD = 1000;
export const MAX_CPU_PERIOD = 1_000_000;
export const MIN_CPU_QUOTA = 1000;
export const DEFAULT_CPU_PERIOD = 100_000;
/** The kernel clamps cpu.shares to this range (MIN_SHARES, MAX_SHARES in kernel/sched). */
export const MIN_CPU_SHARES = 2;
export const MAX_CPU_SHARES = 262_144;

/** A write the plan asks for, named by controller and file; the manager knows the directory. */
export interface PlannedWrite {
  controller: 'memory' | 'cpu' | 'pids';
  file: string;
  value: string;
}

const FLAGS: Record<keyof CgroupLimits, { flag: string; controller: PlannedWrite['controller']; unit: string }> = {
  memory: { flag: '--memory', controller: 'memory', unit: 'bytes' },
  memorySwap: { flag: '--memory-swap', controller: 'memory', unit: 'bytes' },
  cpuQuota: { flag: '--cpus', controller: 'cpu', unit: 'µs' },
  cpuPeriod: { flag: '--cpu-period', controller: 'cpu', unit: 'µs' },
  cpuShares: { flag: '--cpu-shares', controller: 'cpu', unit: 'shares' },
  pidsLimit: { flag: '--pids-limit', controller: 'pids', unit: 'processes' },
};

function usage(message: string, hint: string): SkiffError {
  return new SkiffError('USAGE', message, hint);
}

/**
 * Checks the values as Docker does and applies Docker's "0 means not set" (for every field but
 * pidsLimit, where 0 means unlimited). Returns the limits with unset fields removed.
 */
export function normalizeLimits(limits: CgroupLimits): CgroupLimits {
  for (const [key, value] of Object.entries(limits) as [keyof CgroupLimits, number | undefined][]) {
    if (value !== undefined && !Number.isSafeInteger(value)) {
      const { flag, unit } = FLAGS[key];
      throw usage(`invalid ${flag} value ${value}: expected a whole number of ${unit}`, `give ${flag} in ${unit}`);
    }
  }
  const set = (v: number | undefined): number | undefined => (v === 0 ? undefined : v);
  const out: CgroupLimits = {
    memory: set(limits.memory),
    memorySwap: set(limits.memorySwap),
    cpuQuota: set(limits.cpuQuota),
    cpuPeriod: set(limits.cpuPeriod),
    cpuShares: set(limits.cpuShares),
    pidsLimit: limits.pidsLimit,
  };
  const { memory, memorySwap, cpuQuota, cpuPeriod, cpuShares } = out;
  if (memory !== undefined && memory < MIN_MEMORY) {
    throw usage('Minimum memory limit allowed is 6MB', 'give --memory 6m or more');
  }
  if (memorySwap !== undefined && memorySwap !== -1) {
    if (memorySwap < -1) throw usage(`invalid --memory-swap ${memorySwap}`, 'give memory plus swap in bytes, or -1 for unlimited swap');
    if (memory === undefined) {
      throw usage('You should always set the Memory limit when using Memoryswap limit, see usage', 'add --memory');
    }
    if (memorySwap < memory) {
      throw usage(
        'Minimum memoryswap limit should be larger than memory limit, see usage',
        '--memory-swap is memory plus swap: give at least the --memory value, or -1 for unlimited swap',
      );
    }
  }
  if (cpuPeriod !== undefined && (cpuPeriod < MIN_CPU_PERIOD || cpuPeriod > MAX_CPU_PERIOD)) {
    throw usage('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)', 'give --cpu-period between 1000 and 1000000');
  }
  if (cpuQuota !== undefined && cpuQuota > 0 && cpuQuota < MIN_CPU_QUOTA) {
    throw usage('CPU cfs quota can not be less than 1ms (i.e. 1000)', 'give at least 1000 µs of CPU per period (--cpus 0.01 with the default period)');
  }
  if (cpuShares !== undefined && cpuShares < 0) {
    throw usage(`invalid --cpu-shares ${cpuShares}: must not be negative`, 'give a relative weight such as 512 or 1024 (the default)');
  }
  return out;
}

/** Refuses a limit for a controller this host does not have, naming the flag that needs it. */
export function requireControllers(limits: CgroupLimits, available: readonly string[], version: 1 | 2): void {
  for (const [key, value] of Object.entries(limits) as [keyof CgroupLimits, number | undefined][]) {
    if (value === undefined) continue;
    const { flag, controller } = FLAGS[key];
    if (available.includes(controller)) continue;
    throw new SkiffError(
      'UNSUPPORTED',
      `this host has no ${controller} cgroup controller, so ${flag} cannot be enforced`,
      version === 1
        ? `mount it (mount -t cgroup -o ${controller} cgroup /sys/fs/cgroup/${controller}) or run without ${flag}`
        : `enable the ${controller} controller in the kernel (and cgroup_enable=${controller} on its command line if it is off) or run without ${flag}`,
    );
  }
}

/** Docker's default for --memory without --memory-swap: as much swap again as memory. */
function memoryPlusSwap(limits: CgroupLimits): number | undefined {
  if (limits.memorySwap !== undefined) return limits.memorySwap;
  return limits.memory !== undefined ? 2 * limits.memory : undefined;
}

function noSwapAccounting(file: string): SkiffError {
  return new SkiffError(
    'UNSUPPORTED',
    `this host does not account swap per cgroup (no ${file}), so --memory-swap cannot be enforced`,
    'boot the kernel with swapaccount=1, or run without --memory-swap',
  );
}

const unlimitedQuota = (q: number | undefined): boolean => q !== undefined && q < 0;

/**
 * v1 writes for normalized limits. `currentMemoryLimit` is what memory.limit_in_bytes holds now
 * (Infinity when unlimited); `memsw` says whether memory.memsw.limit_in_bytes exists (it does only
 * with swap accounting).
 */
export function planV1(limits: CgroupLimits, host: { memsw: boolean; currentMemoryLimit: number }): PlannedWrite[] {
  const writes: PlannedWrite[] = [];
  const memory = limits.memory;
  const memsw = host.memsw ? memoryPlusSwap(limits) : undefined;
  if (!host.memsw && limits.memorySwap !== undefined) throw noSwapAccounting('memory.memsw.limit_in_bytes');
  const mem: PlannedWrite | undefined = memory !== undefined ? { controller: 'memory', file: 'memory.limit_in_bytes', value: String(memory) } : undefined;
  const sw: PlannedWrite | undefined = memsw !== undefined ? { controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: String(memsw) } : undefined;
  // The kernel keeps memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every moment and
  // refuses (EINVAL) a write that would break it (mem_cgroup_resize_max). Raising: memsw first, so
  // the new memory limit fits under it. Lowering: memory first, so the new memsw stays above it.
  // -1 (unlimited) is above everything.
  const memswFirst = memsw !== undefined && (memsw === -1 || memsw >= host.currentMemoryLimit);
  for (const w of memswFirst ? [sw, mem] : [mem, sw]) if (w) writes.push(w);

  // Period before quota, as runc does: the kernel checks quota/period against the parent's ratio.
  if (limits.cpuPeriod !== undefined || limits.cpuQuota !== undefined) {
    writes.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(limits.cpuPeriod ?? DEFAULT_CPU_PERIOD) });
  }
  if (limits.cpuQuota !== undefined) {
    writes.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: unlimitedQuota(limits.cpuQuota) ? '-1' : String(limits.cpuQuota) });
  }
  if (limits.cpuShares !== undefined) {
    writes.push({ controller: 'cpu', file: 'cpu.shares', value: String(clampShares(limits.cpuShares)) });
  }
  if (limits.pidsLimit !== undefined) writes.push(pidsMax(limits.pidsLimit));
  return writes;
}

/**
 * v2 writes for normalized limits. `swap` says whether memory.swap.max exists; `cpuMax` is what
 * cpu.max holds now ("max 100000"), needed when only the period changes.
 */
export function planV2(limits: CgroupLimits, host: { swap: boolean; cpuMax?: string }): PlannedWrite[] {
  const writes: PlannedWrite[] = [];
  if (limits.memory !== undefined) writes.push({ controller: 'memory', file: 'memory.max', value: String(limits.memory) });
  const memsw = memoryPlusSwap(limits);
  if (!host.swap && limits.memorySwap !== undefined) throw noSwapAccounting('memory.swap.max');
  if (host.swap && memsw !== undefined) {
    // v2 limits swap on its own, not memory plus swap: the swap part is the difference.
    const swap = memsw === -1 ? 'max' : String(memsw - limits.memory!);
    writes.push({ controller: 'memory', file: 'memory.swap.max', value: swap });
  }
  // cpu.max is "$QUOTA $PERIOD" in one write; "max" is no quota.
  if (limits.cpuQuota !== undefined || limits.cpuPeriod !== undefined) {
    const period = limits.cpuPeriod ?? DEFAULT_CPU_PERIOD;
    let quota: string;
    if (limits.cpuQuota === undefined) quota = host.cpuMax?.trim().split(/\s+/)[0] ?? 'max';
    else quota = unlimitedQuota(limits.cpuQuota) ? 'max' : String(limits.cpuQuota);
    writes.push({ controller: 'cpu', file: 'cpu.max', value: `${quota} ${period}` });
  }
  if (limits.cpuShares !== undefined) {
    writes.push({ controller: 'cpu', file: 'cpu.weight', value: String(cpuSharesToWeight(limits.cpuShares)) });
  }
  if (limits.pidsLimit !== undefined) writes.push(pidsMax(limits.pidsLimit));
  return writes;
}

function clampShares(shares: number): number {
  return Math.min(MAX_CPU_SHARES, Math.max(MIN_CPU_SHARES, shares));
}

/**
 * v1 cpu.shares (2..262144, default 1024) to v2 cpu.weight (1..10000, default 100): runc's linear
 * map, 2 → 1 and 262144 → 10000. (1024 becomes 39, not 100: the two defaults do not line up.)
 */
export function cpuSharesToWeight(shares: number): number {
  return 1 + Math.floor(((clampShares(shares) - 2) * 9999) / 262_142);
}

/** Docker: --pids-limit 0 or -1 is unlimited, which pids.max spells "max" (v1 and v2 alike). */
function pidsMax(limit: number): PlannedWrite {
  return { controller: 'pids', file: 'pids.max', value: limit > 0 ? String(limit) : 'max' };
}
