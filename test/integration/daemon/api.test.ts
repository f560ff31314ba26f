// The Engine API over its unix socket, spoken by hand: every answer is checked on the wire (status,
// headers, Docker's JSON) and against the engine behind it (what really exists now).
import net from 'node:net';
import { Readable } from 'node:stream';
import type { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInit, canRunContainers, cgroupsLeft, mountsUnder, needsRoot, processesUsing } from '../../helpers/runtime.ts';
import { socketAgent, startTestDaemon, type TestDaemon } from '../../helpers/daemon.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  bytes: Buffer;
  json: any;
}

describe.skipIf(!canRunContainers)(`the Engine API over the socket (${needsRoot})`, () => {
  let init: Awaited<ReturnType<typeof buildInit>>;
  let d: TestDaemon;
  let agent: Agent;

  beforeAll(async () => {
    init = await buildInit();
    d = await startTestDaemon(init.script);
    agent = socketAgent(d.socket);
  });
  afterAll(async () => {
    await agent?.destroy();
    await d?.stop();
    init?.dispose();
    if (d) {
      expect(mountsUnder(d.root)).toEqual([]);
      expect(cgroupsLeft(d.cgroupParent)).toEqual([]);
      expect(processesUsing(d.root)).toEqual([]); // no warm init, monitor or container outlives the daemon
    }
  });

  async function call(method: string, path: string, opts: { body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Answer> {
    const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const headers = { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers };
    const res = await agent.request({ origin: 'http://d', path, method: method as 'GET', headers, ...(body !== undefined ? { body } : {}) });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const text = bytes.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, text, bytes, json };
  }

  const rt = () => d.engine.runtime();

  it('answers _ping (GET and HEAD) with the headers the docker CLI reads', async () => {
    for (const method of ['GET', 'HEAD']) {
      const r = await call(method, '/_ping');
      expect(r.status).toBe(200);
      expect(r.text).toBe(method === 'GET' ? 'OK' : '');
      expect(r.headers['api-version']).toBe('1.41');
      expect(r.headers.ostype).toBe('linux');
      expect(r.headers['docker-experimental']).toBe('false');
      expect(r.headers['builder-version']).toBe('1');
      expect(r.headers.server).toMatch(/^Skiff\/\d+\.\d+\.\d+/);
    }
  });

  it('serves paths with and without a version prefix, and refuses versions it does not speak', async () => {
    for (const p of ['/version', '/v1.41/version', '/v1.24/version']) expect((await call('GET', p)).json).toMatchObject({ ApiVersion: '1.41', MinAPIVersion: '1.24', Os: 'linux' });
    const tooNew = await call('GET', '/v1.50/containers/json');
    expect(tooNew.status).toBe(400);
    expect(tooNew.json).toMatchObject({ message: 'client version 1.50 is too new. Maximum supported API version is 1.41' });
    const tooOld = await call('GET', '/v1.12/version');
    expect(tooOld.status).toBe(400);
    expect(tooOld.json.message).toMatch(/^client version 1.12 is too old. Minimum supported API version is 1.24/);
  });

  it('gives real numbers in /info', async () => {
    const { containers } = await rt();
    const { Id } = await containers.create({ Image: 'busybox', Cmd: ['true'] });
    const info = (await call('GET', '/info')).json;
    const all = await containers.list({ all: true });
    expect(info).toMatchObject({
      Containers: all.length, ContainersRunning: 0, ContainersStopped: all.length, Images: (await d.engine.images.list()).length,
      Driver: expect.stringMatching(/^(overlay2|vfs)$/), CgroupDriver: 'cgroupfs', CgroupVersion: expect.stringMatching(/^[12]$/),
      OSType: 'linux', DockerRootDir: d.engine.store.root, NCPU: expect.any(Number), MemTotal: expect.any(Number),
      Swarm: { LocalNodeState: 'inactive' },
    });
    expect(info.NCPU).toBeGreaterThan(0);
    expect(info.KernelVersion).toBe((await import('node:os')).release());
    expect(info.ID).toMatch(/^[0-9a-f-]{36}$/);
    await containers.remove(Id);
  });

  it('answers unknown endpoints, bad JSON, wrong content types and oversized bodies in Docker\'s shape', async () => {
    expect(await call('GET', '/no/such/endpoint')).toMatchObject({ status: 404, json: { message: 'page not found' } });
    expect(await call('PUT', '/containers/json')).toMatchObject({ status: 404, json: { message: 'page not found' } });
    const bad = await call('POST', '/containers/create', { raw: '{"Image": "busybox",', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/malformed JSON/);
    const text = await call('POST', '/containers/create', { raw: 'Image=busybox', headers: { 'content-type': 'text/plain' } });
    expect(text).toMatchObject({ status: 400, json: { message: "unsupported Content-Type header (text/plain): must be 'application/json'" } });
    const empty = await call('POST', '/containers/create', { headers: { 'content-type': 'application/json' } });
    expect(empty.status).toBe(400);
    // Declared too large (refused before reading), and sent chunked without a length.
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    expect((await call('POST', '/containers/create', { raw: big, headers: { 'content-type': 'application/json' } })).status).toBe(413);
    const res = await agent.request({ origin: 'http://d', path: '/volumes/create', method: 'POST', headers: { 'content-type': 'application/json' }, body: Readable.from((async function* () {
      for (let i = 0; i < 40; i++) yield Buffer.alloc(64 * 1024, 0x20);
    })()) });
    expect(res.statusCode).toBe(413);
    expect(await res.body.json()).toMatchObject({ message: expect.stringMatching(/too large/) });
    expect((await call('GET', '/containers/json?filters=notjson')).status).toBe(400);
    expect((await call('GET', '/_ping')).status).toBe(200); // still serving
  });

  it('maps engine errors to Docker\'s status codes and messages', async () => {
    expect(await call('GET', '/containers/nosuch/json')).toMatchObject({ status: 404, json: { message: 'No such container: nosuch', code: 'CONTAINER_NOT_FOUND' } });
    expect(await call('GET', '/images/nosuch:1/json')).toMatchObject({ status: 404, json: { message: 'No such image: nosuch:1' } });
    expect(await call('GET', '/volumes/nosuch')).toMatchObject({ status: 404 });
    expect(await call('GET', '/exec/nosuch/json')).toMatchObject({ status: 404, json: { message: 'No such exec instance: nosuch' } });
    // The docker CLI pulls when create says 404 "No such image".
    expect(await call('POST', '/containers/create', { body: { Image: 'nosuch:1', Cmd: ['true'] } })).toMatchObject({ status: 404, json: { message: 'No such image: nosuch:1' } });
    expect((await call('POST', '/containers/create?name=bad%20name', { body: { Image: 'busybox', Cmd: ['true'] } })).status).toBe(400);
    const a = await call('POST', '/containers/create?name=taken', { body: { Image: 'busybox', Cmd: ['sleep', '30'] } });
    expect(a.status).toBe(201);
    const again = await call('POST', '/containers/create?name=taken', { body: { Image: 'busybox', Cmd: ['true'] } });
    expect(again.status).toBe(409);
    expect(again.json.message).toMatch(/The container name "\/taken" is already in use/);
    expect((await call('POST', `/containers/${a.json.Id}/start`)).status).toBe(204);
    expect((await call('POST', `/containers/${a.json.Id}/start`)).status).toBe(304);
    const rm = await call('DELETE', `/containers/${a.json.Id}`);
    expect(rm.status).toBe(409);
    expect((await (await rt()).containers.inspect(a.json.Id)).State.Running).toBe(true);
    expect((await call('DELETE', `/containers/${a.json.Id}?force=1`)).status).toBe(204);
    expect(() => d.engine.containerStore.resolve(a.json.Id)).toThrow(/No such container/);
    expect((await call('POST', `/containers/${a.json.Id}/kill`)).status).toBe(404);
  });

  it('runs a container the way `docker run` does: create, attach (hijacked), wait before start, start', async () => {
    const { json } = await call('POST', '/v1.41/containers/create?name=api-run', { body: { Image: 'busybox', Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], AttachStdout: true, AttachStderr: true, HostConfig: { NetworkMode: 'none' } } });
    const id: string = json.Id;
    expect((await (await rt()).containers.inspect(id)).State.Status).toBe('created');
    const attach = await rawUpgrade(d.socket, `/v1.41/containers/${id}/attach?stream=1&stdout=1&stderr=1`);
    expect(attach.head).toMatch(/^HTTP\/1.1 101 UPGRADED\r\n/);
    expect(attach.head).toMatch(/Content-Type: application\/vnd.docker.multiplexed-stream/);
    const waitRes = agent.request({ origin: 'http://d', path: `/v1.41/containers/${id}/wait?condition=next-exit`, method: 'POST' });
    const waitHeaders = await waitRes; // the status line comes before the exit
    expect(waitHeaders.statusCode).toBe(200);
    expect((await call('POST', `/v1.41/containers/${id}/start`)).status).toBe(204);
    // stdout and stderr are two pipes: each arrives in order, the two in either order.
    expect(parseFrames(await attach.rest).map((f) => `${f.stream}:${f.text}`).sort()).toEqual(['1:out\n', '2:err\n']);
    expect(await waitHeaders.body.json()).toEqual({ StatusCode: 3, Error: null });
    expect((await (await rt()).containers.inspect(id)).State).toMatchObject({ Status: 'exited', ExitCode: 3 });
    // wait on a container that has exited answers at once
    expect((await call('POST', `/containers/${id}/wait`)).json).toEqual({ StatusCode: 3, Error: null });
    // logs: frames like attach; tail; timestamps
    const logs = await call('GET', `/containers/${id}/logs?stdout=1&stderr=1`);
    expect(parseFrames(logs.bytes).map((f) => `${f.stream}:${f.text}`).sort()).toEqual(['1:out\n', '2:err\n']);
    // As dockerd: the last line of the log (whichever stream), then only the streams asked for.
    const ts = await call('GET', `/containers/${id}/logs?stdout=1&stderr=1&timestamps=1&tail=1`);
    expect(parseFrames(ts.bytes).map((f) => f.text)).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z (out|err)\n$/)]);
    expect((await call('GET', `/containers/${id}/logs`)).status).toBe(400);
    expect((await call('DELETE', `/containers/${id}`)).status).toBe(204);
  });

  it('attach carries stdin; a half-close is end-of-file for the container', async () => {
    const { json } = await call('POST', '/containers/create', { body: { Image: 'busybox', Cmd: ['sh', '-c', 'cat; echo done'], OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true } });
    const attach = await rawUpgrade(d.socket, `/containers/${json.Id}/attach?stream=1&stdin=1&stdout=1`, { keepOpen: true });
    expect((await call('POST', `/containers/${json.Id}/start`)).status).toBe(204);
    attach.socket.write('hello\n');
    attach.socket.end(); // half-close
    expect(parseFrames(await attach.rest).map((f) => f.text).join('')).toBe('hello\ndone\n');
    expect((await call('POST', `/containers/${json.Id}/wait`)).json.StatusCode).toBe(0);
    await call('DELETE', `/containers/${json.Id}`);
  });

  it('with a TTY the stream is raw, resize reaches the terminal, and --rm (AutoRemove) is done by the daemon', async () => {
    const { json } = await call('POST', '/containers/create', { body: { Image: 'busybox', Cmd: ['sh', '-c', 'read x; stty size'], Tty: true, OpenStdin: true, AttachStdin: true, AttachStdout: true, HostConfig: { AutoRemove: true } } });
    const id: string = json.Id;
    const attach = await rawUpgrade(d.socket, `/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1`, { keepOpen: true });
    expect(attach.head).toMatch(/Content-Type: application\/vnd.docker.raw-stream/);
    const waiting = call('POST', `/containers/${id}/wait?condition=removed`);
    expect((await call('POST', `/containers/${id}/start`)).status).toBe(204);
    expect((await call('POST', `/containers/${id}/resize?h=42&w=137`)).status).toBe(200);
    attach.socket.write('go\r');
    const out = (await attach.rest).toString();
    expect(out).toContain('42 137');
    expect(out).not.toMatch(/^\x01\0\0\0/); // no frame headers
    expect((await waiting).json).toEqual({ StatusCode: 0, Error: null });
    expect(() => d.engine.containerStore.resolve(id)).toThrow(/No such container/);
  });

  it('lists, inspects, tops, diffs, stats, stops, kills and restarts like dockerd', async () => {
    const { json } = await call('POST', '/containers/create?name=api-life', { body: { Image: 'busybox', Cmd: ['sh', '-c', 'echo x > /marker; trap "exit 0" TERM; while true; do sleep 0.1; done'], Labels: { lesson: 'one' } } });
    const id: string = json.Id;
    await call('POST', `/containers/${id}/start`);
    const list = (await call('GET', `/containers/json?filters=${encodeURIComponent(JSON.stringify({ label: { 'lesson=one': true } }))}`)).json;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ Id: id, Names: ['/api-life'], Image: 'busybox', State: 'running', Status: expect.stringMatching(/^Up /) });
    expect((await call('GET', '/containers/json?filters={"status":["exited"],"label":["lesson=one"]}')).json).toEqual([]);
    const inspect = (await call('GET', `/containers/api-life/json`)).json;
    expect(inspect).toMatchObject({ Id: id, Name: '/api-life', State: { Status: 'running', Running: true }, Config: { Labels: { lesson: 'one' } } });
    expect(inspect.State.Pid).toBe((await (await rt()).containers.inspect(id)).State.Pid);
    const top = (await call('GET', `/containers/${id}/top`)).json;
    expect(top.Titles).toContain('PID');
    expect(top.Processes.map((p: string[]) => p[top.Titles.indexOf('PID')])).toContain(String(inspect.State.Pid));
    await waitFor(async () => (await call('GET', `/containers/${id}/changes`)).json.some((c: { Path: string }) => c.Path === '/marker'));
    expect((await call('GET', `/containers/${id}/changes`)).json).toContainEqual({ Path: '/marker', Kind: 1 });
    const stats = (await call('GET', `/containers/${id}/stats?stream=0&one-shot=1`)).json;
    expect(stats).toMatchObject({ id, name: '/api-life', pids_stats: { current: expect.any(Number) }, memory_stats: { usage: expect.any(Number) }, cpu_stats: { cpu_usage: { total_usage: expect.any(Number) }, online_cpus: expect.any(Number) } });
    expect(stats.pids_stats.current).toBeGreaterThan(0);
    // Streaming: a sample a second, each carrying the one before as precpu_stats.
    const streamed = await agent.request({ origin: 'http://d', path: `/containers/${id}/stats`, method: 'GET' });
    let text = '';
    for await (const chunk of streamed.body) {
      text += chunk.toString();
      if (text.split('\n').length > 2) break;
    }
    streamed.body.destroy();
    const [first, second] = text.split('\n').map((l) => (l ? JSON.parse(l) : undefined));
    expect(second.precpu_stats.cpu_usage.total_usage).toBe(first.cpu_stats.cpu_usage.total_usage);
    expect(second.preread).toBe(first.read);
    expect((await call('POST', `/containers/${id}/restart?t=5`)).status).toBe(204);
    const after = await (await rt()).containers.inspect(id);
    expect(after.State.Running).toBe(true);
    expect(after.RestartCount).toBe(1);
    expect(after.State.Pid).not.toBe(inspect.State.Pid);
    const restartEvents = (await call('GET', `/events?since=${Math.floor(Date.now() / 1000) - 60}&until=${Math.ceil(Date.now() / 1000)}&filters=${encodeURIComponent(JSON.stringify({ container: [id] }))}`)).text;
    expect(restartEvents.trim().split('\n').map((l) => JSON.parse(l).Action)).toEqual(['create', 'start', 'kill', 'die', 'stop', 'start', 'restart']);
    expect((await call('POST', `/containers/${id}/stop?t=5`)).status).toBe(204);
    expect((await (await rt()).containers.inspect(id)).State).toMatchObject({ Status: 'exited', ExitCode: 0 });
    expect((await call('POST', `/containers/${id}/stop`)).status).toBe(304);
    expect((await call('POST', `/containers/${id}/kill`)).status).toBe(409);
    expect((await call('GET', `/containers/${id}/top`)).status).toBe(409);
    await call('POST', `/containers/${id}/start`);
    expect((await call('POST', `/containers/${id}/kill?signal=KILL`)).status).toBe(204);
    expect((await call('POST', `/containers/${id}/wait`)).json.StatusCode).toBe(137);
    const pruned = (await call('POST', '/containers/prune')).json;
    expect(pruned.ContainersDeleted).toContain(id);
    expect(() => d.engine.containerStore.resolve(id)).toThrow();
  });

  it('execs: create, start hijacked, exit code in inspect; a missing command is 127', async () => {
    const { json } = await call('POST', '/containers/create', { body: { Image: 'busybox', Cmd: ['sleep', '60'] } });
    const id: string = json.Id;
    await call('POST', `/containers/${id}/start`);
    const ex = await call('POST', `/containers/${id}/exec`, { body: { Cmd: ['sh', '-c', 'read l; echo got $l; echo e >&2; exit 4'], AttachStdin: true, AttachStdout: true, AttachStderr: true } });
    expect(ex.status).toBe(201);
    const s = await rawUpgrade(d.socket, `/exec/${ex.json.Id}/start`, { body: { Detach: false, Tty: false }, keepOpen: true });
    expect(s.head).toMatch(/^HTTP\/1.1 101 UPGRADED/);
    s.socket.end('line\n');
    expect(parseFrames(await s.rest).map((f) => `${f.stream}:${f.text}`).sort()).toEqual(['1:got line\n', '2:e\n']);
    expect((await call('GET', `/exec/${ex.json.Id}/json`)).json).toMatchObject({ Running: false, ExitCode: 4, ContainerID: id });
    const again = await rawUpgrade(d.socket, `/exec/${ex.json.Id}/start`, { body: { Detach: false, Tty: false } });
    expect(again.head).toMatch(/^HTTP\/1.1 409 /);
    const missing = await call('POST', `/containers/${id}/exec`, { body: { Cmd: ['nosuchcmd'], AttachStdout: true } });
    const m = await rawUpgrade(d.socket, `/exec/${missing.json.Id}/start`, { body: { Tty: false } });
    expect(parseFrames(await m.rest).map((f) => f.text).join('')).toMatch(/executable file not found/);
    expect((await call('GET', `/exec/${missing.json.Id}/json`)).json.ExitCode).toBe(127);
    await call('POST', `/containers/${id}/kill`);
    await call('POST', `/containers/${id}/wait`);
    expect((await call('POST', `/containers/${id}/exec`, { body: { Cmd: ['true'] } })).status).toBe(409);
    await call('DELETE', `/containers/${id}?force=1`);
  });

  it('images: list, inspect, history, tag, delete, prune — as the store has them', async () => {
    const images = (await call('GET', '/images/json')).json;
    const busybox = images.find((i: { RepoTags: string[] }) => i.RepoTags.includes('busybox:latest'));
    const { image } = await d.engine.images.resolve('busybox');
    expect(busybox).toMatchObject({ Id: image.id, Size: image.size, Containers: -1 });
    const inspect = (await call('GET', '/images/busybox:latest/json')).json;
    expect(inspect).toMatchObject({ Id: image.id, RepoTags: ['busybox:latest'], Os: 'linux', RootFS: { Type: 'layers', Layers: image.config.rootfs.diff_ids } });
    expect((await call('GET', '/images/busybox/history')).json[0]).toMatchObject({ Id: image.id, Tags: ['busybox:latest'] });
    expect((await call('POST', '/images/busybox/tag?repo=learner/box&tag=1')).status).toBe(201);
    expect((await d.engine.images.resolve('learner/box:1')).image.id).toBe(image.id);
    expect((await call('GET', '/images/learner/box:1/json')).json.Id).toBe(image.id); // a name with a slash
    expect((await call('GET', '/images/json?filters={"reference":["learner/*"]}')).json.map((i: { Id: string }) => i.Id)).toEqual([image.id]);
    expect((await call('DELETE', '/images/learner/box:1')).json).toEqual([{ Untagged: 'learner/box:1' }]);
    await expect(d.engine.images.resolve('learner/box:1')).rejects.toThrow(/No such image/);
    const pruned = (await call('POST', '/images/prune')).json;
    expect(pruned).toMatchObject({ SpaceReclaimed: expect.any(Number) });
    expect((await call('GET', '/images/busybox/json')).status).toBe(200); // not dangling: kept
  });

  it('volumes: create, list, inspect, remove, prune', async () => {
    const v = await call('POST', '/volumes/create', { body: { Name: 'api-vol', Labels: { a: 'b' } } });
    expect(v).toMatchObject({ status: 201, json: { Name: 'api-vol', Driver: 'local', Scope: 'local', Labels: { a: 'b' }, Mountpoint: d.engine.volumes.mountpoint('api-vol') } });
    expect((await call('GET', '/volumes')).json.Volumes.map((x: { Name: string }) => x.Name)).toContain('api-vol');
    expect((await call('GET', '/volumes?filters={"label":["a=b"]}')).json.Volumes).toHaveLength(1);
    expect((await call('GET', '/volumes/api-vol')).json.Name).toBe('api-vol');
    const anon = (await call('POST', '/volumes/create', { body: {} })).json.Name;
    expect((await call('POST', '/volumes/prune')).json.VolumesDeleted).toEqual([anon]);
    expect((await call('DELETE', '/volumes/api-vol')).status).toBe(204);
    expect((await d.engine.volumes.list()).map((x) => x.Name)).not.toContain('api-vol');
    expect((await call('DELETE', '/volumes/api-vol')).status).toBe(404);
  });

  it('/events says what happened in Docker\'s shape; /skiff/v1/trace streams every engine event', async () => {
    const since = (Date.now() / 1000).toFixed(3);
    const trace = await agent.request({ origin: 'http://d', path: '/skiff/v1/trace', method: 'GET' });
    expect(trace.headers['content-type']).toBe('application/x-ndjson');
    const traced: string[] = [];
    const reading = (async () => {
      for await (const chunk of trace.body) traced.push(chunk.toString());
    })();
    const { json } = await call('POST', '/containers/create?name=api-events', { body: { Image: 'busybox', Cmd: ['sh', '-c', 'exit 2'] } });
    await call('POST', `/containers/${json.Id}/start`);
    await call('POST', `/containers/${json.Id}/wait`);
    await call('DELETE', `/containers/${json.Id}`);
    await call('POST', '/volumes/create', { body: { Name: 'ev-vol' } });
    await call('DELETE', '/volumes/ev-vol');
    const until = (Date.now() / 1000 + 0.2).toFixed(3);
    const ev = await call('GET', `/events?since=${since}&until=${until}`);
    const events = ev.text.trim().split('\n').map((l) => JSON.parse(l));
    const mine = events.filter((e) => e.Actor.ID === json.Id);
    expect(mine.map((e) => e.Action)).toEqual(['create', 'start', 'die', 'destroy']);
    expect(mine[2]).toMatchObject({ Type: 'container', status: 'die', id: json.Id, from: 'busybox', scope: 'local', Actor: { Attributes: { exitCode: '2', name: 'api-events', image: 'busybox' } } });
    expect(mine[2].timeNano / 1e9).toBeCloseTo(mine[2].time, -1);
    expect(events.filter((e) => e.Type === 'volume' && e.Actor.ID === 'ev-vol').map((e) => e.Action)).toEqual(['create', 'destroy']);
    const filtered = await call('GET', `/events?since=${since}&until=${until}&filters=${encodeURIComponent('{"type":["volume"]}')}`);
    expect(filtered.text.trim().split('\n').map((l) => JSON.parse(l).Type)).toEqual(['volume', 'volume']);
    trace.body.destroy();
    await reading.catch(() => {});
    const kinds = traced.join('').trim().split('\n').map((l) => JSON.parse(l).type);
    expect(kinds).toEqual(expect.arrayContaining(['container.create', 'runtime.rootfs', 'runtime.namespace', 'runtime.mount', 'runtime.process', 'container.exit', 'container.destroy', 'volume.create']));
  });

  it('/system/df counts what is there', async () => {
    const df = (await call('GET', '/system/df')).json;
    expect(df.Images.map((i: { Id: string }) => i.Id)).toEqual((await d.engine.images.list()).map((i) => i.id));
    expect(df.LayersSize).toBe((await d.engine.images.df()).layers.size);
    expect(df.Containers).toHaveLength((await (await rt()).containers.list({ all: true })).length);
    expect(df.BuildCache).toEqual([]);
  });
});

