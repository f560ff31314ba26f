// The v2 manager over a fake unified host: delegation, exact writes, usage and OOM counting.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectCgroups } from '../../../src/kernel/cgroup/index.ts';
import { fakeV2Host, setFile, skiffErrorOf, type FakeCgroupHost, type V2HostOptions } from '../../helpers/cgroupfs.ts';

const MiB = 1024 * 1024;
let host: FakeCgroupHost;
afterEach(() => host.cleanup());

function setup(o: V2HostOptions = {}) {
  host = fakeV2Host(o);
  const manager = detectCgroups({ mountinfo: host.mountinfo, selfCgroup: host.selfCgroup, io: host.io });
  const parent = path.join(host.ownDir.unified!, 'skiff');
  return { manager, parent, dir: path.join(parent, 'c1') };
}

const text = (file: string) => fs.readFileSync(file, 'utf8');

describe('v2 cgroup', () => {
  it('enables the controllers in the parent it made, then writes the limits in the container cgroup', () => {
    const { manager, parent, dir } = setup();
    const cg = manager.create('c1');
    const writes = cg.apply({ memory: 64 * MiB, cpuQuota: 20_000, cpuShares: 512, pidsLimit: 10 });
    expect(host.io.ops.map((o) => `${o.op} ${path.relative(host.root, o.path)}${'value' in o ? ` ${o.value}` : ''}`)).toEqual([
      'mkdir sys/fs/cgroup/skiff',
      'write sys/fs/cgroup/skiff/cgroup.subtree_control +memory +cpu +pids',
      'mkdir sys/fs/cgroup/skiff/c1',
      `write sys/fs/cgroup/skiff/c1/memory.max ${64 * MiB}`,
      `write sys/fs/cgroup/skiff/c1/memory.swap.max ${64 * MiB}`,
      'write sys/fs/cgroup/skiff/c1/cpu.max 20000 100000',
      'write sys/fs/cgroup/skiff/c1/cpu.weight 20',
      'write sys/fs/cgroup/skiff/c1/pids.max 10',
    ]);
    expect(writes[0]).toEqual({ file: path.join(parent, 'cgroup.subtree_control'), value: '+memory +cpu +pids' });
    expect(writes).toHaveLength(6);
    expect(cg.dirs).toEqual([dir]);
    expect(cg.procsFiles).toEqual([path.join(dir, 'cgroup.procs')]);
    // The fake kernel gave the child the controllers' files because the parent enabled them.
    expect(text(path.join(dir, 'cpu.max'))).toBe('20000 100000');
  });

  it('does not write subtree_control again for a second container', () => {
    const { manager } = setup();
    manager.create('a').apply({});
    const writes = manager.create('b').apply({ pidsLimit: 5 });
    expect(writes.map((w) => path.basename(w.file))).toEqual(['pids.max']);
    expect(manager.list()).toEqual(['a', 'b']);
  });

  it('refuses when the own cgroup does not delegate the controllers, and writes nothing', () => {
    const { manager } = setup({ ownPath: '/system.slice/skiff.service' });
    const e = skiffErrorOf(() => manager.create('c1').apply({ memory: 64 * MiB }));
    expect(e.code).toBe('CGROUP');
    expect(e.message).toBe(
      `the memory, cpu, pids cgroup controllers are not delegated to ${path.join(host.root, 'sys/fs/cgroup/system.slice/skiff.service')} (its cgroup.subtree_control lacks them)`,
    );
    expect(e.hint).toMatch(/root cgroup/);
    expect(host.io.ops).toEqual([]);
  });

  it('names just the controllers that are not delegated', () => {
    const { manager } = setup({ delegated: ['cpu', 'memory'] });
    expect(skiffErrorOf(() => manager.create('c1').apply({})).message).toMatch(/^the pids cgroup controller is not delegated to /);
  });

  it('refuses a limit for a controller the host lacks', () => {
    const { manager } = setup({ controllers: ['cpu', 'memory'] });
    const e = skiffErrorOf(() => manager.create('c1').apply({ pidsLimit: 10 }));
    expect([e.code, e.message]).toEqual(['UNSUPPORTED', 'this host has no pids cgroup controller, so --pids-limit cannot be enforced']);
    expect(manager.create('c1').apply({ memory: 64 * MiB }).map((w) => w.value)).toEqual(['+memory +cpu', String(64 * MiB), String(64 * MiB)]);
  });

  it('without swap accounting leaves swap alone, and refuses an explicit --memory-swap', () => {
    const { manager } = setup({ swap: false });
    expect(manager.create('c1').apply({ memory: 64 * MiB }).map((w) => path.basename(w.file))).toEqual(['cgroup.subtree_control', 'memory.max']);
    expect(skiffErrorOf(() => manager.create('c1').apply({ memory: 64 * MiB, memorySwap: 128 * MiB })).code).toBe('UNSUPPORTED');
  });

  it('removes what it made when the kernel refuses a write', () => {
    const { manager, parent, dir } = setup();
    host.io.failWrite(path.join(dir, 'pids.max'), 'EINVAL');
    expect(skiffErrorOf(() => manager.create('c1').apply({ pidsLimit: 10 })).message).toMatch(/cannot write "10" to .*pids.max: EINVAL/);
    expect(fs.existsSync(parent)).toBe(false);
  });

  it('reads usage: memory.current/peak/max, cpu.stat usage_usec in ns, cpu.max, pids', () => {
    const { manager, dir } = setup();
    const cg = manager.create('c1');
    cg.apply({ memory: 64 * MiB, cpuQuota: 50_000 });
    setFile(path.join(dir, 'memory.current'), '1048576\n');
    setFile(path.join(dir, 'memory.peak'), '2097152\n');
    setFile(path.join(dir, 'cpu.stat'), 'usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 12\n');
    setFile(path.join(dir, 'pids.current'), '4\n');
    expect(cg.usage()).toEqual({
      memory: { usage: 1_048_576, limit: 64 * MiB, peak: 2_097_152 },
      cpu: { usageNs: 1_500_000_000, quota: 50_000, period: 100_000 },
      pids: { current: 4, limit: undefined },
      oomKills: 0,
    });
  });

  it('has no peak before Linux 5.19 (no memory.peak)', () => {
    const { manager } = setup({ peak: false });
    const cg = manager.create('c1');
    cg.apply({});
    expect(cg.usage().memory).toEqual({ usage: 0, limit: undefined, peak: undefined });
  });

  it('counts OOM kills from memory.events', () => {
    const { manager, dir } = setup();
    const cg = manager.create('c1');
    cg.apply({ memory: 16 * MiB });
    setFile(path.join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 31\noom 2\noom_kill 2\noom_group_kill 0\n');
    expect(cg.oomKills()).toBe(2);
  });

  it('joins a process, and destroy removes the cgroup and the then empty parent', async () => {
    const { manager, parent, dir } = setup();
    const cg = manager.create('c1');
    cg.apply({});
    expect(cg.join(1234)).toEqual([{ file: path.join(dir, 'cgroup.procs'), value: '1234' }]);
    expect(cg.pids()).toEqual([1234]);
    setFile(path.join(dir, 'cgroup.procs'), ''); // the process exited
    await cg.destroy();
    expect(fs.existsSync(parent)).toBe(false);
    expect(fs.existsSync(host.ownDir.unified!)).toBe(true);
  });
});
