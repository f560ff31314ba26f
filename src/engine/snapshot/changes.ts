// The rules `docker diff` follows, shared by both snapshotters so that the same edits give the
// same answer whichever driver made the container (moby pkg/archive/changes.go):
// - a deleted path is listed once, at the top: `rm -rf /var/cache` is `D /var/cache` alone;
// - everything inside an added directory is added too;
// - a directory that was in the image is changed when its mode or owner changed, or when anything
//   inside it changed (Docker lists the parents so that an export restores their permissions);
//   its size and mtime are not compared, because adding and removing a file changes them;
// - the root itself is never listed;
// - the list is sorted by path, byte by byte, as Go compares strings.
import type { Change } from './types.ts';
import type { EntryInfo } from './tree.ts';

/** What is compared of an entry that both trees have. */
export type EntryMeta = Omit<EntryInfo, 'inode' | 'nlink'> & { link?: string };

/** Whether a directory's own metadata differs (Docker's statDifferent for directories). */
export function dirDiffers(a: EntryMeta, b: EntryMeta): boolean {
  return a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid;
}

/** Whether an entry that is in both trees changed (Docker's statDifferent). */
export function entryDiffers(a: EntryMeta, b: EntryMeta): boolean {
  if (a.type !== b.type) return true;
  if (a.type === 'dir') return dirDiffers(a, b);
  return dirDiffers(a, b) || a.rdev !== b.rdev || a.size !== b.size || a.mtimeNs !== b.mtimeNs || a.link !== b.link;
}

/** Absolute container path of a relative one. */
export function containerPath(rel: string): string {
  return `/${rel}`;
}

/**
 * Adds the parent directories of every change (as C, unless listed already) and sorts.
 * `raw` holds relative paths; the result has absolute ones.
 */
export function completeChanges(raw: { kind: Change['kind']; rel: string }[]): Change[] {
  const kinds = new Map<string, Change['kind']>();
  for (const c of raw) kinds.set(c.rel, c.kind);
  for (const c of raw) {
    for (let i = c.rel.lastIndexOf('/'); i > 0; i = c.rel.lastIndexOf('/', i - 1)) {
      const parent = c.rel.slice(0, i);
      if (kinds.has(parent)) break; // listed already, and so are its own parents
      kinds.set(parent, 'C');
    }
  }
  return [...kinds]
    .map(([rel, kind]) => ({ kind, path: containerPath(rel), key: Buffer.from(rel) }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ kind, path }) => ({ kind, path }));
}
