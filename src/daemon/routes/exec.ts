// exec: create (an ID for a process not yet started), start (hijacked like attach: the process's
// streams cross the same connection), resize, inspect (the exit code, once it has ended — the
// docker CLI asks for it right after the stream ends).
import type { ExecConfig } from '../../engine/containers/exec.ts';
import { SkiffError } from '../../engine/errors.ts';
import type { DaemonContext } from '../context.ts';
import type { Call, Route } from '../router.ts';
import { intParam } from '../wire.ts';

interface ExecStartBody {
  Detach?: boolean;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
}

async function start(ctx: DaemonContext, c: Call) {
  const { exec } = await ctx.runtime();
  const id = c.params[0]!;
  const body = (await c.json<ExecStartBody>()) ?? {};
  const info = exec.inspect(id); // 404 before anything is started
  const [rows, cols] = body.ConsoleSize ?? [0, 0];
  const opts = rows && cols ? { size: { rows, cols } } : {};
  if (body.Detach) {
    await exec.start(id, opts);
    return { status: 200 };
  }
  let started;
  try {
    started = await exec.start(id, opts);
  } catch (e) {
    // The process could not be started (not found, not executable): as dockerd does, the error
    // is the stream's text, and the exit code (126/127) is in the exec's inspect.
    if (!(e instanceof SkiffError && (e as SkiffError & { exitCode?: number }).exitCode !== undefined)) throw e;
    const s = c.hijack(!info.ProcessConfig.tty);
    s.send('stdout', Buffer.from(`${e.message}\r\n`));
    return void s.end();
  }
  const { io, exited } = started;
  const s = c.hijack(!io.isTty);
  const stop = io.listen((stream, data) => s.send(stream, data));
  s.onInput((d) => (d === null ? io.endStdin() : io.writeStdin(d)));
  await Promise.race([exited.catch(() => undefined), s.closed]);
  stop();
  s.end();
}

export function execRoutes(ctx: DaemonContext): Route[] {
  const rt = () => ctx.runtime();
  return [
    {
      method: 'POST',
      path: '/containers/{id}/exec',
      async handler(c) {
        const body = await c.json<ExecConfig>();
        if (!body || typeof body !== 'object' || Array.isArray(body)) throw new SkiffError('USAGE', 'exec config cannot be empty');
        const { containers, exec } = await rt();
        return { status: 201, json: await exec.create(containers.resolve(c.params[0]!), body) };
      },
    },
    { method: 'POST', path: '/exec/{id}/start', handler: (c) => start(ctx, c), hijack: true },
    {
      method: 'POST',
      path: '/exec/{id}/resize',
      async handler(c) {
        (await rt()).exec.resize(c.params[0]!, intParam(c.query, 'h', 0)!, intParam(c.query, 'w', 0)!);
        return { status: 200 };
      },
    },
    { method: 'GET', path: '/exec/{id}/json', handler: async (c) => ({ status: 200, json: (await rt()).exec.inspect(c.params[0]!) }) },
  ];
}
