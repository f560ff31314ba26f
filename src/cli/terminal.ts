// The user's terminal during `run -it` / `exec -it`. In raw mode the line discipline of *our*
// terminal does nothing — no echo, no line editing, Ctrl-C is the byte 0x03 — so every key goes to
// the container's pseudo-terminal, whose own line discipline (pty(7)) echoes, edits lines and turns
// Ctrl-C into SIGINT for the program inside. Whatever happens, the terminal is given back as it was.

export interface Terminal {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  /**
   * Set when a program draws on this terminal and reads its keys (the REPL): asks it to stop
   * both, so that a session can hand the terminal to a container; returns how to give it back.
   */
  take?(): () => void;
}

export interface Size {
  rows: number;
  cols: number;
}

/** The terminal's size now (TIOCGWINSZ, as Node reads it), or undefined when it is not known. */
export function terminalSize(out: NodeJS.WriteStream | undefined): Size | undefined {
  const rows = out?.rows;
  const cols = out?.columns;
  return rows && cols ? { rows, cols } : undefined;
}

/**
 * Calls `fn` with the new size whenever the terminal is resized: the kernel sends SIGWINCH, and
 * Node turns it into a 'resize' event on the stdout stream. Returns the way to stop.
 */
export function onResize(out: NodeJS.WriteStream, fn: (size: Size) => void): () => void {
  const listener = () => {
    const size = terminalSize(out);
    if (size) fn(size);
  };
  out.on('resize', listener);
  return () => out.off('resize', listener);
}

/**
 * Takes the keyboard: raw mode on, and anyone else listening for keys (the shell's readline) set
 * aside until `restore()`, so typed keys reach the container only. Restoring is idempotent and
 * also happens if the process exits first.
 */
export function takeKeyboard(stdin: NodeJS.ReadStream, opts: { raw: boolean }): { restore(): void } {
  const wasRaw = stdin.isRaw === true;
  const keypress = stdin.listeners('keypress') as ((...a: unknown[]) => void)[];
  for (const l of keypress) stdin.off('keypress', l);
  if (opts.raw && stdin.isTTY) stdin.setRawMode(true);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.off('exit', restore);
    if (stdin.isTTY && stdin.isRaw !== wasRaw) {
      try {
        stdin.setRawMode(wasRaw);
      } catch {
        // the terminal is gone (hung up): nothing left to restore
      }
    }
    for (const l of keypress) stdin.on('keypress', l);
  };
  process.on('exit', restore);
  return { restore };
}
