// What commands print, made into lines Ink can keep: color kept, cursor movement gone, bytes
// decoded as they come.
import { describe, expect, it } from 'vitest';
import { cleanLine, LineSink } from '../../../src/repl/output.ts';

function sink() {
  const lines: string[] = [];
  const partials: string[] = [];
  const s = new LineSink({ stream: 'out', columns: () => 80, onLines: (l) => void lines.push(...l), onPartial: (p) => void partials.push(p) });
  return { s, lines, partials };
}

describe('cleanLine', () => {
  it('keeps color, drops what moves the cursor or clears the screen', () => {
    expect(cleanLine('\x1b[31mred\x1b[0m')).toBe('\x1b[31mred\x1b[0m');
    expect(cleanLine('\x1b[2J\x1b[Hps\x1b[1A\x1b[2K')).toBe('ps');
    expect(cleanLine('\x1b]0;title\x07text')).toBe('text');
  });

  it('shows a redrawn line as a terminal would: its last version', () => {
    expect(cleanLine('10%\r50%\r100%')).toBe('100%');
    expect(cleanLine('abc\b\bX')).toBe('aX');
  });

  it('turns tabs into spaces to the next stop, drops other control characters', () => {
    expect(cleanLine('a\tb')).toBe('a       b');
    expect(cleanLine('12345678\tx')).toBe('12345678        x');
    expect(cleanLine('bell\x07!')).toBe('bell!');
  });
});

describe('LineSink', () => {
  it('cuts writes into lines; the unfinished one is shown meanwhile, and flushed at the end', () => {
    const { s, lines, partials } = sink();
    s.write('REPOSITORY   TAG\nbusy');
    expect(lines).toEqual(['REPOSITORY   TAG']);
    expect(partials.at(-1)).toBe('busy');
    s.write('box        latest\r\nno newline');
    expect(lines).toEqual(['REPOSITORY   TAG', 'busybox        latest']);
    s.flush();
    expect(lines.at(-1)).toBe('no newline');
    expect(partials.at(-1)).toBe('');
    expect(s.isTTY).toBe(false);
  });

  it('decodes UTF-8 split across two writes (a container\'s bytes)', () => {
    const { s, lines } = sink();
    const bytes = Buffer.from('héllo ✓\n');
    s.write(new Uint8Array(bytes.subarray(0, 2)));
    s.write(new Uint8Array(bytes.subarray(2)));
    expect(lines).toEqual(['héllo ✓']);
  });

  it('writes straight to the terminal while a container has it', () => {
    const written: string[] = [];
    const direct = { write: (d: string) => (written.push(d), true) } as unknown as NodeJS.WritableStream;
    const lines: string[] = [];
    const s = new LineSink({ stream: 'err', columns: () => 80, onLines: (l) => void lines.push(...l), passthrough: () => direct });
    s.write('Detached\n');
    expect(written).toEqual(['Detached\n']);
    expect(lines).toEqual([]);
  });
});
