// What the keys a terminal sends mean to the prompt. Ink hands us its input split into escape
// sequences and runs of text; a run can still hold control characters (a paste, or keys typed
// faster than we read), so it is read a character at a time here, escape sequences whole. Ink's own key parser is
// not used for editing: it reports Backspace (DEL, 0x7f) and Delete (ESC [3~) as the same key.
// The bindings are readline's emacs mode (readline(3)), which bash and most shells share.

export type KeyAction =
  | { kind: 'insert'; text: string }
  | {
      kind:
        | 'submit' | 'backspace' | 'delete' | 'eof'
        | 'left' | 'right' | 'home' | 'end' | 'wordLeft' | 'wordRight'
        | 'deleteWordBefore' | 'deleteWordAfter' | 'rubout' | 'killToStart' | 'killToEnd'
        | 'up' | 'down' | 'tab' | 'interrupt' | 'clearScreen' | 'pageUp' | 'pageDown' | 'escape';
    };

type Kind = Exclude<KeyAction, { kind: 'insert' }>['kind'];

/** Escape sequences, with and without modifiers, as xterm, tmux, the Linux console and rxvt send them. */
const SEQUENCES: Record<string, Kind> = {
  '\x1b[A': 'up', '\x1bOA': 'up',
  '\x1b[B': 'down', '\x1bOB': 'down',
  '\x1b[C': 'right', '\x1bOC': 'right',
  '\x1b[D': 'left', '\x1bOD': 'left',
  '\x1b[H': 'home', '\x1bOH': 'home', '\x1b[1~': 'home', '\x1b[7~': 'home',
  '\x1b[F': 'end', '\x1bOF': 'end', '\x1b[4~': 'end', '\x1b[8~': 'end',
  '\x1b[3~': 'delete',
  '\x1b[5~': 'pageUp', '\x1b[6~': 'pageDown',
  '\x1b[1;5C': 'wordRight', '\x1b[1;3C': 'wordRight', '\x1bf': 'wordRight', '\x1b\x1b[C': 'wordRight',
  '\x1b[1;5D': 'wordLeft', '\x1b[1;3D': 'wordLeft', '\x1bb': 'wordLeft', '\x1b\x1b[D': 'wordLeft',
  '\x1b\x7f': 'deleteWordBefore', '\x1b\b': 'deleteWordBefore',
  '\x1bd': 'deleteWordAfter', '\x1b[3;5~': 'deleteWordAfter',
  '\x1b': 'escape', '\x1b\x1b': 'escape',
};

/** Control characters (Ctrl + a letter) and what they do. */
const CONTROLS: Record<string, Kind> = {
  '\r': 'submit', '\n': 'submit',
  '\x7f': 'backspace', '\b': 'backspace',
  '\x01': 'home', '\x05': 'end', // Ctrl-A, Ctrl-E
  '\x02': 'left', '\x06': 'right', // Ctrl-B, Ctrl-F
  '\x04': 'eof', // Ctrl-D: leaves on an empty line, else deletes the character under the cursor
  '\x17': 'rubout', // Ctrl-W: the word before the cursor, up to a space (unix-word-rubout)
  '\x15': 'killToStart', '\x0b': 'killToEnd', // Ctrl-U, Ctrl-K
  '\x10': 'up', '\x0e': 'down', // Ctrl-P, Ctrl-N
  '\t': 'tab',
  '\x03': 'interrupt', // Ctrl-C: in raw mode it is a byte, not SIGINT
  '\x0c': 'clearScreen', // Ctrl-L
};

/** The escape sequence at the start of `s`: CSI (ESC [ ... final), SS3 (ESC O x), or ESC and one character. */
// eslint-disable-next-line no-control-regex
const ESCAPE = /^\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|\x1b\[[0-?]*[ -/]*[@-~]|[^])?/;

export function parseKeys(input: string): KeyAction[] {
  const out: KeyAction[] = [];
  let text = '';
  const flush = () => {
    if (text) out.push({ kind: 'insert', text });
    text = '';
  };
  for (let i = 0; i < input.length;) {
    if (input[i] === '\x1b') {
      flush();
      const seq = ESCAPE.exec(input.slice(i))![0];
      const kind = SEQUENCES[seq];
      // An unknown sequence (F-keys, mouse reports) must not land in the line as text.
      if (kind) out.push({ kind });
      i += seq.length;
      continue;
    }
    const ch = String.fromCodePoint(input.codePointAt(i)!);
    i += ch.length;
    const kind = CONTROLS[ch];
    if (kind === undefined && ch >= ' ') {
      text += ch;
      continue;
    }
    flush();
    if (kind) out.push({ kind });
  }
  flush();
  return out;
}
