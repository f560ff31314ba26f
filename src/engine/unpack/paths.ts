// Where a tar entry may land. A layer is untrusted input: its names are cleaned as if rooted at
// the layer directory (an absolute name is taken relative to it, as Docker does), and a name whose
// `..` climbs above that root is refused — never clamped silently, because a layer that tries it
// is broken or hostile and the learner should hear so.
import { SkiffError } from '../errors.ts';

/** The cleaned relative path of an entry name ('' for the layer root itself). */
export function cleanEntryPath(name: string): string {
  if (name.includes('\0')) throw new SkiffError('UNSAFE_LAYER', `layer entry ${JSON.stringify(name)} has a NUL byte in its name`, 'the layer is corrupt or hostile; it was not unpacked');
  const parts: string[] = [];
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) throw new SkiffError('UNSAFE_LAYER', `layer entry ${JSON.stringify(name)} points outside the layer`, 'the layer is corrupt or hostile; it was not unpacked');
      parts.pop();
      continue;
    }
    parts.push(seg);
  }
  return parts.join('/');
}

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

/** What an entry means for overlayfs: a plain path, a whiteout of a name, or an opaque marker. */
export type EntryKind = { kind: 'path'; rel: string } | { kind: 'whiteout'; rel: string } | { kind: 'opaque'; dir: string } | { kind: 'ignore' };

export function classify(rel: string): EntryKind {
  const slash = rel.lastIndexOf('/');
  const dir = slash === -1 ? '' : rel.slice(0, slash);
  const base = rel.slice(slash + 1);
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir };
  // Other `.wh..wh.` names are aufs bookkeeping (e.g. .wh..wh.plnk): not part of the image.
  if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return { kind: 'ignore' };
  if (base.startsWith(WHITEOUT_PREFIX)) {
    const target = base.slice(WHITEOUT_PREFIX.length);
    if (target === '' || target === '.' || target === '..') throw new SkiffError('UNSAFE_LAYER', `layer entry "${rel}" is a whiteout of an invalid name`, 'the layer is corrupt or hostile; it was not unpacked');
    return { kind: 'whiteout', rel: dir ? `${dir}/${target}` : target };
  }
  return { kind: 'path', rel };
}
