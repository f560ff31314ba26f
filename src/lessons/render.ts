// Lesson text for the terminal: markdown through marked + marked-terminal (headings, emphasis,
// lists, inline code, tables), the commands to try as a block of their own, and plain text — no
// color, no decoration — for NO_COLOR / --plain (a screen reader reads it).
import { Marked } from 'marked';
import { markedTerminal } from 'marked-terminal';

const ANSI = /\x1b\[[0-9;]*m/g;

const instances = new Map<number, Marked>();

function marked(width: number): Marked {
  let m = instances.get(width);
  if (!m) {
    m = new Marked();
    m.use(markedTerminal({ width, reflowText: false, showSectionPrefix: false, tab: 2, emoji: false }));
    instances.set(width, m);
  }
  return m;
}

export function renderMarkdown(text: string, opts: { width: number; plain: boolean }): string {
  if (!text.trim()) return '';
  const out = (marked(Math.max(40, opts.width)).parse(text, { async: false }) as string).replace(/\n{3,}/g, '\n\n').trimEnd();
  return opts.plain ? out.replace(ANSI, '') : out;
}

/** The commands to try: `$ pull busybox`, and lines for a container's shell as `  > exit`. */
export function renderCommands(lines: string[], opts: { plain: boolean; title: string }): string {
  if (lines.length === 0) return '';
  const cyan = (s: string) => (opts.plain ? s : `\x1b[36m${s}\x1b[39m`);
  const body = lines.map((l) => (l.startsWith('>') ? `    ${cyan(l)}` : `  ${cyan(`$ ${l}`)}`));
  return [opts.title, ...body].join('\n');
}

export function bold(s: string, plain: boolean): string {
  return plain ? s : `\x1b[1m${s}\x1b[22m`;
}

export function green(s: string, plain: boolean): string {
  return plain ? s : `\x1b[32m${s}\x1b[39m`;
}

export function yellow(s: string, plain: boolean): string {
  return plain ? s : `\x1b[33m${s}\x1b[39m`;
}

export function dim(s: string, plain: boolean): string {
  return plain ? s : `\x1b[2m${s}\x1b[22m`;
}
