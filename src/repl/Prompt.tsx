// The prompt: a line editor (editor.ts) with readline's keys (keys.ts), the history, and Tab
// completion; candidates are listed under the line when Tab cannot choose. Keys come raw from
// Ink's stdin (useRawInput), so Backspace and Delete, Ctrl-C and Ctrl-D mean what they do in a
// shell. It stays live while a command runs: keys typed meanwhile wait in the line.
import { Box, Text, useStdin } from 'ink';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { commonPrefix, type Completion } from './complete.ts';
import { applyKey, emptyEditor, type EditorState, replaceRange } from './editor.ts';
import { type KeyAction, parseKeys } from './keys.ts';

export const PROMPT = 'skiff> ';
/** Candidates listed under the line at most (then "and N more"). */
const MENU_LINES = 3;

export interface PromptProps {
  /** The history, oldest first; read when Up is pressed (the shell adds to it). */
  history: readonly string[];
  busy: boolean;
  plain: boolean;
  width: number;
  /** Runs the line; false when it cannot run now (the line stays). */
  onSubmit(line: string): boolean;
  /** Ctrl-C: true when it interrupted a running command. */
  onInterrupt(): boolean;
  onExit(): void;
  onComplete(text: string, cursor: number): Promise<Completion>;
  onClearScreen?(): void;
  /** PgUp (-1) / PgDn (1): the diagram scrolls. */
  onScroll?(direction: -1 | 1): void;
  /** A hint under the prompt (undefined: none). */
  onNotice?(text: string | undefined): void;
  /** How many lines the prompt takes now (the line wraps, candidates are listed). */
  onHeight?(lines: number): void;
  /** Any key (the store holds back the engine's news while keys come: store.ts). */
  onKeyPressed?(): void;
  /**
   * Writes to the terminal itself, for the echo of a key before Ink draws the frame: the prompt
   * is the last line Ink draws, so it is one line up from where Ink leaves the cursor. Absent
   * (tests, no terminal): only Ink draws.
   */
  echo?(text: string): void;
}

const SAVE = '\x1b7';
const RESTORE = '\x1b8';

/** The prompt line as Ink draws it (chalk's codes), for the fast echo. */
export function promptLine(text: string, cursor: number, busy: boolean, plain: boolean): string {
  const at = atCursor(text, cursor);
  const prompt = plain ? PROMPT : busy ? `\x1b[90m\x1b[1m${PROMPT}\x1b[22m\x1b[39m` : `\x1b[32m\x1b[1m${PROMPT}\x1b[22m\x1b[39m`;
  return `${prompt}${text.slice(0, cursor)}\x1b[7m${at}\x1b[27m${text.slice(cursor + at.length)}`;
}

/** The character under the cursor (a space at the end of the line). */
function atCursor(text: string, cursor: number): string {
  const cp = text.codePointAt(cursor);
  return cp === undefined ? ' ' : String.fromCodePoint(cp);
}

/** Keys from the terminal as Ink read them, unparsed (see keys.ts for why). */
export function useRawInput(handler: (input: string) => void, active = true): void {
  const { internal_eventEmitter: events, setRawMode, isRawModeSupported } = useStdin();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (!active) return;
    if (isRawModeSupported) setRawMode(true);
    const on = (input: string) => ref.current(input);
    events.on('input', on);
    return () => {
      events.off('input', on);
      if (isRawModeSupported) setRawMode(false);
    };
  }, [active, events, setRawMode, isRawModeSupported]);
}

function menuLines(candidates: readonly string[], width: number): string[] {
  const col = Math.min(width, Math.max(...candidates.map((c) => c.length)) + 2);
  const perLine = Math.max(1, Math.floor(width / col));
  const lines: string[] = [];
  for (let i = 0; i < candidates.length; i += perLine) lines.push(candidates.slice(i, i + perLine).map((c) => c.padEnd(col)).join('').trimEnd());
  if (lines.length <= MENU_LINES) return lines;
  const shown = (MENU_LINES - 1) * perLine;
  return [...lines.slice(0, MENU_LINES - 1), `… and ${candidates.length - shown} more (type more letters)`];
}

