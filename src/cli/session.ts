// The client side of an attached container or exec (docker/cli hijack.go): output to our stdout
// and stderr — or, with a TTY, straight to the user's terminal — input from our stdin with the
// detach keys watched, the pseudo-terminal kept at the size of the user's terminal. Used by
// `run`, `start -a` and `exec`.
import type { AttachedStream } from '../client/api.ts';
import type { Output } from './command.ts';
import { DetachKeys } from './detach-keys.ts';
import { onResize, type Size, takeKeyboard, type Terminal, terminalSize } from './terminal.ts';

export interface SessionOptions {
  stream: AttachedStream;
  /** The process has a pseudo-terminal: its output is raw bytes on one stream. */
  tty: boolean;
  out: Output;
  err: Output;
  /** Send our input to the process (`-i`); it reads end-of-file when ours ends. */
  stdin?: NodeJS.ReadableStream;
  /** The user's terminal, when there is one: raw mode, detach keys, resizes. */
  terminal?: Terminal;
  detachKeys?: Buffer;
  /** Sets the pseudo-terminal's size (containerResize / execResize). */
  resize?: (size: Size) => Promise<void>;
}

export interface Session {
  /** Resolves when the output has ended (the process is gone) or the user detached. */
  done: Promise<{ detached: boolean }>;
  /**
   * Starts sending our input. Call it once the process runs: input that comes earlier waits in
   * our own stdin (the kernel's buffer), and an early end-of-file cannot close the process's
   * stdin before it has opened it.
   */
  beginInput(): void;
  /** Lets go of the terminal and our input (idempotent). */
  stop(): void;
}

export function startSession(o: SessionOptions): Session {
  const raw = o.tty && o.terminal !== undefined && o.stdin === o.terminal.stdin;
  // The session writes straight to the terminal (a TTY) or reads its keys: whoever else draws on
  // it (the REPL) steps aside first, and gets it back when the session stops.
  const giveBack = o.terminal && (o.tty || o.stdin === o.terminal.stdin) ? o.terminal.take?.() : undefined;
  const keyboard = o.stdin && o.terminal && o.stdin === o.terminal.stdin ? takeKeyboard(o.terminal.stdin, { raw }) : undefined;
  const cleanups: (() => void)[] = [];
  let detach: () => void = () => {};
  const detached = new Promise<{ detached: boolean }>((resolve) => (detach = () => resolve({ detached: true })));

  if (o.tty && o.terminal && o.resize) {
    const resize = o.resize;
    const size = terminalSize(o.terminal.stdout);
    if (size) void resize(size).catch(() => {});
    cleanups.push(onResize(o.terminal.stdout, (s) => void resize(s).catch(() => {})));
  }

  let stopped = false;
  let inputStarted = false;
  const beginInput = () => {
    if (inputStarted || !o.stdin || stopped) return;
    inputStarted = true;
    const input = o.stdin;
    const wasFlowing = (input as { readableFlowing?: boolean | null }).readableFlowing === true;
    // Docker watches for the detach keys only with a TTY; without one every byte is data.
    const keys = raw ? new DetachKeys(o.detachKeys) : undefined;
    const onData = (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (!keys) return o.stream.write(b);
      const { forward, detach: now } = keys.feed(b);
      if (forward.length) o.stream.write(forward);
      if (now) detach();
    };
    const onEnd = () => o.stream.end();
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onEnd);
    cleanups.push(() => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onEnd);
      // Stop reading only if we started it: the shell's readline keeps its own stream flowing.
      if (!wasFlowing) input.pause();
    });
  };

  const toTerminal = o.tty && o.terminal ? o.terminal.stdout : undefined;
  const relay = (async () => {
    for await (const chunk of o.stream.output) {
      if (toTerminal) toTerminal.write(chunk.data);
      else (chunk.stream === 'stderr' ? o.err : o.out).write(chunk.data);
    }
    return { detached: false };
  })();

  const stop = () => {
    if (stopped) return;
    stopped = true;
    for (const c of cleanups.splice(0)) c();
    keyboard?.restore();
    giveBack?.();
  };
  const done = Promise.race([relay, detached]).then((r) => {
    if (r.detached) o.stream.close();
    stop();
    return r;
  }, (e: unknown) => {
    stop();
    throw e;
  });
  return { done, beginInput, stop };
}
