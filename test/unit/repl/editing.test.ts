// The prompt's keys and line editing as pure functions: what a terminal sends, what it does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyKey, emptyEditor, type EditorState } from '../../../src/repl/editor.ts';
import { History } from '../../../src/repl/history.ts';
import { type KeyAction, parseKeys } from '../../../src/repl/keys.ts';

/** Types `input` (raw terminal bytes) into the editor. */
function type(st: EditorState, input: string, history: string[] = []): EditorState {
  return parseKeys(input).reduce((s, k) => applyKey(s, k, history), st);
}

const at = (s: EditorState) => `${s.text.slice(0, s.cursor)}|${s.text.slice(s.cursor)}`;

describe('keys', () => {
  it('tells Backspace (DEL) from Delete (ESC [3~), and Ctrl keys from text', () => {
    expect(parseKeys('\x7f')).toEqual([{ kind: 'backspace' }]);
    expect(parseKeys('\x1b[3~')).toEqual([{ kind: 'delete' }]);
    expect(parseKeys('\x03')).toEqual([{ kind: 'interrupt' }]);
    expect(parseKeys('\x04')).toEqual([{ kind: 'eof' }]);
    expect(parseKeys('\t')).toEqual([{ kind: 'tab' }]);
    expect(parseKeys('\r')).toEqual([{ kind: 'submit' }]);
  });

  it('reads a run of keys typed at once: text, then each control character', () => {
    expect(parseKeys('ps -a\x7f\x7fb\r')).toEqual<KeyAction[]>([
      { kind: 'insert', text: 'ps -a' }, { kind: 'backspace' }, { kind: 'backspace' }, { kind: 'insert', text: 'b' }, { kind: 'submit' },
    ]);
  });

  it('knows the cursor keys as xterm, tmux and the Linux console send them; unknown ones are dropped', () => {
    for (const [seq, kind] of [['\x1b[A', 'up'], ['\x1bOB', 'down'], ['\x1b[H', 'home'], ['\x1b[1~', 'home'], ['\x1b[F', 'end'], ['\x1b[4~', 'end'],
      ['\x1b[1;5D', 'wordLeft'], ['\x1bf', 'wordRight'], ['\x1b\x7f', 'deleteWordBefore'], ['\x1b[5~', 'pageUp']] as const) {
      expect(parseKeys(seq)).toEqual([{ kind }]);
    }
    expect(parseKeys('\x1b[15~')).toEqual([]); // F5: not text
    expect(parseKeys('日本')).toEqual([{ kind: 'insert', text: '日本' }]);
  });
});

describe('line editing', () => {
  const start = emptyEditor(0);

  it('inserts where the cursor is; left, right, home, end move it', () => {
    let s = type(start, 'run busybox');
    expect(at(s)).toBe('run busybox|');
    s = type(s, '\x1b[H');
    expect(at(s)).toBe('|run busybox');
    s = type(s, '\x1b[C\x1b[C\x1b[C -it');
    expect(at(s)).toBe('run -it| busybox');
    s = type(s, '\x05 sh'); // Ctrl-E
    expect(at(s)).toBe('run -it busybox sh|');
    s = type(s, '\x01\x02'); // Ctrl-A, then Ctrl-B at the start: stays
    expect(at(s)).toBe('|run -it busybox sh');
  });

  it('backspace deletes before the cursor, delete under it, Ctrl-D under it too', () => {
    let s = type(start, 'imagess\x7f');
    expect(at(s)).toBe('images|');
    s = type(s, '\x1b[D\x1b[D\x1b[3~');
    expect(at(s)).toBe('imag|s');
    s = type(s, '\x04');
    expect(at(s)).toBe('imag|');
    expect(type(emptyEditor(0), '\x7f')).toEqual(emptyEditor(0));
  });

  it('moves and deletes by words: Ctrl-W to a space, Alt-Backspace to a word boundary', () => {
    let s = type(start, 'run --rm busybox:latest');
    s = type(s, '\x1b\x7f'); // the word "latest"
    expect(at(s)).toBe('run --rm busybox:|');
    s = type(s, '\x17'); // back to the space
    expect(at(s)).toBe('run --rm |');
    s = type(s, 'busybox echo hi\x1b[1;5D\x1b[1;5D');
    expect(at(s)).toBe('run --rm busybox |echo hi');
    s = type(s, '\x1bd');
    expect(at(s)).toBe('run --rm busybox | hi');
    s = type(s, '\x1b[1;5C');
    expect(at(s)).toBe('run --rm busybox  hi|');
  });

  it('kills to the start (Ctrl-U) and to the end (Ctrl-K)', () => {
    const s = type(start, 'ps -a\x1b[D\x1b[D');
    expect(at(type(s, '\x15'))).toBe('|-a');
    expect(at(type(s, '\x0b'))).toBe('ps |');
  });

  it('walks the history with Up and Down, the line being written kept aside', () => {
    const h = ['pull busybox', 'images'];
    let s = type(emptyEditor(h.length), 'ps', h);
    s = type(s, '\x1b[A', h);
    expect(at(s)).toBe('images|');
    s = type(s, '\x1b[A\x1b[A', h); // past the oldest: stays
    expect(at(s)).toBe('pull busybox|');
    s = type(s, '\x1b[B\x1b[B', h);
    expect(at(s)).toBe('ps|');
    s = type(s, '\x1b[B', h);
    expect(at(s)).toBe('ps|');
  });

  it('a pasted line break is a space, not half a command', () => {
    expect(applyKey(start, { kind: 'insert', text: 'echo\nhi' }, []).text).toBe('echo hi');
  });
});

describe('history file', () => {
  it('is kept across sessions, each line once after itself, readable by its owner only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-history-'));
    try {
      const file = path.join(dir, '.skiff_history');
      const a = new History(file);
      a.add('pull busybox');
      a.add('images');
      a.add('images');
      a.add('   ');
      expect(a.entries).toEqual(['pull busybox', 'images']);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const b = new History(file);
      expect(b.entries).toEqual(['pull busybox', 'images']);
      const small = new History(file, 1);
      expect(small.entries).toEqual(['images']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works without a file it may read or write', () => {
    const h = new History('/proc/no/such/dir/.skiff_history');
    h.add('images');
    expect(h.entries).toEqual(['images']);
  });
});
