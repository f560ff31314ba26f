// HttpEngineApi — the client the CLI and the REPL use — against Skiff's daemon and, when
// SKIFF_TEST_DOCKER_HOST names one (e.g. unix:///tmp/skiff-peers/dk/docker.sock from
// ../shared/bench/peers-start.sh), against a real dockerd: the same tests, the same expectations.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpEngineApi } from '../../../src/client/http.ts';
import type { AttachedStream, OutputChunk } from '../../../src/client/api.ts';
import { SkiffError } from '../../../src/engine/errors.ts';
import { buildInit, canRunContainers, mountsUnder, needsRoot, processesUsing } from '../../helpers/runtime.ts';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';

const dockerHost = process.env.SKIFF_TEST_DOCKER_HOST;
// dockerd of peers-start.sh has the loopback registry's busybox and no bridge (--bridge=none).
const DOCKER_IMAGE = process.env.SKIFF_TEST_DOCKER_IMAGE ?? '127.0.0.1:5000/busybox:latest';

interface Target {
  name: string;
  image: string;
  connect(): Promise<{ api: HttpEngineApi; daemon?: TestDaemon; dispose(): Promise<void> }>;
}

const targets: Target[] = [];
if (canRunContainers) {
  targets.push({
    name: 'skiffd',
    image: 'busybox',
    async connect() {
      const init = await buildInit();
      const daemon = await startTestDaemon(init.script);
      const api = await HttpEngineApi.connect({ host: daemon.host });
      return { api, daemon, async dispose() {
        await api.close();
        await daemon.stop();
        init.dispose();
        expect(mountsUnder(daemon.root)).toEqual([]);
        expect(processesUsing(daemon.root)).toEqual([]);
      } };
    },
  });
}
if (dockerHost) {
  targets.push({
    name: `dockerd (${dockerHost})`,
    image: DOCKER_IMAGE,
    async connect() {
      const api = await HttpEngineApi.connect({ host: dockerHost });
      return { api, dispose: () => api.close() };
    },
  });
}
if (targets.length === 0) console.log(`client tests skipped: ${needsRoot}, and SKIFF_TEST_DOCKER_HOST is not set`);

async function collect(output: AsyncIterable<OutputChunk>): Promise<{ stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  for await (const c of output) out[c.stream] += c.data.toString();
  return out;
}

