// Disk use of a container's writable layer, as Docker counts SizeRw (moby pkg/directory): the
// apparent size of everything that is not a directory, each inode once however many hardlinks
// name it; and the number of inodes, which a file system has a fixed supply of.
import { childOf, type TreeReader, under } from './tree.ts';

export interface Usage {
  size: number;
  inodes: number;
}

/** Every path below `root`, relative, parents before children. */
export function* walkTree(root: string, tree: TreeReader, rel = ''): Generator<string> {
  for (const name of tree.list(under(root, rel))) {
    const p = childOf(rel, name);
    yield p;
    if (tree.stat(under(root, p))?.type === 'dir') yield* walkTree(root, tree, p);
  }
}

/** The usage of the given paths of `root`. */
export function usageOf(root: string, paths: Iterable<string>, tree: TreeReader): Usage {
  const seen = new Set<string>();
  let size = 0;
  for (const p of paths) {
    const st = tree.stat(under(root, p));
    if (!st || seen.has(st.inode)) continue;
    seen.add(st.inode);
    if (st.type !== 'dir') size += st.size;
  }
  return { size, inodes: seen.size };
}
