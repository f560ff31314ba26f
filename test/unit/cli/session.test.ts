// The client side of an attached container, with fake streams and a fake terminal.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AttachedStream, OutputChunk } from '../../../src/client/api.ts';
import type { Output } from '../../../src/cli/command.ts';
import { startSession } from '../../../src/cli/session.ts';
import type { Terminal } from '../../../src/cli/terminal.ts';

/** An attached stream whose output the test pushes and whose input it records. */
function fakeStream() {
  const queue: OutputChunk[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const input: Buffer[] = [];
  const s = {
    input, halfClosed: false, closed: false,
    push(stream: 'stdout' | 'stderr', text: string) {
      queue.push({ stream, data: Buffer.from(text) });
      wake?.();
    },
    finish() {
      ended = true;
      wake?.();
    },
  };
  const stream: AttachedStream = {
    output: (async function* () {
      for (;;) {
        while (queue.length) yield queue.shift()!;
        if (ended) return;
        await new Promise<void>((r) => (wake = r));
      }
    })(),
    write: (d) => void input.push(Buffer.from(d)),
    end: () => void (s.halfClosed = true),
    close: () => {
      s.closed = true;
      s.finish();
    },
  };
  return { s, stream };
}

function capture(): Output & { text: string } {
  const o = { text: '', isTTY: false, columns: 80, write: (d: string | Uint8Array) => void (o.text += Buffer.from(d).toString()) };
  return o;
}

/** A terminal: stdin with raw mode and the shell's keypress listener, stdout with a size. */
function fakeTerminal() {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode(v: boolean) { stdin.isRaw = v; return stdin; } });
  const written: string[] = [];
  const stdout = Object.assign(new EventEmitter(), { rows: 24, columns: 80, write: (d: Uint8Array | string) => (written.push(Buffer.from(d).toString()), true) });
  const shellKeys: string[] = [];
  stdin.on('keypress', (k: string) => shellKeys.push(k));
  return { terminal: { stdin, stdout } as unknown as Terminal, stdin, stdout, written, shellKeys };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('attached session', () => {
  it('without a TTY: stdout and stderr kept apart, input sent once begun, EOF half-closes', async () => {
    const { s, stream } = fakeStream();
    const out = capture();
    const err = capture();
    const stdin = new PassThrough();
    const session = startSession({ stream, tty: false, out, err, stdin });
    stdin.write('early');
    await tick();
    expect(s.input).toEqual([]); // not before the process runs: it waits in our stdin
    session.beginInput();
    await tick();
    stdin.end('!');
    s.push('stdout', 'out\n');
    s.push('stderr', 'err\n');
    await tick();
    s.finish();
    expect(await session.done).toEqual({ detached: false });
    expect(Buffer.concat(s.input).toString()).toBe('early!');
    expect(s.halfClosed).toBe(true);
    expect([out.text, err.text]).toEqual(['out\n', 'err\n']);
  });

  it('with a TTY: raw mode, output to the terminal, resizes, Ctrl-P Ctrl-Q detaches and gives the terminal back', async () => {
    const { s, stream } = fakeStream();
    const t = fakeTerminal();
    const sizes: string[] = [];
    const session = startSession({
      stream, tty: true, out: capture(), err: capture(), stdin: t.stdin as unknown as NodeJS.ReadStream, terminal: t.terminal,
      resize: async (z) => void sizes.push(`${z.rows}x${z.cols}`),
    });
    expect(t.stdin.isRaw).toBe(true);
    session.beginInput();
    t.stdin.emit('keypress', 'x'); // the shell's readline hears nothing while the container has the keys
    t.stdin.write(Buffer.from('ls\r\x03'));
    s.push('stdout', '\x1b[1mbold\x1b[0m');
    t.stdout.rows = 40;
    t.stdout.emit('resize');
    await tick();
    t.stdin.write(Buffer.from([0x10]));
    t.stdin.write(Buffer.from([0x11]));
    expect(await session.done).toEqual({ detached: true });
    expect(Buffer.concat(s.input).toString()).toBe('ls\r\x03');
    expect(t.written.join('')).toBe('\x1b[1mbold\x1b[0m');
    expect(sizes).toEqual(['24x80', '40x80']);
    expect(s.closed).toBe(true);
    expect(t.stdin.isRaw).toBe(false);
    t.stdin.emit('keypress', 'y');
    expect(t.shellKeys).toEqual(['y']);
    expect(t.stdout.listenerCount('resize')).toBe(0);
  });

  it('gives the terminal back when the process ends', async () => {
    const { s, stream } = fakeStream();
    const t = fakeTerminal();
    const session = startSession({ stream, tty: true, out: capture(), err: capture(), stdin: t.stdin as unknown as NodeJS.ReadStream, terminal: t.terminal });
    session.beginInput();
    s.finish();
    expect(await session.done).toEqual({ detached: false });
    expect(t.stdin.isRaw).toBe(false);
    expect(t.stdin.listenerCount('data')).toBe(0);
  });
});
