// The detach sequence of `run -it` and `exec -it`: Ctrl-P Ctrl-Q by default. In raw mode every key
// is a byte for the container, so the client watches the bytes going in and lets go of the
// container when the whole sequence has been typed (moby/term escapeProxy). Pure, unit-tested.
import { SkiffError } from '../engine/errors.ts';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** Control keys by name: ctrl-a … ctrl-z are 1 … 26, then ctrl-@ 0, ctrl-[ 27 … ctrl-_ 31. */
const CTRL_SYMBOLS: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 };

/** "ctrl-p,ctrl-q" → [0x10, 0x11]; a single character stands for itself (moby/term ToBytes). */
export function parseDetachKeys(spec: string): Buffer {
  const bytes: number[] = [];
  for (const key of spec.split(',')) {
    if (key.length === 1) {
      bytes.push(key.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-(.)$/i.exec(key);
    const c = m?.[1];
    if (c && /[a-z]/i.test(c)) bytes.push(c.toLowerCase().charCodeAt(0) - 96);
    else if (c && c in CTRL_SYMBOLS) bytes.push(CTRL_SYMBOLS[c]!);
    else throw new SkiffError('USAGE', `Unknown character: '${key}'`, 'detach keys are letters or ctrl-<a-z|@|[|\\|]|^|_>, separated by commas, e.g. ctrl-p,ctrl-q');
  }
  return Buffer.from(bytes);
}

export interface Filtered {
  /** Bytes for the container (a partial sequence is held back until it is known not to match). */
  forward: Buffer;
  /** The whole sequence was typed: let go of the container. */
  detach: boolean;
}

/**
 * Watches input for the detach sequence. Bytes that start the sequence are held back; if the next
 * byte does not continue it, they are sent after all (a lone Ctrl-P still reaches the container).
 */
export class DetachKeys {
  private matched = 0;

  constructor(private readonly keys: Buffer = parseDetachKeys(DEFAULT_DETACH_KEYS)) {}

  feed(chunk: Buffer): Filtered {
    if (this.keys.length === 0) return { forward: chunk, detach: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) {
          this.matched = 0;
          return { forward: Buffer.from(out), detach: true };
        }
        continue;
      }
      // Not the next key: what was held back goes through, and this byte may begin a new sequence.
      out.push(...this.keys.subarray(0, this.matched));
      this.matched = 0;
      if (b === this.keys[0]) {
        this.matched = 1; // (a one-key sequence never gets here: the branch above took it)
        continue;
      }
      out.push(b);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}
