// The container endpoints, in the order `docker run` uses them — create, attach (hijacked), wait
// (sent before start so the exit cannot be missed), start, resize — and the rest of the lifecycle:
// list, inspect, logs, top, stop, kill, restart, remove, changes, stats, prune.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CreateRequest } from '../../engine/containers/types.ts';
import { SkiffError } from '../../engine/errors.ts';
import type { DaemonContext } from '../context.ts';
import { DetachWatch, detachKeyBytes, frame, MUX_STREAM, RAW_STREAM } from '../hijack.ts';
import { checkCondition } from '../lifecycle.ts';
import type { Call, Route } from '../router.ts';
import { statsSample } from '../stats.ts';
import { filtersParam, flag, intParam } from '../wire.ts';

const KIND = { C: 0, A: 1, D: 2 } as const;

/** Unix seconds (with a fraction) as Docker's since/until send them; 0 or absent means none. */
function seconds(v: string | null): number | undefined {
  if (v === null || v === '' || v === '0') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new SkiffError('USAGE', `invalid time value "${v}"`, 'send unix seconds, e.g. 1700000000.5');
  return n;
}

function size(c: Call): { rows: number; cols: number } {
  const rows = intParam(c.query, 'h', 0)!;
  const cols = intParam(c.query, 'w', 0)!;
  if (rows < 0 || cols < 0 || rows > 65535 || cols > 65535) throw new SkiffError('USAGE', `invalid terminal size ${rows}x${cols}`);
  return { rows, cols };
}

/**
 * `POST /containers/{id}/attach`: the client's end of the container's streams. Works before
 * start (the engine queues the attachment), which is how `docker run` misses no output.
 */
async function attach(ctx: DaemonContext, c: Call): Promise<void> {
  const rt = await ctx.runtime();
  const id = rt.containers.resolve(c.params[0]!);
  const tty = (await rt.containers.inspect(id)).Config.Tty === true;
  const want = { stdin: flag(c.query, 'stdin'), stdout: flag(c.query, 'stdout'), stderr: flag(c.query, 'stderr') };
  const keys = detachKeyBytes(c.query.get('detachKeys') || 'ctrl-p,ctrl-q');
  const attachment = flag(c.query, 'stream') ? await rt.containers.attach(id, want) : undefined;
  const s = c.hijack(!tty);
  if (flag(c.query, 'logs')) {
    for await (const e of rt.containers.logs(id, { stdout: want.stdout, stderr: want.stderr })) s.send(e.stream, Buffer.from(e.log));
  }
  if (!attachment) return s.end();
  const watch = want.stdin ? new DetachWatch(keys) : undefined;
  s.onInput((d) => {
    if (d === null) return attachment.end(); // the client half-closed: stdin reaches end-of-file
    const r = watch ? watch.feed(d) : { pass: d, detach: false };
    if (r.pass.length > 0) attachment.write(r.pass);
    if (r.detach) attachment.close(); // Ctrl-P Ctrl-Q: let go, the container keeps running
  });
  void s.closed.then(() => attachment.close());
  for await (const chunk of attachment.output()) s.send(chunk.stream, chunk.data);
  s.end();
}

/** `POST /containers/{id}/wait`: the status line goes out at once, the body when the condition holds. */
async function wait(ctx: DaemonContext, c: Call): Promise<void> {
  const rt = await ctx.runtime();
  const condition = checkCondition(c.query.get('condition'));
  const id = rt.containers.resolve(c.params[0]!);
  const res = c.stream(200, { 'Content-Type': 'application/json' });
  try {
    const r = await rt.lifecycle.wait(id, condition, c.signal);
    res.end(JSON.stringify(r) + '\n');
  } catch (e) {
    if (c.signal.aborted) return void res.destroy();
    res.end(JSON.stringify({ StatusCode: -1, Error: { Message: (e as Error).message } }) + '\n');
  }
}

/** `GET /containers/{id}/logs`: multiplexed frames like attach, raw with a TTY. */
async function logs(ctx: DaemonContext, c: Call): Promise<void> {
  const rt = await ctx.runtime();
  const id = rt.containers.resolve(c.params[0]!);
  const tty = (await rt.containers.inspect(id)).Config.Tty === true;
  const stdout = flag(c.query, 'stdout');
  const stderr = flag(c.query, 'stderr');
  if (!stdout && !stderr) throw new SkiffError('USAGE', 'Bad parameters: you must choose at least one stream', 'add stdout=1 and/or stderr=1');
  const tailText = c.query.get('tail');
  const tail = !tailText || tailText === 'all' ? undefined : intParam(c.query, 'tail');
  const since = seconds(c.query.get('since'));
  const until = seconds(c.query.get('until'));
  const timestamps = flag(c.query, 'timestamps');
  const entries = rt.containers.logs(id, {
    stdout, stderr, follow: flag(c.query, 'follow'), signal: c.signal,
    ...(tail !== undefined && tail >= 0 ? { tail } : {}), ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}),
  });
  const res = c.stream(200, { 'Content-Type': tty ? RAW_STREAM : MUX_STREAM });
  try {
    for await (const e of entries) {
      const line = Buffer.from(timestamps ? `${e.time} ${e.log}` : e.log);
      res.write(tty ? line : frame(e.stream, line));
    }
  } finally {
    res.end();
  }
}