/** An upgrade request on a raw socket: the answer's head, then everything after it until the daemon closes. */
async function rawUpgrade(socketPath: string, path: string, opts: { body?: unknown; keepOpen?: boolean } = {}): Promise<{ head: string; rest: Promise<Buffer>; socket: net.Socket }> {
  const socket = net.connect(socketPath);
  await new Promise((r) => socket.once('connect', r));
  const body = opts.body === undefined ? '' : JSON.stringify(opts.body);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  let buf = Buffer.alloc(0);
  const chunks: Buffer[] = [];
  const ended = new Promise<void>((r) => socket.once('close', () => r()));
  const head = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const i = buf.indexOf('\r\n\r\n');
      if (i < 0) return;
      socket.off('data', onData);
      chunks.push(buf.subarray(i + 4));
      socket.on('data', (x: Buffer) => chunks.push(x));
      resolve(buf.subarray(0, i + 4).toString('latin1'));
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
  if (!opts.keepOpen && !/^HTTP\/1.1 101/.test(head)) socket.end();
  return { head, socket, rest: ended.then(() => Buffer.concat(chunks)) };
}

function parseFrames(b: Buffer): { stream: number; text: string }[] {
  const out: { stream: number; text: string }[] = [];
  let at = 0;
  while (at + 8 <= b.length) {
    const size = b.readUInt32BE(at + 4);
    out.push({ stream: b[at]!, text: b.subarray(at + 8, at + 8 + size).toString() });
    at += 8 + size;
  }
  return out;
}

async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
