// Container cgroups on this machine's real cgroup file system (v1 here; v2 where the host runs it):
// limits the kernel reads back, processes joining, the OOM killer, the pids limit, CFS quota.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectCgroups, type CgroupManager, type ContainerCgroup } from '../../../src/kernel/cgroup/index.ts';

const isRoot = process.getuid?.() === 0;
const MiB = 1024 * 1024;

describe.skipIf(!isRoot)('container cgroups (needs root: makes cgroups and moves processes into them)', () => {
  let manager: CgroupManager;
  const cgroups: ContainerCgroup[] = [];
  const children: ChildProcess[] = [];

  function newCgroup(): ContainerCgroup {
    manager ??= detectCgroups({ parentName: `skiff-test-${randomBytes(4).toString('hex')}` });
    const cg = manager.create(`c-${randomBytes(4).toString('hex')}`);
    cgroups.push(cg);
    return cg;
  }

  /** A shell that waits for a line on stdin before it runs `script`: time to join it to a cgroup. */
  function gated(script: string): { child: ChildProcess; go: () => void; stderr: () => string } {
    const child = spawn('sh', ['-c', `read _; ${script}`], { stdio: ['pipe', 'ignore', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    return { child, go: () => child.stdin!.end('\n'), stderr: () => err };
  }

  async function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    return { code: child.exitCode, signal: child.signalCode };
  }

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    for (const cg of cgroups.splice(0)) {
      for (const pid of cg.pids()) process.kill(pid, 'SIGKILL'); // only ours can be in our cgroup
      await cg.destroy();
    }
    if (manager) for (const parent of manager.parents) expect(fs.existsSync(parent)).toBe(false);
  });

  it('the kernel holds the limits written', () => {
    const cg = newCgroup();
    const writes = cg.apply({ memory: 64 * MiB, cpuQuota: 50_000, cpuShares: 512, pidsLimit: 100 });
    for (const dir of cg.dirs) expect(fs.statSync(dir).isDirectory()).toBe(true);
    for (const w of writes) {
      const got = fs.readFileSync(w.file, 'utf8').trim();
      if (w.file.endsWith('cpu.weight') || w.file.endsWith('cgroup.subtree_control')) continue;
      expect(got, w.file).toBe(w.value);
    }
    expect(manager.list()).toContain(cg.name);
    const u = cg.usage();
    expect(u.memory.limit).toBe(64 * MiB);
    expect(u.cpu).toMatchObject({ quota: 50_000, period: 100_000 });
    expect(u.pids).toEqual({ current: 0, limit: 100 });
  });

  it('raises and lowers memory with swap on a live cgroup in the order the kernel accepts', (ctx) => {
    const cg = newCgroup();
    cg.apply({ memory: 16 * MiB });
    const memoryDir = cg.dirs.find((d) => fs.existsSync(path.join(d, 'memory.memsw.limit_in_bytes')));
    if (manager.version !== 1 || !memoryDir) ctx.skip('needs cgroup v1 with swap accounting (memory.memsw.*)');
    cg.apply({ memory: 256 * MiB });
    cg.apply({ memory: 8 * MiB, memorySwap: 12 * MiB });
    expect(fs.readFileSync(path.join(memoryDir!, 'memory.limit_in_bytes'), 'utf8').trim()).toBe(String(8 * MiB));
    expect(fs.readFileSync(path.join(memoryDir!, 'memory.memsw.limit_in_bytes'), 'utf8').trim()).toBe(String(12 * MiB));
  });

  it('moves a process in and lists it', () => {
    const cg = newCgroup();
    cg.apply({});
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(child);
    cg.join(child.pid!);
    expect(cg.pids()).toEqual([child.pid]);
    // The kernel's view: in every hierarchy the process is in <engine's own cgroup>/<parent>/<name>.
    const own = new Map(fs.readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n').map((l) => [l.slice(0, l.lastIndexOf(':')), l.slice(l.lastIndexOf(':') + 1)]));
    const parentName = path.basename(manager.parents[0]!);
    let checked = 0;
    for (const line of fs.readFileSync(`/proc/${child.pid}/cgroup`, 'utf8').trim().split('\n')) {
      const key = line.slice(0, line.lastIndexOf(':'));
      const controllers = key.split(':')[1]!.split(',');
      const relevant = manager.version === 2 ? key === '0:' : controllers.some((c) => manager.controllers.includes(c));
      if (!relevant) continue;
      expect(line.slice(key.length + 1)).toBe(path.posix.join(own.get(key)!, parentName, cg.name));
      checked++;
    }
    expect(checked).toBe(manager.version === 2 ? 1 : cg.dirs.length);
    expect(cg.usage().pids.current).toBe(1);
  });

  it('the OOM killer kills a process that allocates beyond a 16 MiB limit, and oomKills() counts it', async () => {
    const cg = newCgroup();
    cg.apply({ memory: 16 * MiB });
    // dd reads 64 MiB from /dev/zero into one buffer: every page of it is touched, none can be swapped.
    const { child, go } = gated('exec dd if=/dev/zero of=/dev/null bs=64M count=1');
    cg.join(child.pid!);
    go();
    expect(await exited(child)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(cg.oomKills()).toBeGreaterThanOrEqual(1);
    const u = cg.usage();
    expect(u.oomKills).toBeGreaterThanOrEqual(1);
    expect(u.memory.peak).toBeLessThanOrEqual(16 * MiB);
  });

  it('with pids.max 10 a shell cannot fork 30 processes', async () => {
    const cg = newCgroup();
    cg.apply({ pidsLimit: 10 });
    const { child, go, stderr } = gated('for i in $(seq 30); do sleep 30 & done; wait');
    cg.join(child.pid!);
    go();
    // The shell stops at the first fork the kernel refuses (EAGAIN); the sleeps it made live on.
    await exited(child);
    expect(stderr()).toMatch(/fork/i);
    expect(cg.usage().pids.current).toBeLessThanOrEqual(10);
    expect(cg.pids().length).toBeGreaterThan(0);
    expect(cg.pids().length).toBeLessThanOrEqual(10);
  });

  it('a CPU quota of 0.2 CPU lets a 1 s busy loop use well under 1 s of CPU', async () => {
    const cg = newCgroup();
    cg.apply({ cpuQuota: 20_000, cpuPeriod: 100_000 });
    const { child, go } = gated('exec timeout 1 sh -c "while :; do :; done"');
    cg.join(child.pid!);
    go();
    await exited(child);
    const { usageNs } = cg.usage().cpu;
    expect(usageNs).toBeGreaterThan(10_000_000);
    expect(usageNs).toBeLessThan(500_000_000);
  });
});
