// exec joins a running container (same namespaces, same cgroup); -t gives a real pseudo-terminal
// that follows resizes; attach before start sees every byte; stdin reaches the process.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecService } from '../../../src/engine/containers/exec.ts';
import type { ContainerService } from '../../../src/engine/containers/service.ts';
import { buildInit, canRunContainers, containerEngine, containerSuite, needsRoot, type TestEngine } from '../../helpers/runtime.ts';

async function collect(a: AsyncIterable<{ stream: string; data: Buffer }>): Promise<Record<string, string>> {
  const out: Record<string, string> = { stdout: '', stderr: '' };
  for await (const c of a) out[c.stream] += c.data.toString();
  return out;
}

describe.skipIf(!canRunContainers)(`exec, attach and terminals (${needsRoot})`, () => {
  const s = containerSuite();
  let t: TestEngine;
  let c: ContainerService;
  let x: ExecService;
  beforeAll(() => {
    t = s.t;
    c = s.rt.containers;
    x = s.rt.exec;
  });

  it('exec runs in the same namespaces and cgroup as the main process', async () => {
    const { Id } = await c.create({ Image: 'busybox', Cmd: ['sleep', '30'], HostConfig: { Memory: 64 * 1024 * 1024 } });
    await c.start(Id);
    const pid1 = (await c.inspect(Id)).State.Pid;
    const { Id: execId } = await x.create(Id, { Cmd: ['sh', '-c', 'for n in pid mnt net uts ipc; do readlink /proc/self/ns/$n; done; cat /proc/1/cmdline; echo; echo $$; hostname'] });
    const { io, exited } = await x.start(execId);
    let out = '';
    io.listen((_s, d) => (out += d));
    expect(await exited).toBe(0);
    const lines = out.trim().split('\n');
    for (const [i, n] of ['pid', 'mnt', 'net', 'uts', 'ipc'].entries()) expect(lines[i]).toBe(fs.readlinkSync(`/proc/${pid1}/ns/${n}`));
    expect(lines[5]).toBe('sleep\u000030\u0000');
    expect(Number(lines[6])).toBeGreaterThan(1); // not PID 1: a second process in the same PID namespace
    expect(lines[7]).toBe(Id.slice(0, 12));
    expect(x.inspect(execId)).toMatchObject({ Running: false, ExitCode: 0 });
    const procs = t.events.filter((e) => e.type === 'runtime.process' && e.id === Id);
    expect(procs.some((e) => e.type === 'runtime.process' && e.execId === execId)).toBe(true);
    // The exec'd process was in the container's cgroup while it ran: ask for the cgroup of a long one.
    const { Id: e2 } = await x.create(Id, { Cmd: ['cat', '/proc/self/cgroup'] });
    const r2 = await x.start(e2);
    let cg = '';
    r2.io.listen((_s, d) => (cg += d));
    await r2.exited;
    expect(cg).toContain(Id);
    const { Id: bad } = await x.create(Id, { Cmd: ['nosuch'] });
    await expect(x.start(bad)).rejects.toMatchObject({ exitCode: 127 });
    await c.remove(Id, { force: true });
  });

  it('attach before start sees all output, and stdin reaches the process (-i)', async () => {
    const { Id } = await c.create({ Image: 'busybox', Cmd: ['sh', '-c', 'echo first; read line; echo "got $line"; cat; echo done >&2'], OpenStdin: true, StdinOnce: true });
    const a = await c.attach(Id, { stdin: true, stdout: true, stderr: true });
    a.write('hello\n'); // typed before the container even runs
    const out = collect(a.output());
    await c.start(Id);
    a.write('rest of input\n');
    a.end();
    expect(await out).toEqual({ stdout: 'first\ngot hello\nrest of input\n', stderr: 'done\n' });
    expect((await c.wait(Id)).StatusCode).toBe(0);
  });

  it('-t gives a pseudo-terminal: a tty, its size, a resize, and Ctrl-C as SIGINT', async () => {
    const { Id } = await c.create({ Image: 'busybox', Cmd: ['sh'], Tty: true, OpenStdin: true });
    const a = await c.attach(Id, { stdin: true, stdout: true, stderr: true });
    let screen = '';
    const done = (async () => {
      for await (const ch of a.output()) screen += ch.data.toString();
    })();
    await c.start(Id, { size: { rows: 30, cols: 100 } });
    const until = async (re: RegExp) => {
      for (let i = 0; i < 100 && !re.test(screen); i++) await new Promise((r) => setTimeout(r, 30));
      expect(screen).toMatch(re);
    };
    a.write('tty; stty size\r');
    await until(/\/dev\/console|\/dev\/pts\/\d+[\s\S]*30 100/);
    await c.resize(Id, 40, 120);
    a.write('stty size\r');
    await until(/40 120/);
    a.write('sleep 100\r');
    await new Promise((r) => setTimeout(r, 300));
    a.write('\x03'); // Ctrl-C: the terminal turns it into SIGINT for the foreground job
    a.write('echo back $((6*7))\r');
    await until(/back 42/);
    a.write('exit 5\r');
    expect((await c.wait(Id)).StatusCode).toBe(5);
    await done;
    expect(screen).toContain('\r\n'); // a terminal's line discipline, not a pipe
  });

  it('logs -f follows new lines with timestamps until the container stops', async () => {
    const { Id } = await c.create({ Image: 'busybox', Cmd: ['sh', '-c', 'for i in 1 2 3; do echo line $i; sleep 0.2; done'] });
    await c.start(Id);
    const seen: string[] = [];
    for await (const e of c.logs(Id, { follow: true })) seen.push(`${e.stream}:${e.log.trim()}:${/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(e.time)}`);
    expect(seen).toEqual(['stdout:line 1:true', 'stdout:line 2:true', 'stdout:line 3:true']);
    const tail: string[] = [];
    for await (const e of c.logs(Id, { tail: 1 })) tail.push(e.log);
    expect(tail).toEqual(['line 3\n']);
  });
});

describe.skipIf(!canRunContainers)(`a terminal outlives its engine (${needsRoot})`, () => {
  it('a -t container keeps its shell when the engine goes; the next engine takes its terminal back', async () => {
    const init = await buildInit();
    const t = await containerEngine(init.script);
    try {
      const c = await t.engine.containers();
      const { Id } = await c.create({ Image: 'busybox', Cmd: ['sh', '-c', 'read x; echo "got $x"; exit 6'], Tty: true, OpenStdin: true });
      await c.start(Id);
      await t.engine.close(); // the master this engine held is closed; the holder's copy keeps the terminal
      await new Promise((r) => setTimeout(r, 200));
      const { Engine } = await import('../../../src/engine/engine.ts');
      t.engine = await Engine.open(t.root, { initScript: init.script, cgroupParent: t.cgroupParent });
      const c2 = await t.engine.containers();
      expect((await c2.inspect(Id)).State.Status).toBe('running'); // no hang-up reached the shell
      const a = await c2.attach(Id, { stdin: true, stdout: true, stderr: true });
      let screen = '';
      const done = (async () => {
        for await (const ch of a.output()) screen += ch.data.toString();
      })();
      a.write('hello\r');
      expect((await c2.wait(Id)).StatusCode).toBe(6);
      await done;
      expect(screen).toContain('got hello');
    } finally {
      await t.dispose();
      init.dispose();
    }
  });
});
