// Image references as the engine names them, so that `busybox` and
// `docker.io/library/busybox:latest` meet in a check.
import { formatReference, parseReference } from '../engine/reference.ts';

export function normalRef(input: string): string {
  try {
    const r = parseReference(input);
    return formatReference(r.tag === undefined && r.digest === undefined ? { ...r, tag: 'latest' } : r);
  } catch {
    return input;
  }
}
