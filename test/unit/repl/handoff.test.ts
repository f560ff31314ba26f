// The terminal changing hands: an attach session that writes straight to the terminal (a TTY) or
// reads its keys takes it from the REPL (Terminal.take) before its first byte and gives it back
// when it stops — after raw mode is off again. One that does neither leaves the REPL drawing.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AttachedStream, OutputChunk } from '../../../src/client/api.ts';
import type { Output } from '../../../src/cli/command.ts';
import { startSession } from '../../../src/cli/session.ts';
import type { Terminal } from '../../../src/cli/terminal.ts';

function stream(chunks: OutputChunk[]): AttachedStream {
  return {
    output: (async function* () {
      yield* chunks;
    })(),
    write: () => {},
    end: () => {},
    close: () => {},
  };
}

const out: Output = { write: () => {}, isTTY: false, columns: 80 };

/** A terminal the REPL draws on: it records when it was taken and given back, and in which mode. */
function replTerminal() {
  const log: string[] = [];
  const stdin = Object.assign(new PassThrough(), { isTTY: true, isRaw: false, setRawMode(v: boolean) { stdin.isRaw = v; log.push(`raw ${v}`); return stdin; } });
  const stdout = Object.assign(new EventEmitter(), { rows: 24, columns: 80, write: (d: string | Uint8Array) => (log.push(`write ${Buffer.from(d).toString()}`), true) });
  const terminal = {
    stdin, stdout,
    take: () => {
      log.push('taken');
      return () => void log.push(`given back (raw ${stdin.isRaw})`);
    },
  } as unknown as Terminal;
  return { terminal, stdin, log };
}

describe('handing the terminal to a container', () => {
  it('run -it: taken before raw mode and output, given back after raw mode is off', async () => {
    const t = replTerminal();
    const session = startSession({ stream: stream([{ stream: 'stdout', data: Buffer.from('/ # ') }]), tty: true, out, err: out, stdin: t.stdin as unknown as NodeJS.ReadStream, terminal: t.terminal });
    session.beginInput();
    await session.done;
    expect(t.log).toEqual(['taken', 'raw true', 'write / # ', 'raw false', 'given back (raw false)']);
  });

  it('run -t without -i: the output is the terminal\'s, so it is taken too', async () => {
    const t = replTerminal();
    const session = startSession({ stream: stream([{ stream: 'stdout', data: Buffer.from('hi\r\n') }]), tty: true, out, err: out, terminal: t.terminal });
    await session.done;
    expect(t.log).toEqual(['taken', 'write hi\r\n', 'given back (raw false)']);
  });

  it('run without -t or -i: output goes through the REPL, which keeps the terminal', async () => {
    const t = replTerminal();
    const lines: string[] = [];
    const sink: Output = { write: (d) => void lines.push(Buffer.from(d).toString()), isTTY: false, columns: 80 };
    const session = startSession({ stream: stream([{ stream: 'stdout', data: Buffer.from('hi\n') }]), tty: false, out: sink, err: sink, terminal: t.terminal });
    await session.done;
    expect(t.log).toEqual([]);
    expect(lines).toEqual(['hi\n']);
  });

  it('gives it back once, even when stopped twice', async () => {
    const t = replTerminal();
    const session = startSession({ stream: stream([]), tty: true, out, err: out, terminal: t.terminal });
    await session.done;
    session.stop();
    expect(t.log.filter((l) => l.startsWith('given back'))).toHaveLength(1);
  });
});
