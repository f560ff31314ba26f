// Docker's ways of printing numbers and times, so our tables read like `docker images`.

import { humanDuration } from '../engine/units.ts';

export { humanDuration, humanSize } from '../engine/units.ts';

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'N/A';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'N/A';
  return `${humanDuration(now - t)} ago`;
}

/** Left-aligned columns separated by three spaces (Docker's tabwriter padding). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** Truncates like Docker's CLI: keeps `max` characters, the last one an ellipsis. */
export function ellipsis(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}