/** `GET /containers/{id}/stats`: one sample (stream=false), or one a second until the client leaves. */
async function stats(ctx: DaemonContext, c: Call): Promise<void> {
  const rt = await ctx.runtime();
  const id = rt.containers.resolve(c.params[0]!);
  const name = (await rt.containers.inspect(id)).Name.replace(/^\//, '');
  const stream = c.query.get('stream') === null || flag(c.query, 'stream');
  const sample = async (prev?: ReturnType<typeof statsSample>) => statsSample({ id, name }, await rt.containers.usage(id).catch(() => undefined), prev);
  const running = (x: ReturnType<typeof statsSample>) => !x.read.startsWith('0001');
  let s = await sample();
  if (!stream) {
    // Docker waits for a second sample so that CPU % can be worked out; one-shot does not.
    if (!flag(c.query, 'one-shot') && running(s)) {
      await sleep(1000, undefined, { signal: c.signal }).catch(() => {});
      s = await sample(s);
    }
    return void c.stream(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(s) + '\n');
  }
  const res = c.stream(200, { 'Content-Type': 'application/json' });
  try {
    while (!c.signal.aborted) {
      res.write(JSON.stringify(s) + '\n');
      if (!running(s)) break; // not running: one empty sample
      await sleep(1000, undefined, { signal: c.signal }).catch(() => {});
      s = await sample(s);
    }
  } finally {
    res.end();
  }
}

export function containerRoutes(ctx: DaemonContext): Route[] {
  const rt = () => ctx.runtime();
  return [
    {
      method: 'POST',
      path: '/containers/create',
      async handler(c) {
        const body = await c.json<CreateRequest>();
        if (!body || typeof body !== 'object' || Array.isArray(body)) throw new SkiffError('USAGE', 'config cannot be empty in order to create a container');
        const name = c.query.get('name') ?? '';
        return { status: 201, json: await (await rt()).containers.create(body, name ? { name } : {}) };
      },
    },
    {
      method: 'GET',
      path: '/containers/json',
      async handler(c) {
        const limit = intParam(c.query, 'limit', -1)!;
        const list = await (await rt()).containers.list({ all: flag(c.query, 'all') || limit > 0, size: flag(c.query, 'size'), filters: filtersParam(c.query) });
        return { status: 200, json: limit > 0 ? list.slice(0, limit) : list };
      },
    },
    {
      method: 'POST',
      path: '/containers/prune',
      async handler() {
        const { containers } = await rt();
        const deleted: string[] = [];
        let reclaimed = 0;
        for (const s of await containers.list({ all: true, size: true })) {
          if (s.State === 'running' || s.State === 'paused' || s.State === 'restarting') continue;
          await containers.remove(s.Id, {});
          deleted.push(s.Id);
          reclaimed += s.SizeRw ?? 0;
        }
        return { status: 200, json: { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed } };
      },
    },
    { method: 'GET', path: '/containers/{id}/json', handler: async (c) => ({ status: 200, json: await (await rt()).containers.inspect(c.params[0]!) }) },
    { method: 'GET', path: '/containers/{id}/top', handler: async (c) => ({ status: 200, json: await (await rt()).containers.top(c.params[0]!) }) },
    { method: 'GET', path: '/containers/{id}/logs', handler: (c) => logs(ctx, c) },
    {
      method: 'GET',
      path: '/containers/{id}/changes',
      handler: async (c) => ({ status: 200, json: (await (await rt()).containers.changes(c.params[0]!)).map((x) => ({ Path: x.path, Kind: KIND[x.kind] })) }),
    },
    { method: 'GET', path: '/containers/{id}/stats', handler: (c) => stats(ctx, c) },
    {
      method: 'POST',
      path: '/containers/{id}/resize',
      async handler(c) {
        const { rows, cols } = size(c);
        await (await rt()).containers.resize(c.params[0]!, rows, cols);
        return { status: 200 };
      },
    },
    {
      method: 'POST',
      path: '/containers/{id}/start',
      async handler(c) {
        const { containers } = await rt();
        const id = containers.resolve(c.params[0]!);
        // A console size sent with create (API 1.42's HostConfig.ConsoleSize) sizes the terminal from the start.
        const [rows, cols] = (await ctx.engine.containerStore.record(id))?.hostConfig.ConsoleSize ?? [0, 0];
        try {
          return { status: (await containers.start(id, rows && cols ? { size: { rows, cols } } : {})) ? 204 : 304 };
        } catch (e) {
          // A start that failed is an end too: a --rm container goes (the CLI waits for its removal).
          await (await rt()).lifecycle.startFailed(id);
          throw e;
        }
      },
    },
    {
      method: 'POST',
      path: '/containers/{id}/stop',
      handler: async (c) => ({ status: (await (await rt()).containers.stop(c.params[0]!, intParam(c.query, 't'))) ? 204 : 304 }),
    },
    {
      method: 'POST',
      path: '/containers/{id}/restart',
      async handler(c) {
        const { containers } = await rt();
        const id = containers.resolve(c.params[0]!);
        await containers.restart(id, intParam(c.query, 't'));
        ctx.announce(id, 'restart'); // after kill, die, stop, start: Docker's order
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: '/containers/{id}/kill',
      async handler(c) {
        await (await rt()).containers.kill(c.params[0]!, c.query.get('signal') || undefined);
        return { status: 204 };
      },
    },
    { method: 'POST', path: '/containers/{id}/attach', handler: (c) => attach(ctx, c), hijack: true },
    { method: 'POST', path: '/containers/{id}/wait', handler: (c) => wait(ctx, c) },
    {
      method: 'DELETE',
      path: '/containers/{id}',
      async handler(c) {
        await (await rt()).containers.remove(c.params[0]!, { force: flag(c.query, 'force'), volumes: flag(c.query, 'v') });
        return { status: 204 };
      },
    },
  ];
}
