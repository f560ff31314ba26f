// Image references as the engine names them, so that `busybox` and
// `docker.io/library/busybox:latest` meet in a check (parseReference adds what is implied).
import { formatReference, parseReference } from '../engine/reference.ts';

export function normalRef(input: string): string {
  try {
    return formatReference(parseReference(input));
  } catch {
    return input;
  }
}
