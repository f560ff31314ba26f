// The image as a container first sees it: its layers merged the way overlayfs merges lowerdirs
// (Documentation/filesystems/overlayfs.rst, "Multiple lower layers" and "whiteouts and opaque
// directories"). A name is taken from the topmost layer that has it; a whiteout there hides it in
// every layer below; a directory is merged with the directories of the same name below until one
// of them is opaque, or a layer has a non-directory there (a file over a directory replaces it).
// The root of the stack always merges every layer: overlayfs never consults a lower root's
// opaque flag.
import { childOf, type EntryInfo, isWhiteout, parentOf, type TreeReader, under } from './tree.ts';

export class LowerView {
  /** For each directory of the view (relative path), the layers that contribute to it, top first. */
  private readonly dirLayers = new Map<string, string[] | undefined>();

  /** `layers`: absolute directories, top first. */
  constructor(
    layers: readonly string[],
    private readonly tree: TreeReader,
  ) {
    this.dirLayers.set('', [...layers]);
  }

  /** The layers merged at directory `rel`, top first; undefined when `rel` is not a directory here. */
  layersOf(rel: string): string[] | undefined {
    if (this.dirLayers.has(rel)) return this.dirLayers.get(rel);
    const above = this.layersOf(parentOf(rel));
    let found: string[] | undefined;
    for (const layer of above ?? []) {
      const p = under(layer, rel);
      const st = this.tree.stat(p);
      if (!st) continue;
      if (isWhiteout(st) || st.type !== 'dir') break; // hidden below, or not a directory from here down
      (found ??= []).push(layer);
      if (this.tree.opaque(p)) break;
    }
    this.dirLayers.set(rel, found);
    return found;
  }

  /** What is at `rel` in the merged image, or undefined when nothing is (absent or whited out). */
  entry(rel: string): EntryInfo | undefined {
    for (const layer of this.layersOf(parentOf(rel)) ?? []) {
      const st = this.tree.stat(under(layer, rel));
      if (!st) continue;
      return isWhiteout(st) ? undefined : st;
    }
    return undefined;
  }

  /** The names the merged directory `rel` shows. */
  children(rel: string): string[] {
    const decided = new Map<string, boolean>(); // name → visible (the topmost layer decides)
    for (const layer of this.layersOf(rel) ?? []) {
      const dir = under(layer, rel);
      for (const name of this.tree.list(dir)) {
        if (decided.has(name)) continue;
        const st = this.tree.stat(under(layer, childOf(rel, name)));
        decided.set(name, st !== undefined && !isWhiteout(st));
      }
    }
    return [...decided].filter(([, visible]) => visible).map(([name]) => name);
  }
}
