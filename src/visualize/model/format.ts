// How the diagrams write numbers, digests and paths: the same words and units the CLI and Docker
// use (short IDs of 12 hex digits, SI sizes for images, binary sizes for memory limits).

/** Docker's short form of a digest or ID: 12 hex digits, without the algorithm. */
export function shortId(digest: string): string {
  const hex = digest.includes(':') ? digest.slice(digest.indexOf(':') + 1) : digest;
  return hex.slice(0, 12);
}

/** Every 64-hex run (IDs, digests, chain IDs) in a text shortened to 12 digits and a mark
 *  (an ellipsis; plain text passes '' so a screen reader does not read "ellipsis" each time). */
export function shortenHex(text: string, mark = '…'): string {
  return text.replace(/[0-9a-f]{64}/g, (h) => `${h.slice(0, 12)}${mark}`);
}

function scaled(bytes: number, base: number, units: string[], digits: (v: number) => number): string {
  let v = bytes;
  let i = 0;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  return `${i === 0 ? v : digits(v)} ${units[i]}`;
}

/** Image and layer sizes as Docker prints them (go-units HumanSize: SI, 3 significant digits). */
export function size(bytes: number): string {
  return scaled(bytes, 1000, ['B', 'kB', 'MB', 'GB', 'TB'], (v) => Number(v.toPrecision(3)));
}

/** Memory as limits are given (-m 32m is 32 MiB): binary units. */
export function binarySize(bytes: number): string {
  return scaled(bytes, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB'], (v) => Number(v.toFixed(v >= 100 ? 0 : 1)));
}

/** A duration measured by the engine. */
export function duration(ms: number): string {
  if (ms < 1) return '<1 ms';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A fraction as a whole percentage. */
export function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** "1 layer", "2 layers". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Greedy word wrap to `width` columns (words longer than a line are cut), so a diagram knows
 *  how many lines a note takes and can draw its lifelines beside every one of them. */
export function wrapWords(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while ([...word].length > w) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push([...word].slice(0, w).join(''));
      word = [...word].slice(w).join('');
    }
    if (!line) line = word;
    else if ([...line].length + 1 + [...word].length <= w) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}
