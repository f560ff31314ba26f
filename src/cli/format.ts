// Docker's ways of printing numbers and times, so our tables read like `docker images`.

import { humanDuration } from '../engine/units.ts';

export { humanDuration, humanSize } from '../engine/units.ts';

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'N/A';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'N/A';
  return `${humanDuration(now - t)} ago`;
}

/**
 * Left-aligned columns, the way Docker's CLI prints them through Go's text/tabwriter with
 * minwidth 10 and padding 3 (`docker top` uses minwidth 20): a column is as wide as its widest
 * cell plus 3, and never narrower than the minimum. Widths count characters (runes), as tabwriter
 * does. The last column is not padded.
 */
export function table(header: string[], rows: string[][], opts: { minWidth?: number } = {}): string {
  const min = opts.minWidth ?? 10;
  const len = (c: string) => [...c].length;
  const widths = header.map((h, i) => Math.max(min, len(h) + 3, ...rows.map((r) => len(r[i] ?? '') + 3)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - len(c)))).join('').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** Truncates like Docker's CLI: keeps `max` characters, the last one an ellipsis. */
export function ellipsis(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}
