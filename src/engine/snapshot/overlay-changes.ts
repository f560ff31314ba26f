// `docker diff` for an overlay snapshot, read from the writable layer alone: overlayfs puts
// everything a container changes into upperdir, so the walk is as small as the changes.
//   a whiteout (char device 0/0)          → D, the container deleted the name
//   an entry the image also has           → C (a copy-up: the container wrote to it)
//   an entry the image does not have      → A
//   a directory the image also has        → walked; C only by changes.ts's rules
// An opaque directory in upperdir (the container removed a directory and made a new one with the
// same name) hides the image's entries under it, and overlayfs records no whiteout for them: they
// are deletions too, found by listing what the image had there.
import { completeChanges, dirDiffers } from './changes.ts';
import { LowerView } from './lower-view.ts';
import { childOf, isWhiteout, type TreeReader, under } from './tree.ts';
import type { Change } from './types.ts';

/** `lowers`: the image's layer directories, top first. */
export function overlayChanges(upper: string, lowers: readonly string[], tree: TreeReader): Change[] {
  const image = new LowerView(lowers, tree);
  const raw: { kind: Change['kind']; rel: string }[] = [];

  const walk = (rel: string, hidesImage: boolean): void => {
    const names = tree.list(under(upper, rel));
    for (const name of names) {
      const p = childOf(rel, name);
      const st = tree.stat(under(upper, p));
      if (!st) continue; // removed while we walked (the container is running)
      const before = image.entry(p);
      if (isWhiteout(st)) {
        if (before) raw.push({ kind: 'D', rel: p });
        continue;
      }
      if (!before) raw.push({ kind: 'A', rel: p });
      else if (st.type !== 'dir' || before.type !== 'dir' || dirDiffers(st, before)) raw.push({ kind: 'C', rel: p });
      if (st.type === 'dir') walk(p, hidesImage || tree.opaque(under(upper, p)));
    }
    if (hidesImage) {
      const kept = new Set(names);
      for (const name of image.children(rel)) if (!kept.has(name)) raw.push({ kind: 'D', rel: childOf(rel, name) });
    }
  };

  walk('', false);
  return completeChanges(raw);
}
