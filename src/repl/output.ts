// What commands print, made into lines the REPL can keep in the terminal's scrollback. A command
// writes to an `Output`; here that output is cut into lines, and whatever would move the cursor
// or rewrite the screen under Ink is taken out: only color (SGR) survives. A carriage return
// starts its line again (as a terminal would show it: the last version of a redrawn line), a
// backspace takes a character back, a tab becomes spaces to the next tab stop. Bytes from a
// container are decoded as UTF-8 as they come, a character split across two writes included.
import { StringDecoder } from 'node:string_decoder';
import type { Output } from '../cli/command.ts';

export type Stream = 'out' | 'err';

/** ESC sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), and two-byte ones. */
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x1b./g;

/** Makes one line of text safe to draw: color kept, cursor movement and control characters gone. */
export function cleanLine(line: string): string {
  let s = line.replace(ESCAPES, (m) => (/^\x1b\[[0-9;]*m$/.test(m) ? m : ''));
  const cr = s.lastIndexOf('\r');
  if (cr >= 0) s = s.slice(cr + 1);
  if (s.includes('\b')) {
    let out = '';
    for (const ch of s) out = ch === '\b' ? out.slice(0, -1) : out + ch;
    s = out;
  }
  if (s.includes('\t')) {
    let out = '';
    for (const ch of s) out += ch === '\t' ? ' '.repeat(8 - (visibleLength(out) % 8)) : ch;
    s = out;
  }
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]/g, '');
}

function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

export interface LineSinkOptions {
  stream: Stream;
  /** Complete lines, a batch at a time. */
  onLines(lines: string[], stream: Stream): void;
  /** The line not yet ended changed (shown live until its newline comes). */
  onPartial?(text: string, stream: Stream): void;
  columns(): number;
  /** When set, writes go straight there instead (the terminal was handed to a container). */
  passthrough?(): NodeJS.WritableStream | undefined;
}

/** An `Output` that makes lines of what is written to it. */
export class LineSink implements Output {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  /** Never a terminal: commands print line by line (no redrawing), which Ink can keep. */
  readonly isTTY = false;

  constructor(private readonly o: LineSinkOptions) {}

  get columns(): number {
    return this.o.columns();
  }

  write(data: string | Uint8Array): void {
    const direct = this.o.passthrough?.();
    if (direct) {
      direct.write(data);
      return;
    }
    const text = typeof data === 'string' ? data : this.decoder.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.pending += text;
    const nl = this.pending.lastIndexOf('\n');
    if (nl >= 0) {
      const lines = this.pending.slice(0, nl).split('\n').map((l) => cleanLine(l.endsWith('\r') ? l.slice(0, -1) : l));
      this.pending = this.pending.slice(nl + 1);
      this.o.onLines(lines, this.o.stream);
    }
    this.o.onPartial?.(cleanLine(this.pending), this.o.stream);
  }

  /** The command ended: a last line without its newline is a line all the same. */
  flush(): void {
    this.pending += this.decoder.end();
    if (this.pending !== '') {
      const line = cleanLine(this.pending);
      this.pending = '';
      this.o.onLines([line], this.o.stream);
      this.o.onPartial?.('', this.o.stream);
    }
  }
}