async function until<T>(f: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(targets.length === 0).each(targets)('HttpEngineApi against $name', (target) => {
  let api: HttpEngineApi;
  let daemon: TestDaemon | undefined;
  let dispose: () => Promise<void>;
  const made: string[] = [];
  const tag = randomBytes(3).toString('hex');

  beforeAll(async () => {
    ({ api, daemon, dispose } = await target.connect());
    if (!daemon) {
      // dockerd: make sure the image is there (pulled from the loopback registry if not).
      for await (const m of api.imagePull(target.image)) void m;
    }
  });
  afterAll(async () => {
    for (const id of made) await api.containerRemove(id, { force: true, volumes: true }).catch(() => {});
    await dispose?.();
  });

  async function create(body: Record<string, unknown>, name?: string): Promise<string> {
    const { Id } = await api.containerCreate({ Image: target.image, ...body, HostConfig: { NetworkMode: 'none', ...(body.HostConfig as object) } }, name);
    made.push(Id);
    return Id;
  }

  it('agrees on an API version and knows what it talks to', async () => {
    expect(api.apiVersion).toBe('1.41');
    expect(api.kind).toBe(daemon ? 'skiff-daemon' : 'docker');
    expect((await api.version()).ApiVersion).toMatch(/^1\.\d+$/);
    expect(typeof (await api.info()).NCPU).toBe('number');
    if (daemon) expect(api.trace).toBeTypeOf('function');
    else expect(api.trace).toBeUndefined();
  });

  it('runs like `docker run`: attach before start, output on two streams, the exit code', async () => {
    const id = await create({ Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], AttachStdout: true, AttachStderr: true });
    const stream = await api.containerAttach(id, { stdin: false, stdout: true, stderr: true });
    const output = collect(stream.output);
    expect(await api.containerStart(id)).toBe(true);
    expect(await output).toEqual({ stdout: 'out\n', stderr: 'err\n' });
    expect((await api.containerWait(id)).StatusCode).toBe(3);
    expect((await api.containerInspect(id)).State).toMatchObject({ Status: 'exited', ExitCode: 3, Running: false });
    if (daemon) expect((await (await daemon.engine.containers()).inspect(id)).State.ExitCode).toBe(3);
    expect(await api.containerStart(id).then(() => api.containerWait(id))).toMatchObject({ StatusCode: 3 });
  });

  it('carries stdin over the attach; closing it is end-of-file', async () => {
    const id = await create({ Cmd: ['sh', '-c', 'cat; echo bye'], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true });
    const stream: AttachedStream = await api.containerAttach(id, { stdin: true, stdout: true, stderr: true });
    const output = collect(stream.output);
    await api.containerStart(id);
    stream.write('one\n');
    stream.write(Buffer.from('two\n'));
    stream.end();
    expect((await output).stdout).toBe('one\ntwo\nbye\n');
    expect((await api.containerWait(id)).StatusCode).toBe(0);
  });

  it('with a TTY: one raw stream, and resize reaches the terminal', async () => {
    const id = await create({ Cmd: ['sh', '-c', 'read x; stty size'], Tty: true, OpenStdin: true, AttachStdin: true, AttachStdout: true });
    const stream = await api.containerAttach(id, { stdin: true, stdout: true, stderr: true });
    const output = collect(stream.output);
    await api.containerStart(id);
    await api.containerResize(id, 31, 97);
    stream.write('\r');
    const out = await output;
    expect(out.stderr).toBe('');
    expect(out.stdout).toContain('31 97');
    expect((await api.containerWait(id)).StatusCode).toBe(0);
  });

  it('runs detached; lists, inspects, logs (tail, timestamps, follow), tops, diffs and stats it', async () => {
    const name = `cl-${tag}`;
    const id = await create({ Cmd: ['sh', '-c', 'echo warn >&2; sleep 0.3; for i in 1 2 3; do echo line $i; done; touch /made; exec sleep 30'], Labels: { 'skiff.test': tag } }, name);
    await api.containerStart(id);
    const listed = await api.containerList({ filters: { label: [`skiff.test=${tag}`] } });
    expect(listed.map((c) => [c.Id, c.Names[0], c.State])).toEqual([[id, `/${name}`, 'running']]);
    const info = await api.containerInspect(name);
    expect(info).toMatchObject({ Id: id, Name: `/${name}`, State: { Running: true } });
    await until(async () => ((await collect(api.containerLogs(id, {}))).stdout.includes('line 3') ? true : undefined));
    expect(await collect(api.containerLogs(id, { stdout: true, stderr: true }))).toEqual({ stdout: 'line 1\nline 2\nline 3\n', stderr: 'warn\n' });
    // dockerd takes the tail of the log first and then the streams asked for; the sleep above makes
    // the log's last line a stdout one whichever pipe the daemon reads first.
    expect((await collect(api.containerLogs(id, { stdout: true, stderr: false, tail: 1 }))).stdout).toBe('line 3\n');
    expect((await collect(api.containerLogs(id, { stdout: true, stderr: false, timestamps: true, tail: 1 }))).stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line 3\n$/);
    const top = await api.containerTop(id);
    expect(top.Processes.some((p) => p.join(' ').includes('sleep 30'))).toBe(true);
    expect(await api.containerChanges(id)).toContainEqual({ Path: '/made', Kind: 1 });
    const stats = await api.containerStats(id);
    expect(stats.pids_stats.current).toBeGreaterThan(0);
    expect(stats.memory_stats.usage).toBeGreaterThan(0);
    // follow ends when the container does
    const followed = collect(api.containerLogs(id, { stdout: true, follow: true }));
    await api.containerKill(id, 'KILL');
    expect((await followed).stdout).toBe('line 1\nline 2\nline 3\n');
    expect((await api.containerWait(id)).StatusCode).toBe(137);
  });

  it('execs: output, stdin, the exit code in inspect', async () => {
    const id = await create({ Cmd: ['sleep', '30'] });
    await api.containerStart(id);
    const ex = await api.execCreate(id, { Cmd: ['sh', '-c', 'read l; echo got $l; echo e >&2; exit 4'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
    const stream = (await api.execStart(ex.Id, { tty: false }))!;
    const output = collect(stream.output);
    stream.write('x\n');
    stream.end();
    expect(await output).toEqual({ stdout: 'got x\n', stderr: 'e\n' });
    expect(await until(async () => {
      const i = await api.execInspect(ex.Id);
      return i.Running ? undefined : i;
    })).toMatchObject({ ExitCode: 4, Running: false });
    // The size arrives right after the start (API 1.41 has no size in exec start): ask once it is there.
    const tty = await api.execCreate(id, { Cmd: ['sh', '-c', 'read x; stty size'], Tty: true, AttachStdin: true, AttachStdout: true });
    const t = (await api.execStart(tty.Id, { tty: true, size: { rows: 21, cols: 77 } }))!;
    const ttyOut = collect(t.output);
    t.write('\r');
    expect((await ttyOut).stdout).toContain('21 77');
    expect(await api.execStart((await api.execCreate(id, { Cmd: ['true'] })).Id, { tty: false, detach: true })).toBeUndefined();
    await api.containerRemove(id, { force: true });
  });

  it('stops, restarts and removes; errors come back as SkiffErrors with the daemon\'s words', async () => {
    // A PID 1 without a handler ignores SIGTERM: the test stops it only once its trap is set.
    const id = await create({ Cmd: ['sh', '-c', 'trap "exit 0" TERM; echo ready; while true; do sleep 0.1; done'] });
    const ready = (n: number) => until(async () => ((await collect(api.containerLogs(id, {}))).stdout.split('ready').length > n ? true : undefined));
    await api.containerStart(id);
    expect(await api.containerStart(id)).toBe(false); // 304: already running
    await expect(api.containerRemove(id)).rejects.toMatchObject({ code: 'CONFLICT' });
    await ready(1);
    await api.containerRestart(id, 5);
    expect((await api.containerInspect(id)).State.Running).toBe(true);
    await ready(2);
    await api.containerStop(id, 5);
    expect((await api.containerInspect(id)).State).toMatchObject({ Running: false, ExitCode: 0 });
    await expect(api.containerKill(id)).rejects.toMatchObject({ code: 'NOT_RUNNING', message: expect.stringMatching(/is not running/) });
    await api.containerRemove(id);
    const gone = await api.containerInspect(id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(SkiffError);
    expect(gone).toMatchObject({ code: 'CONTAINER_NOT_FOUND', message: expect.stringMatching(/No such container/) });
    if (daemon) expect(() => daemon!.engine.containerStore.resolve(id)).toThrow();
    await expect(api.containerCreate({ Image: `nosuch-${tag}:1`, Cmd: ['true'] })).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    await expect(api.execInspect('nosuch')).rejects.toMatchObject({ code: 'EXEC_NOT_FOUND' });
  });

  it('volumes: create, list, remove', async () => {
    const name = `clvol-${tag}`;
    expect((await api.volumeCreate(name)).Name).toBe(name);
    expect((await api.volumeList()).map((v) => v.Name)).toContain(name);
    if (daemon) expect((await daemon.engine.volumes.list()).map((v) => v.Name)).toContain(name);
    await api.volumeRemove(name);
    expect((await api.volumeList()).map((v) => v.Name)).not.toContain(name);
    await expect(api.volumeRemove(name)).rejects.toMatchObject({ code: 'VOLUME_NOT_FOUND' });
  });

  it.runIf(canRunContainers)('streams Skiff\'s trace (only a Skiff daemon has one)', async () => {
    if (!api.trace) return expect(api.kind).toBe('docker');
    const ac = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of api.trace!(ac.signal)) {
        seen.push(e.type);
        if (e.type === 'container.exit') ac.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    const id = await create({ Cmd: ['true'] });
    await api.containerStart(id);
    await reading;
    expect(seen).toEqual(expect.arrayContaining(['container.create', 'runtime.namespace', 'runtime.process', 'container.exit']));
  });
});
