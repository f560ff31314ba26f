// Byte ranges, both ways:
//  - `Range: bytes=first-last` on a blob GET (RFC 9110 §14.1.2): a client resuming a download. One
//    range only (registries never serve multipart/byteranges); `bytes=N-` and the suffix form
//    `bytes=-N` too. A range past the end is 416 with `Content-Range: bytes */size`.
//  - `Content-Range: first-last` on an upload PATCH (distribution-spec "Pushing a blob in chunks"):
//    where a chunk goes. It must start where the upload stands, or the answer is 416.

export type RangeAnswer = { start: number; end: number } | 'whole' | 'unsatisfiable';

/** What to send for a Range header on a blob of `size` bytes (end inclusive). */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined || header.trim() === '') return 'whole';
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  // A header we do not understand (another unit, several ranges) is ignored: the whole blob goes,
  // which every client handles (RFC 9110 §14.2 lets a server ignore Range).
  if (!m || (m[1] === '' && m[2] === '')) return 'whole';
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || (m[2] !== '' && Number(m[2]) < start)) return 'unsatisfiable';
  return { start, end };
}

/** A PATCH's `Content-Range` (`0-1023`, also `bytes 0-1023/*`); undefined when absent or not a range. */
export function parseContentRange(header: string | undefined): { start: number; end: number } | undefined | 'invalid' {
  if (header === undefined || header.trim() === '') return undefined;
  const m = /^\s*(?:bytes[ =])?\s*(\d+)\s*-\s*(\d+)\s*(?:\/\s*(?:\d+|\*))?\s*$/i.exec(header);
  if (!m) return 'invalid';
  const start = Number(m[1]);
  const end = Number(m[2]);
  return end < start ? 'invalid' : { start, end };
}
