// Attach, start, wait — the heart of `run` and `start -a` (docker/cli run.go and start.go): the
// client attaches *before* it starts the container so no output is missed, relays the streams
// until the output ends or the user detaches, and ends with the container's exit code.
import type { EngineApi } from '../client/api.ts';
import { SkiffError } from '../engine/errors.ts';
import type { CommandContext } from './command.ts';
import { reportError } from './containers.ts';
import { startSession } from './session.ts';
import { terminalSize } from './terminal.ts';

/** How long a container may take to act on a forwarded Ctrl-C before the client stops waiting. */
const SIGINT_GRACE_MS = 2000;

export interface AttachedRun {
  id: string;
  tty: boolean;
  want: { stdin: boolean; stdout: boolean; stderr: boolean };
  detachKeys: Buffer;
  /** HostConfig.AutoRemove (`--rm`): removed here once it has exited, anonymous volumes too. */
  autoRemove: boolean;
  /** `--sig-proxy`: our interrupt goes to the container as SIGINT. */
  sigProxy: boolean;
}

/**
 * What a detach means here. With the engine inside this process (no daemon), a container's
 * terminal is a pty master this process holds: it closes when the process exits, and the shell
 * on it gets a hang-up. Docker prints nothing on detach; Skiff says so, once, when it matters.
 */
export function terminalNote(api: EngineApi): string {
  return api.kind === 'skiff-local' ? ' Note: with no daemon, its terminal belongs to this skiff process and closes when the process exits.' : '';
}

/** `--rm`: the engine removes an auto-remove container itself once it exits (as dockerd does);
 *  this makes sure of it, and a container already gone is what we wanted. */
export async function removeAfterExit(ctx: CommandContext, api: EngineApi, id: string): Promise<void> {
  await api.containerRemove(id, { force: true, volumes: true }).catch((e: unknown) => {
    if (!(e instanceof SkiffError && e.code === 'CONTAINER_NOT_FOUND')) reportError(ctx, e);
  });
}

/** Returns the container's exit code (0 after a detach); a failed start is thrown, after cleanup. */
export async function attachStartWait(ctx: CommandContext, api: EngineApi, r: AttachedRun): Promise<number> {
  const { id, tty } = r;
  const stdin = r.want.stdin ? (ctx.terminal?.stdin ?? ctx.stdin) : undefined;
  const stream = await api.containerAttach(id, r.want);
  const session = startSession({
    stream, tty, out: ctx.out, err: ctx.err, detachKeys: r.detachKeys,
    ...(stdin ? { stdin } : {}), ...(ctx.terminal ? { terminal: ctx.terminal } : {}),
    resize: (s) => api.containerResize(id, s.rows, s.cols),
  });
  const size = tty ? terminalSize(ctx.terminal?.stdout) : undefined;
  // Asked before the start, as the docker CLI does, so the exit cannot slip by: the next exit —
  // or, with --rm, the removal the engine does after it (which answers with the exit code).
  const exited = api.containerWait(id, r.autoRemove ? 'removed' : 'next-exit');
  exited.catch(() => {});
  try {
    await api.containerStart(id, size ? { size } : {});
  } catch (e) {
    session.stop();
    stream.close();
    if (r.autoRemove) await removeAfterExit(ctx, api, id);
    throw e;
  }
  session.beginInput();

  // A container's PID 1 ignores signals it installed no handler for; if it does not end after
  // the forwarded SIGINT, stop waiting (else the shell would hang on it) and say how to stop it.
  let giveUp: () => void = () => {};
  const gaveUp = new Promise<'gave-up'>((resolve) => (giveUp = () => resolve('gave-up')));
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    void api.containerKill(id, 'SIGINT').catch(() => {});
    timer = setTimeout(giveUp, SIGINT_GRACE_MS);
  };
  if (r.sigProxy) ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const ended = await Promise.race([session.done, gaveUp]);
    if (ended === 'gave-up') {
      session.stop();
      stream.close();
      ctx.err.write(`skiff: ${id.slice(0, 12)} got SIGINT but is still running (a PID 1 ignores signals it has no handler for); stop it with: skiff stop ${id.slice(0, 12)}\n`);
      return 130;
    }
    if (ended.detached) {
      ctx.err.write(`\nDetached from ${id.slice(0, 12)}.${terminalNote(api)}\n`); // the cursor was on the container's line
      return 0;
    }
    const status = await exited;
    if (r.autoRemove) await removeAfterExit(ctx, api, id);
    return status.StatusCode;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    clearTimeout(timer);
    session.stop();
  }
}
