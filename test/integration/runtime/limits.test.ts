// cgroup limits on real containers: a memory hog is OOM-killed (137, OOMKilled), a fork loop stops
// at the pids limit, a CPU quota caps the CPU time, and the container sees its own limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerService } from '../../../src/engine/containers/service.ts';
import { canRunContainers, containerSuite, needsRoot, type TestEngine } from '../../helpers/runtime.ts';

describe.skipIf(!canRunContainers)(`cgroup limits (${needsRoot})`, () => {
  const s = containerSuite();
  let t: TestEngine;
  let c: ContainerService;
  beforeAll(() => {
    t = s.t;
    c = s.rt.containers;
  });

  async function logsOf(id: string): Promise<string> {
    let s = '';
    for await (const e of c.logs(id, {})) s += e.log;
    return s;
  }

  it('kills a process that goes over --memory and reports OOMKilled with exit 137', async () => {
    const { Id } = await c.create({ Image: 'busybox', Cmd: ['sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; dd if=/dev/zero of=/dev/null bs=64M count=1'], HostConfig: { Memory: 16 * 1024 * 1024 } });
    await c.start(Id);
    expect((await c.wait(Id)).StatusCode).toBe(137);
    const info = await c.inspect(Id);
    expect(info.State).toMatchObject({ ExitCode: 137, OOMKilled: true });
    expect((await logsOf(Id)).split('\n')[0]).toBe(String(16 * 1024 * 1024));
    const exit = t.events.find((e) => e.type === 'container.exit' && e.id === Id);
    expect(exit).toMatchObject({ reason: 'oom', oomKilled: true });
    const writes = t.events.filter((e) => e.type === 'runtime.cgroup' && e.id === Id).map((e) => e.type === 'runtime.cgroup' && e.file.split('/').pop());
    expect(writes).toEqual(expect.arrayContaining(['memory.limit_in_bytes', 'cgroup.procs']));
  });

  it('stops a fork loop at --pids-limit', async () => {
    const { Id } = await c.create({ Image: 'busybox', Cmd: ['sh', '-c', 'mkfifo /tmp/f; sh -c "for i in \\$(seq 30); do sleep 10 & done"; echo started; read x < /tmp/f'], HostConfig: { PidsLimit: 10 } });
    // The inner shell dies at the first fork the limit refuses; its sleeps stay, and the outer shell
    // then waits on a FIFO, which needs no fork.
    await c.start(Id);
    for (let i = 0; i < 50 && !(await logsOf(Id)).includes('started'); i++) await new Promise((r) => setTimeout(r, 50));
    const usage = await c.usage(Id);
    // The outer shell and the sleeps the limit let through: never more than the limit.
    expect(usage?.pids.current, await logsOf(Id)).toBeGreaterThan(5);
    expect(usage?.pids.current).toBeLessThanOrEqual(10);
    expect((await c.pids(Id)).length).toBe(usage?.pids.current);
    expect(await logsOf(Id)).toMatch(/can't fork|Resource temporarily unavailable/);
    await c.kill(Id);
  });

  it('caps CPU time with --cpus: a second of busy work gets about a fifth of a CPU', async () => {
    const { Id } = await c.create({ Image: 'busybox', Cmd: ['sh', '-c', 'timeout 1 sh -c "while :; do :; done"; cat /sys/fs/cgroup/cpuacct/cpuacct.usage'], HostConfig: { NanoCpus: 0.2e9 } });
    await c.start(Id);
    await c.wait(Id);
    const ns = Number((await logsOf(Id)).trim().split('\n').pop());
    expect(ns).toBeGreaterThan(0.05e9);
    expect(ns).toBeLessThan(0.5e9);
  });

  it('reads live usage while it runs, and refuses limits Docker refuses', async () => {
    const { Id } = await c.create({ Image: 'busybox', Cmd: ['sleep', '30'], HostConfig: { Memory: 32 * 1024 * 1024, PidsLimit: 20 } });
    await c.start(Id);
    const u = await c.usage(Id);
    expect(u?.memory.limit).toBe(32 * 1024 * 1024);
    expect(u?.pids).toMatchObject({ current: 1, limit: 20 });
    await c.remove(Id, { force: true });
    await expect(c.create({ Image: 'busybox', Cmd: ['true'], HostConfig: { NanoCpus: 64e9 } })).rejects.toThrow(/Range of CPUs/);
    const { Id: tiny } = await c.create({ Image: 'busybox', Cmd: ['true'], HostConfig: { Memory: 1024 * 1024 } });
    await expect(c.start(tiny)).rejects.toThrow(/Minimum memory limit/);
  });
});
