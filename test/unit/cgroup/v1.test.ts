// The v1 manager over a fake v1 host: directories, exact writes and their order, usage, OOM
// counting, joining and removal.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectCgroups } from '../../../src/kernel/cgroup/index.ts';
import { fakeV1Host, setFile, skiffErrorOf, V1_UNLIMITED, type FakeCgroupHost, type V1HostOptions } from '../../helpers/cgroupfs.ts';

const MiB = 1024 * 1024;
let host: FakeCgroupHost;
afterEach(() => host.cleanup());

function setup(o: V1HostOptions = {}) {
  host = fakeV1Host(o);
  const manager = detectCgroups({ mountinfo: host.mountinfo, selfCgroup: host.selfCgroup, io: host.io });
  const dir = (controller: string, name = 'c1') => path.join(host.ownDir[controller]!, 'skiff', name);
  return { manager, dir };
}


describe('v1 cgroup', () => {
  it('makes one directory per hierarchy below the own cgroup and writes the limits in order', () => {
    const { manager, dir } = setup();
    const cg = manager.create('c1');
    const writes = cg.apply({ memory: 64 * MiB, cpuQuota: 20_000, cpuShares: 512, pidsLimit: 10 });
    expect(host.io.ops.filter((o) => o.op === 'mkdir').map((o) => o.path)).toEqual([
      path.dirname(dir('memory')),
      dir('memory'),
      path.dirname(dir('cpu')),
      dir('cpu'),
      path.dirname(dir('pids')),
      dir('pids'),
    ]);
    expect(writes).toEqual([
      { file: path.join(dir('memory'), 'memory.limit_in_bytes'), value: String(64 * MiB) },
      { file: path.join(dir('memory'), 'memory.memsw.limit_in_bytes'), value: String(128 * MiB) },
      { file: path.join(dir('cpu'), 'cpu.cfs_period_us'), value: '100000' },
      { file: path.join(dir('cpu'), 'cpu.cfs_quota_us'), value: '20000' },
      { file: path.join(dir('cpu'), 'cpu.shares'), value: '512' },
      { file: path.join(dir('pids'), 'pids.max'), value: '10' },
    ]);
    expect(host.io.writes()).toEqual(writes.map((w) => ({ path: w.file, value: w.value })));
    expect(fs.readFileSync(path.join(dir('cpu'), 'cpu.cfs_quota_us'), 'utf8')).toBe('20000');
    expect(cg.dirs).toEqual([dir('memory'), dir('cpu'), dir('pids')]);
    expect(cg.procsFiles).toEqual(cg.dirs.map((d) => path.join(d, 'cgroup.procs')));
  });

  it('raises and lowers memory on a live cgroup in the order the kernel accepts', () => {
    const { manager, dir } = setup();
    const cg = manager.create('c1');
    cg.apply({ memory: 16 * MiB });
    // The fake refuses memory > memsw and memsw < memory with EINVAL, as the kernel does.
    expect(cg.apply({ memory: 256 * MiB }).map((w) => path.basename(w.file))).toEqual(['memory.memsw.limit_in_bytes', 'memory.limit_in_bytes']);
    expect(cg.apply({ memory: 8 * MiB }).map((w) => path.basename(w.file))).toEqual(['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes']);
    expect(fs.readFileSync(path.join(dir('memory'), 'memory.memsw.limit_in_bytes'), 'utf8')).toBe(String(16 * MiB));
  });

  it('uses separate cpu and cpuacct hierarchies when they are not co-mounted', () => {
    const { manager, dir } = setup({ coMountCpu: false });
    const cg = manager.create('c1');
    cg.apply({ cpuQuota: 50_000 });
    expect(cg.dirs).toEqual([dir('memory'), dir('cpu'), dir('cpuacct'), dir('pids')]);
    setFile(path.join(dir('cpuacct'), 'cpuacct.usage'), '1234567\n');
    expect(cg.usage().cpu).toEqual({ usageNs: 1_234_567, quota: 50_000, period: 100_000 });
  });

  it('refuses a limit for a controller the host lacks before making anything', () => {
    const { manager } = setup({ controllers: ['memory', 'cpu', 'cpuacct'] });
    const e = skiffErrorOf(() => manager.create('c1').apply({ memory: 64 * MiB, pidsLimit: 10 }));
    expect([e.code, e.message]).toEqual(['UNSUPPORTED', 'this host has no pids cgroup controller, so --pids-limit cannot be enforced']);
    expect(host.io.ops).toEqual([]);
  });

  it('refuses invalid values before making anything', () => {
    const { manager } = setup();
    expect(skiffErrorOf(() => manager.create('c1').apply({ memory: 4 * MiB })).message).toBe('Minimum memory limit allowed is 6MB');
    expect(host.io.ops).toEqual([]);
  });

  it('removes what it made when the kernel refuses a write', () => {
    const { manager, dir } = setup();
    host.io.failWrite(path.join(dir('cpu'), 'cpu.cfs_quota_us'), 'EINVAL');
    const e = skiffErrorOf(() => manager.create('c1').apply({ memory: 64 * MiB, cpuQuota: 20_000 }));
    expect(e.code).toBe('CGROUP');
    expect(e.message).toBe(`cannot write "20000" to ${path.join(dir('cpu'), 'cpu.cfs_quota_us')}: EINVAL`);
    expect(fs.existsSync(path.dirname(dir('memory')))).toBe(false);
    expect(fs.existsSync(path.dirname(dir('cpu')))).toBe(false);
    expect(manager.list()).toEqual([]);
  });

  it('reads usage: bytes, peak, ns of CPU, pids, and "no limit" for the page counter maximum', () => {
    const { manager, dir } = setup();
    const cg = manager.create('c1');
    cg.apply({ pidsLimit: 10 });
    setFile(path.join(dir('memory'), 'memory.usage_in_bytes'), '5242880\n');
    setFile(path.join(dir('memory'), 'memory.max_usage_in_bytes'), '7340032\n');
    setFile(path.join(dir('cpuacct'), 'cpuacct.usage'), '2500000000\n');
    setFile(path.join(dir('pids'), 'pids.current'), '3\n');
    expect(cg.usage()).toEqual({
      memory: { usage: 5_242_880, limit: undefined, peak: 7_340_032 },
      cpu: { usageNs: 2_500_000_000, quota: undefined, period: 100_000 },
      pids: { current: 3, limit: 10 },
      oomKills: 0,
    });
    expect(fs.readFileSync(path.join(dir('memory'), 'memory.limit_in_bytes'), 'utf8').trim()).toBe(V1_UNLIMITED);
  });

  it("counts OOM kills from memory.oom_control's oom_kill line", () => {
    const { manager, dir } = setup();
    const cg = manager.create('c1');
    cg.apply({ memory: 16 * MiB });
    setFile(path.join(dir('memory'), 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
    setFile(path.join(dir('memory'), 'memory.failcnt'), '57\n');
    expect(cg.oomKills()).toBe(2);
    expect(cg.usage().oomKills).toBe(2);
  });

  it('before Linux 4.13 (no oom_kill line) reports memory.failcnt > 0 as one possible kill', () => {
    const { manager, dir } = setup({ oomKillLine: false });
    const cg = manager.create('c1');
    cg.apply({ memory: 16 * MiB });
    expect(cg.oomKills()).toBe(0);
    setFile(path.join(dir('memory'), 'memory.failcnt'), '57\n');
    expect(cg.oomKills()).toBe(1);
  });

  it('joins a process in every hierarchy and lists it', () => {
    const { manager } = setup();
    const cg = manager.create('c1');
    cg.apply({});
    expect(cg.join(777)).toEqual(cg.procsFiles.map((file) => ({ file, value: '777' })));
    expect(cg.pids()).toEqual([777]);
    expect(manager.list()).toEqual(['c1']);
  });

  it('destroy waits while the kernel still counts exiting processes, then removes the empty parent', async () => {
    const { manager, dir } = setup();
    const cg = manager.create('c1');
    cg.apply({ memory: 64 * MiB });
    host.io.busyFor(dir('memory'), 3);
    await cg.destroy();
    for (const d of [...cg.dirs, ...manager.parents]) expect(fs.existsSync(d)).toBe(false);
    expect(host.io.ops.filter((o) => o.op === 'rmdir').map((o) => o.path)).toEqual([...cg.dirs, ...manager.parents]);
    await cg.destroy(); // gone already: not an error
  });

  it('destroy keeps the parent while another container uses it, and gives up on a cgroup that stays busy', async () => {
    const { manager, dir } = setup();
    const a = manager.create('a');
    const b = manager.create('b');
    a.apply({});
    b.apply({});
    await a.destroy();
    expect(manager.list()).toEqual(['b']);
    for (const p of manager.parents) expect(fs.existsSync(p)).toBe(true);
    host.io.busyFor(dir('pids', 'b'), 1000);
    const started = Date.now();
    await expect(b.destroy()).rejects.toThrow(`cannot remove cgroup ${dir('pids', 'b')}: EBUSY`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fs.existsSync(dir('memory', 'b'))).toBe(false); // the others were still removed
  });

  it('refuses a container name that is not one directory', () => {
    const { manager } = setup();
    expect(() => manager.create('../x')).toThrow(/invalid container cgroup name/);
  });
});
