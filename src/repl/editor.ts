// The prompt's line editor as pure functions: a line, a cursor in it, and the history walked with
// up/down (the line being written is kept aside while walking, as readline does).
import type { KeyAction } from './keys.ts';

export interface EditorState {
  text: string;
  /** Where the cursor is, in UTF-16 code units from the start of `text`. */
  cursor: number;
  /** The history entry shown: `history.length` means the line being written (`draft`). */
  hist: number;
  draft: string;
}

export const emptyEditor = (historyLength: number): EditorState => ({ text: '', cursor: 0, hist: historyLength, draft: '' });

const isWord = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);
const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);

/** One code point back or forward (a surrogate pair is one character to the user). */
function prevIndex(s: string, i: number): number {
  if (i <= 0) return 0;
  const c = s.charCodeAt(i - 1);
  return i >= 2 && c >= 0xdc00 && c <= 0xdfff ? i - 2 : i - 1;
}

function nextIndex(s: string, i: number): number {
  if (i >= s.length) return s.length;
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? i + 2 : i + 1;
}

/** readline's backward-word: skip what is not a word, then the word. */
export function wordStart(s: string, i: number): number {
  while (i > 0 && !isWord(s[i - 1])) i--;
  while (i > 0 && isWord(s[i - 1])) i--;
  return i;
}

/** readline's forward-word: skip what is not a word, then the word. */
export function wordEnd(s: string, i: number): number {
  while (i < s.length && !isWord(s[i])) i++;
  while (i < s.length && isWord(s[i])) i++;
  return i;
}

function edit(st: EditorState, from: number, to: number, insert = ''): EditorState {
  return { ...st, text: st.text.slice(0, from) + insert + st.text.slice(to), cursor: from + insert.length };
}

function show(st: EditorState, history: readonly string[], hist: number): EditorState {
  const draft = st.hist === history.length ? st.text : st.draft;
  const text = hist === history.length ? draft : (history[hist] ?? '');
  return { text, cursor: text.length, hist, draft };
}

/** Applies one editing key. Keys that are not about the line (submit, tab, interrupt...) leave it. */
export function applyKey(st: EditorState, key: KeyAction, history: readonly string[]): EditorState {
  const { text, cursor } = st;
  switch (key.kind) {
    case 'insert':
      // A pasted line break would submit half a line; it is a space inside a command line.
      return edit(st, cursor, cursor, key.text.replace(/[\r\n\t]+/g, ' '));
    case 'backspace':
      return cursor === 0 ? st : edit(st, prevIndex(text, cursor), cursor);
    case 'delete':
    case 'eof':
      return cursor >= text.length ? st : edit(st, cursor, nextIndex(text, cursor));
    case 'left':
      return { ...st, cursor: prevIndex(text, cursor) };
    case 'right':
      return { ...st, cursor: nextIndex(text, cursor) };
    case 'home':
      return { ...st, cursor: 0 };
    case 'end':
      return { ...st, cursor: text.length };
    case 'wordLeft':
      return { ...st, cursor: wordStart(text, cursor) };
    case 'wordRight':
      return { ...st, cursor: wordEnd(text, cursor) };
    case 'deleteWordBefore':
      return edit(st, wordStart(text, cursor), cursor);
    case 'deleteWordAfter':
      return edit(st, cursor, wordEnd(text, cursor));
    case 'rubout': {
      let i = cursor;
      while (i > 0 && isSpace(text[i - 1])) i--;
      while (i > 0 && !isSpace(text[i - 1])) i--;
      return edit(st, i, cursor);
    }
    case 'killToStart':
      return edit(st, 0, cursor);
    case 'killToEnd':
      return edit(st, cursor, text.length);
    case 'up':
      return st.hist > 0 ? show(st, history, Math.min(st.hist, history.length) - 1) : st;
    case 'down':
      return st.hist < history.length ? show(st, history, st.hist + 1) : st;
    default:
      return st;
  }
}

/** Puts a completion in place of text[from, to). */
export function replaceRange(st: EditorState, from: number, to: number, text: string): EditorState {
  return edit(st, from, to, text);
}