export function Prompt(p: PromptProps) {
  const [st, setSt] = useState<EditorState>(() => emptyEditor(p.history.length));
  const [menu, setMenu] = useState<string[] | undefined>();
  const stRef = useRef(st);
  stRef.current = st;
  const props = useRef(p);
  props.current = p;

  const menuOpen = useRef(false);
  menuOpen.current = menu !== undefined;
  const update = (next: EditorState) => {
    const p = props.current;
    // The echo first, written straight to the terminal; Ink's frame follows with the same line.
    if (p.echo && !menuOpen.current && PROMPT.length + Math.max(next.text.length, stRef.current.text.length) + 1 < p.width) {
      p.echo(`${SAVE}\x1b[1A\r\x1b[2K${promptLine(next.text, next.cursor, p.busy, p.plain)}${RESTORE}`);
    }
    stRef.current = next;
    setSt(next);
  };

  const completeNow = async () => {
    const { text, cursor } = stRef.current;
    const c = await props.current.onComplete(text, cursor);
    const now = stRef.current;
    if (now.text !== text || now.cursor !== cursor) return; // typed on meanwhile
    const word = text.slice(c.from, c.to);
    if (c.candidates.length === 0) return;
    if (c.candidates.length === 1) {
      const only = c.candidates[0]!;
      const after = text.slice(c.to);
      return update(replaceRange(now, c.from, c.to, only + (/^\s/.test(after) || only.endsWith('=') ? '' : ' ')));
    }
    const prefix = commonPrefix(c.candidates);
    if (prefix.length > word.length) return update(replaceRange(now, c.from, c.to, prefix));
    setMenu(c.candidates.slice().sort());
  };

  const onKey = (key: KeyAction) => {
    const p = props.current;
    p.onKeyPressed?.();
    if (key.kind !== 'tab') setMenu(undefined);
    if (key.kind !== 'interrupt') p.onNotice?.(undefined);
    const cur = stRef.current;
    switch (key.kind) {
      case 'submit': {
        if (!p.onSubmit(cur.text)) return;
        // After the shell added it: Up brings back the line just run.
        return update(emptyEditor(p.history.length));
      }
      case 'interrupt':
        if (p.onInterrupt()) return;
        // As a shell does: Ctrl-C at the prompt gives up the line, and never leaves.
        update({ ...emptyEditor(p.history.length) });
        p.onNotice?.('To leave Skiff, type exit or press Ctrl-D. (Ctrl-C interrupts a running command.)');
        return;
      case 'eof':
        if (cur.text === '') {
          if (!p.busy) p.onExit();
          return;
        }
        return update(applyKey(cur, key, p.history));
      case 'tab':
        void completeNow();
        return;
      case 'clearScreen':
        p.onClearScreen?.();
        return;
      case 'pageUp':
      case 'pageDown':
        p.onScroll?.(key.kind === 'pageUp' ? -1 : 1);
        return;
      case 'escape':
        return;
      default:
        return update(applyKey(cur, key, p.history));
    }
  };

  useRawInput((input) => {
    for (const key of parseKeys(input)) onKey(key);
  });

  const { text, cursor } = st;
  const lines = menu ? menuLines(menu, p.width) : [];
  const height = Math.ceil((PROMPT.length + text.length + 1) / Math.max(1, p.width)) + lines.length;
  useLayoutEffect(() => {
    p.onHeight?.(height);
  }, [height]); // eslint-disable-line react-hooks/exhaustive-deps

  const at = atCursor(text, cursor);
  return (
    <Box flexDirection="column">
      <Text>
        {p.plain ? PROMPT : <Text color={p.busy ? 'gray' : 'green'} bold>{PROMPT}</Text>}
        {text.slice(0, cursor)}
        <Text inverse>{at}</Text>
        {text.slice(cursor + at.length)}
      </Text>
      {lines.map((l, i) => <Text key={i} dimColor={!p.plain}>{l}</Text>)}
    </Box>
  );
}
