// The container models folded from runs the real engine recorded: a run with a named volume, an
// exec, CPU and memory burnt under limits, and an OOM kill — and their prefixes.
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../src/engine/events.ts';
import { cpuRate, explainWrite, foldCgroups, gauges, limitsOf, sampleFromStats } from '../../../src/visualize/model/cgroups.ts';
import { changeList, foldLayers, layerStack, sharedWith } from '../../../src/visualize/model/layers.ts';
import { foldNamespaces, mountGroups } from '../../../src/visualize/model/namespaces.ts';
import { emptyRun, foldRun, reduceRun, runSteps } from '../../../src/visualize/model/run.ts';
import { events, images, json, samples } from './fixtures.ts';

const run = events('run-volume');
const exec = events('exec');
const burn = events('run-burn');
const oom = events('run-oom');
const idOf = (evs: EngineEvent[]) => {
  const c = evs.find((e) => e.type === 'container.create');
  return c?.type === 'container.create' ? c.id : '';
};

describe('the layers model', () => {
  const id = idOf(run);
  const rw = foldLayers(run).containers[id]!;
  const all = images();
  const tools = all.find((i) => i.name.endsWith('/learn/tools:1'))!;
  const busybox = all.find((i) => i.name.endsWith('/learn/busybox:1'))!;

  it('keeps the writable layer the runtime mounted, and the volume beside it', () => {
    expect(rw.driver).toBe('overlay');
    expect(rw.lowerdirs).toHaveLength(3);
    expect(rw.upperdir).toBe(`<data-root>/snapshots/${id}/upper`);
    expect(rw.workdir).toBe(`<data-root>/snapshots/${id}/work`);
    expect(rw.mountData).toMatch(/^lowerdir=.*,upperdir=.*,workdir=/);
    expect(rw.volumes).toEqual([{ target: '/data', source: '<data-root>/volumes/greetings/_data', purpose: 'volume' }]);
  });

  it('stacks the image top first, each layer on its lowerdir, the shared base marked', () => {
    expect(sharedWith(tools, all)).toEqual([1, 0, 0]);
    expect(sharedWith(busybox, all)).toEqual([1, 0]);
    const stack = layerStack(tools, all, rw);
    expect(stack.map((r) => r.n)).toEqual([3, 2, 1]);
    expect(stack.map((r) => r.lowerdir)).toEqual(rw.lowerdirs); // both top first
    expect(stack.every((r) => r.lowerdir!.includes(r.layer.chainId!.slice(7)))).toBe(true);
  });

  it('sorts diff results into added, changed and deleted, from the engine or the API', () => {
    const { changes } = json<{ changes: { kind: 'A' | 'C' | 'D'; path: string }[] }>('changes-volume.json');
    const list = changeList(changes);
    expect(list.D).toEqual(['/etc/shadow']);
    expect(list.C).toEqual(['/etc', '/etc/group', '/var']);
    expect(list.A).toEqual(expect.arrayContaining(['/data', '/var/cache/app/counter']));
    const api = changes.map((c) => ({ Path: c.path, Kind: ({ C: 0, A: 1, D: 2 } as const)[c.kind] }));
    expect(changeList(api)).toEqual(list);
  });
});

describe('the namespaces model', () => {
  const id = idOf(exec);
  const c = foldNamespaces(exec).containers[id]!;

  it('has each namespace beside the host\'s, PID 1 and its host PID, and the exec', () => {
    expect(c.namespaces.map((n) => `${n.ns}:${n.mode}`)).toEqual(['pid:new', 'mnt:new', 'uts:new', 'ipc:new', 'net:new', 'cgroup:host']);
    for (const n of c.namespaces) expect(n.inode === n.hostInode).toBe(n.mode === 'host');
    expect(c.main).toMatchObject({ pid: 1, argv: ['sleep', '30'] });
    expect(c.main!.hostPid).toBeGreaterThan(1);
    expect(c.execs).toHaveLength(1);
    expect(c.execs[0]).toMatchObject({ argv: ['sh', '-c', 'hostname; ps'], exitCode: 0 });
    // What the exec printed: its own PID inside, and the hostname the container was given.
    const { output } = json<{ output: string }>('output-exec.json');
    expect(output).toContain(`   ${c.execs[0]!.pid} root     {ps} sh -c hostname; ps`);
    expect(c.hostname).toBe(id.slice(0, 12));
    expect(output.split('\n')[0]).toBe(c.hostname);
    expect(c.pivotRoot?.newRoot).toBe(`<data-root>/containers/${id}/rootfs`);
  });

  it('groups the mounts by why they exist, in the order the runtime made them', () => {
    const groups = mountGroups(c);
    expect(groups.map((g) => `${g.purpose} ${g.purpose === 'system' ? '' : g.mounts.length}`)).toEqual(['rootfs 1', 'system ', 'file 3', 'mask 4', 'readonly 4']);
    expect(groups[0]!.mounts[0]).toMatchObject({ target: '/', fstype: 'overlay' });
    expect(groups[1]!.mounts.map((m) => m.target)).toEqual(expect.arrayContaining(['/proc', '/dev', '/dev/pts', '/dev/shm', '/sys', '/sys/fs/cgroup']));
    const vol = foldNamespaces(run).containers[idOf(run)]!;
    expect(mountGroups(vol).find((g) => g.purpose === 'volume')?.mounts.map((m) => m.target)).toEqual(['/data']);
    expect(c.devices.map((d) => d.path)).toEqual(['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty']);
  });

  it('knows nothing of the process before the runtime reported it', () => {
    const before = exec.slice(0, exec.findIndex((e) => e.type === 'runtime.process'));
    const early = foldNamespaces(before).containers[id]!;
    expect(early.main).toBeUndefined();
    expect(early.namespaces).toHaveLength(6);
  });
});

