// What a vfs snapshot's tree held when it was made. A vfs tree is a plain copy with no layer on
// top to say what the container wrote, so `docker diff` compares the tree now with this record
// (Docker's vfs driver re-reads the image's layers instead; a record is one file and one walk).
import { SkiffError } from '../errors.ts';
import { completeChanges, type EntryMeta, entryDiffers } from './changes.ts';
import { childOf, parentOf, type TreeReader, under } from './tree.ts';
import type { Change } from './types.ts';

export type ManifestEntry = EntryMeta;

/** Relative path → entry, for everything below the root (the root itself is never a change). */
export type Manifest = Map<string, ManifestEntry>;

export function scanTree(root: string, tree: TreeReader): Manifest {
  const out: Manifest = new Map();
  const walk = (rel: string) => {
    for (const name of tree.list(under(root, rel)).sort()) {
      const p = childOf(rel, name);
      const st = tree.stat(under(root, p));
      if (!st) continue;
      const { inode: _i, nlink: _n, ...e } = st;
      out.set(p, st.type === 'symlink' ? { ...e, link: tree.readlink(under(root, p)) } : e);
      if (st.type === 'dir') walk(p);
    }
  };
  walk('');
  return out;
}

export function diffManifests(before: Manifest, now: Manifest): Change[] {
  const raw: { kind: Change['kind']; rel: string }[] = [];
  for (const [p, e] of now) {
    const was = before.get(p);
    if (!was) raw.push({ kind: 'A', rel: p });
    else if (entryDiffers(was, e)) raw.push({ kind: 'C', rel: p });
  }
  for (const p of before.keys()) {
    if (now.has(p)) continue;
    // Only the topmost deleted path: when the parent is gone (or is no longer a directory), that
    // parent is the change.
    const parent = parentOf(p);
    if (parent === '' || now.get(parent)?.type === 'dir') raw.push({ kind: 'D', rel: p });
  }
  return completeChanges(raw);
}

// On disk: one JSON document, an array row per entry (a tree has thousands), mtimes as decimal
// strings because nanoseconds since 1970 do not fit a JSON number exactly.
type Row = [path: string, type: ManifestEntry['type'], mode: number, uid: number, gid: number, size: number, mtimeNs: string, rdev: number, link?: string];

export function encodeManifest(m: Manifest): string {
  const rows: Row[] = [];
  for (const [p, e] of m) {
    const row: Row = [p, e.type, e.mode, e.uid, e.gid, e.size, e.mtimeNs.toString(), e.rdev];
    if (e.link !== undefined) row.push(e.link);
    rows.push(row);
  }
  return `{"version":1,"entries":[\n${rows.map((r) => JSON.stringify(r)).join(',\n')}\n]}\n`;
}

export function decodeManifest(text: string): Manifest {
  const doc = JSON.parse(text) as { version: number; entries: Row[] };
  if (doc.version !== 1) throw new SkiffError('STORE', `a vfs snapshot manifest has version ${doc.version}, which this Skiff does not read`, 'remove the container and create it again');
  const out: Manifest = new Map();
  for (const [p, type, mode, uid, gid, size, mtimeNs, rdev, link] of doc.entries) {
    out.set(p, { type, mode, uid, gid, size, mtimeNs: BigInt(mtimeNs), rdev, ...(link !== undefined ? { link } : {}) });
  }
  return out;
}
