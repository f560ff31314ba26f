// Real containers from the offline busybox image: namespaces, the overlay root, output, exit codes.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerService } from '../../../src/engine/containers/service.ts';
import { canRunContainers, containerSuite, needsRoot, type TestEngine } from '../../helpers/runtime.ts';

async function output(c: ContainerService, id: string): Promise<{ stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  for await (const e of c.logs(id, {})) out[e.stream] += e.log;
  return out;
}

describe.skipIf(!canRunContainers)(`containers (${needsRoot})`, () => {
  const s = containerSuite();
  let t: TestEngine;
  let c: ContainerService;
  beforeAll(() => {
    t = s.t;
    c = s.rt.containers;
  });

  async function run(cmd: string[], extra: Record<string, unknown> = {}) {
    const { Id } = await c.create({ Image: 'busybox', Cmd: cmd, ...extra });
    await c.start(Id);
    const exit = await c.wait(Id);
    return { id: Id, exit, ...(await output(c, Id)) };
  }

  it('runs the command as PID 1 with its own hostname, and keeps stdout and stderr apart', async () => {
    const r = await run(['sh', '-c', 'echo pid=$$; hostname; echo oops >&2; exit 3']);
    expect(r.exit.StatusCode).toBe(3);
    expect(r.stdout).toBe(`pid=1\n${r.id.slice(0, 12)}\n`);
    expect(r.stderr).toBe('oops\n');
    const info = await c.inspect(r.id);
    expect(info.State.Status).toBe('exited');
    expect(info.State.ExitCode).toBe(3);
  });

  it('isolates: host processes and mounts are invisible, namespaces differ from the host', async () => {
    const r = await run(['sh', '-c', 'ls /proc | grep -c "^[0-9]"; cat /proc/self/mountinfo | wc -l; readlink /proc/self/ns/pid /proc/self/ns/mnt /proc/self/ns/net /proc/self/ns/uts /proc/self/ns/ipc']);
    const [procs, mounts, ...ns] = r.stdout.trim().split('\n');
    expect(Number(procs)).toBeLessThan(5); // sh, ls, grep (and maybe wc): no host process
    expect(Number(mounts)).toBeLessThan(40);
    for (const link of ns) {
      const [type] = link!.split(':');
      expect(link).not.toBe(fs.readlinkSync(`/proc/self/ns/${type}`));
    }
    const nsEvents = t.events.filter((e) => e.type === 'runtime.namespace' && e.id === r.id);
    expect(nsEvents.map((e) => e.type === 'runtime.namespace' && `${e.ns}:${e.mode}`).sort()).toEqual(expect.arrayContaining(['ipc:new', 'mnt:new', 'net:new', 'pid:new', 'uts:new']));
  });

  it('writes land in the container\'s own layer: the image and other containers do not see them', async () => {
    const a = await run(['sh', '-c', 'echo a > /etc/marker; cat /etc/marker']);
    const b = await run(['sh', '-c', 'cat /etc/marker 2>&1 || echo none']);
    expect(a.stdout).toBe('a\n');
    expect(b.stdout).toContain('none');
    expect(await c.changes(a.id)).toEqual(expect.arrayContaining([{ kind: 'A', path: '/etc/marker' }]));
  });

  it('gives Docker\'s exit codes: 127 not found, 126 not executable, 128+N for a signal', async () => {
    const { Id } = await c.create({ Image: 'busybox', Cmd: ['nosuchcommand'] });
    await expect(c.start(Id)).rejects.toMatchObject({ exitCode: 127, message: expect.stringContaining('executable file not found') });
    expect((await c.inspect(Id)).State).toMatchObject({ Status: 'created', ExitCode: 127 });
    const { Id: id2 } = await c.create({ Image: 'busybox', Cmd: ['/etc/passwd'] });
    await expect(c.start(id2)).rejects.toMatchObject({ exitCode: 126 });
    // PID 1 of a namespace cannot be killed from inside it (the kernel drops the signal), so the
    // signal comes from outside, as `docker kill` sends it.
    const { Id: id3 } = await c.create({ Image: 'busybox', Cmd: ['sleep', '30'] });
    await c.start(id3);
    await c.kill(id3, 'KILL');
    expect((await c.wait(id3)).StatusCode).toBe(137);
    const info = await c.inspect(id3);
    expect(info.State).toMatchObject({ Status: 'exited', ExitCode: 137, OOMKilled: false });
  });

  it('stop: SIGTERM, then SIGKILL when PID 1 ignores it (a shell without a trap does)', async () => {
    const { Id } = await c.create({ Image: 'busybox', Cmd: ['sh', '-c', 'trap "echo bye; exit 0" TERM; while true; do sleep 0.1; done'] });
    await c.start(Id);
    await new Promise((r) => setTimeout(r, 300));
    expect(await c.stop(Id, 5)).toBe(true);
    expect((await c.inspect(Id)).State.ExitCode).toBe(0);
    expect((await output(c, Id)).stdout).toBe('bye\n');
    const { Id: deaf } = await c.create({ Image: 'busybox', Cmd: ['sleep', '30'] });
    await c.start(deaf);
    const t0 = Date.now();
    await c.stop(deaf, 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect((await c.inspect(deaf)).State.ExitCode).toBe(137);
  });

  it('cuts capabilities to Docker\'s 14 and sets no_new_privs', async () => {
    const r = await run(['sh', '-c', 'grep -E "CapBnd|CapEff|NoNewPrivs" /proc/self/status']);
    expect(r.stdout).toContain('CapBnd:\t00000000a80425fb');
    expect(r.stdout).toContain('CapEff:\t00000000a80425fb');
    expect(r.stdout).toContain('NoNewPrivs:\t1');
  });
});