describe('the cgroups model', () => {
  it('explains every file the engine wrote, and sees the OOM kill', () => {
    const c = foldCgroups(oom).containers[idOf(oom)]!;
    expect(c.version).toBe(1);
    expect(c.writes.slice(0, 2).map((w) => [w.name, w.value, w.meaning])).toEqual([
      ['memory.limit_in_bytes', '33554432', 'memory limit: 32 MiB'],
      ['memory.memsw.limit_in_bytes', '67108864', 'memory + swap limit: 64 MiB'],
    ]);
    // Recorded on a cgroup v1 host: the process joins each hierarchy.
    expect(c.writes.filter((w) => w.name === 'cgroup.procs').map((w) => w.controller)).toEqual(['memory', 'cpu', 'cpuacct', 'pids']);
    expect(c.exit).toMatchObject({ reason: 'oom', oomKilled: true, exitCode: 137 });
    expect(limitsOf(c)).toEqual({ memory: 32 * 1024 * 1024 });
    expect(limitsOf(foldCgroups(burn).containers[idOf(burn)]!)).toEqual({ memory: 64 * 1024 * 1024, cpus: 0.5, pids: 32 });
  });

  it('turns usage samples into gauges: CPU as a rate between samples, against the quota', () => {
    const s = samples('usage-burn');
    const g = gauges(s)!;
    expect(g.cpu.limit).toBe(0.5);
    // The busy loop was held to half a CPU by the quota.
    expect(g.cpu.cores).toBeGreaterThan(0.35);
    expect(g.cpu.cores).toBeLessThan(0.65);
    expect(g.memory.limit).toBe(64 * 1024 * 1024);
    expect(g.memory.fraction).toBeCloseTo(s.at(-1)!.memory.usage / (64 * 1024 * 1024));
    expect(g.pids).toMatchObject({ limit: 32 });
    expect(g.history.memory).toHaveLength(s.length);
    expect(g.history.cpu).toHaveLength(s.length - 1);
    expect(cpuRate(s[0]!, s[1]!)).toBeCloseTo((s[1]!.cpu.usageNs - s[0]!.cpu.usageNs) / ((s[1]!.at - s[0]!.at) * 1e6));
    const o = gauges(samples('usage-oom'))!;
    // It grew to the limit before it was killed (the last sample may come just after the kill).
    expect(Math.max(...o.history.memory) / o.memory.limit!).toBeGreaterThan(0.85);
    expect(o.memory.peak! / o.memory.limit!).toBeGreaterThan(0.9);
    expect(o.cpu.limit).toBeUndefined();
    expect(gauges([])).toBeUndefined();
  });

  it('reads the v2 files and the Engine API\'s stats too', () => {
    expect(explainWrite('cpu.max', '50000 100000')).toBe('CPU time: 50 ms per 100 ms = 0.5 CPU');
    expect(explainWrite('cpu.max', 'max 100000')).toBe('CPU time: no limit');
    expect(explainWrite('memory.max', 'max')).toBe('memory limit: no limit');
    expect(explainWrite('pids.max', '20')).toBe('at most 20 processes');
    const s = samples('usage-burn')[3]!;
    const stats = { read: '2026-01-01T00:00:01.000Z', memory_stats: { usage: s.memory.usage, limit: s.memory.limit!, max_usage: s.memory.peak! }, cpu_stats: { cpu_usage: { total_usage: s.cpu.usageNs } }, pids_stats: { current: s.pids.current, limit: s.pids.limit! } };
    expect(sampleFromStats(stats, { quota: 50000, period: 100000 })).toEqual({ ...s, at: Date.parse(stats.read) });
  });
});

describe('the explain-run model', () => {
  it('times every step the engine reported, and says which ones a recording lacks', () => {
    const steps = runSteps(foldRun(run));
    const timing = (step: string) => {
      const e = run.find((x) => x.type === 'runtime.step' && x.step === step);
      return e?.type === 'runtime.step' ? e.ms : undefined;
    };
    const done = run.find((e) => e.type === 'pull.done');
    expect(steps.map((s) => `${s.n} ${s.key} ${s.state}`)).toEqual([
      '1 pull done', '2 create done', '3 rootfs done', '4 network not-in-skiff', '5 ip not-in-skiff', '6 start done', '7 attach done',
    ]);
    expect(steps[0]!.ms).toBe(done?.type === 'pull.done' ? done.ms : NaN);
    expect(steps[0]!.detail).toMatch(/^pulled .*\/learn\/tools:1: 2 layers downloaded, 1 already present$/);
    for (const s of steps.slice(1)) if (s.state === 'done') expect(s.ms).toBe(timing(s.key));
    expect(steps[3]!.detail).toBe('not reported by the engine that ran it; the container had its own network namespace with only loopback');
    expect(steps[5]!.detail).toMatch(/^PID 1 inside = PID \d+ on the host: sh -c echo hello from skiff/);
    expect(foldRun(run).exit).toEqual({ exitCode: 0, reason: 'exited' });
  });

  it('says a pull was not needed when the image was there, and an OOM kill as such', () => {
    const m = foldRun(oom);
    expect(runSteps(m)[0]).toMatchObject({ state: 'skipped', detail: 'not needed: the image was already in the store' });
    expect(m.exit).toMatchObject({ reason: 'oom', exitCode: 137 });
  });

  it('never shows a step done before its event, at any point of the run', () => {
    let m = emptyRun;
    const seen = new Set<string>();
    for (const e of run) {
      m = reduceRun(m, e);
      if (e.type === 'runtime.step') seen.add(e.step);
      if (e.type === 'pull.done') seen.add('pull');
      for (const s of runSteps(m)) {
        if (s.state === 'done') expect(seen.has(s.key), s.key).toBe(true);
      }
    }
    const at = (type: string) => foldRun(run.slice(0, run.findIndex((e) => e.type === type) + 1));
    expect(runSteps(at('pull.start')).map((s) => s.state)).toEqual(['active', 'pending', 'pending', 'pending', 'pending', 'pending', 'pending']);
    expect(runSteps(at('runtime.namespace')).map((s) => s.state)).toEqual(['done', 'done', 'active', 'pending', 'pending', 'active', 'pending']);
  });

  it('shows the network steps of a bridge container as done, with the engine\'s timings', () => {
    const bridge = events('run-bridge');
    const steps = runSteps(foldRun(bridge));
    const ms = (k: string) => {
      const e = bridge.find((x) => x.type === 'runtime.step' && x.step === k);
      return e?.type === 'runtime.step' ? e.ms : NaN;
    };
    expect(steps.map((s) => `${s.key} ${s.state}`)).toEqual(['pull skipped', 'create done', 'rootfs done', 'network done', 'ip done', 'start done', 'attach done']);
    expect(steps[3]!.ms).toBe(ms('network'));
    expect(steps[3]!.detail).toMatch(/^veth pair veth[0-9a-f]{7} on bridge skiff0 ⇄ eth0 inside$/);
    expect(steps[4]!.detail).toBe('172.18.0.3/16 from bridge\'s pool 172.18.0.0/16');
  });

  it('says "not needed" for the network steps of a --network none container', () => {
    const id = 'c'.repeat(64);
    const m = foldRun([
      { type: 'container.create', id, name: 'n', image: 'busybox', imageId: 'sha256:x' },
      { type: 'runtime.step', id, step: 'ip', ms: 0, detail: '--network none: no address but loopback', skipped: true },
      { type: 'runtime.step', id, step: 'network', ms: 0, detail: '--network none: a network namespace with only the loopback interface', skipped: true },
    ]);
    expect(runSteps(m).slice(3, 5)).toMatchObject([{ state: 'skipped', detail: '--network none: a network namespace with only the loopback interface' }, { state: 'skipped' }]);
  });

  it('keeps a pull of another image out of the next run', () => {
    // learn/tools was pulled, then learn/busybox run: that pull was not this run's step 1.
    expect(runSteps(foldRun([...events('pull-shared'), ...oom]))[0]!.state).toBe('skipped');
    // A pull of the very image the run uses is (the REPL folds from the moment `run` is typed).
    expect(runSteps(foldRun([...events('pull-token'), ...oom]))[0]!.state).toBe('done');
  });
});
