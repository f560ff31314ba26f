// Reading a directory tree the way snapshots need it: lstat (never following a symlink), the names
// in a directory, and overlayfs's two markers. The logic that compares trees (lower-view.ts,
// overlay-changes.ts, manifest.ts) reads only through this small interface, so it is unit-tested
// on in-memory trees — real whiteouts need mknod, and opaque markers need trusted.* xattrs, which
// only root may make.
import fs from 'node:fs';
import path from 'node:path';
import { lgetxattr } from '../../kernel/fs.ts';

export type EntryType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface EntryInfo {
  type: EntryType;
  /** Permission bits with setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeNs: bigint;
  /** Device number of a char/block device (0 for everything else). */
  rdev: number;
  /** Identity of the inode, to count a hardlinked file once. */
  inode: string;
  nlink: number;
}

export interface TreeReader {
  /** lstat(2) of `p`, or undefined when nothing is there. */
  stat(p: string): EntryInfo | undefined;
  /** The names in directory `p`. */
  list(p: string): string[];
  /** Whether directory `p` is an overlayfs opaque directory (xattr trusted.overlay.opaque=y). */
  opaque(p: string): boolean;
  readlink(p: string): string;
}

/** overlayfs whiteout (Documentation/filesystems/overlayfs.rst): a character device 0/0 hides the name below. */
export function isWhiteout(e: EntryInfo): boolean {
  return e.type === 'char' && e.rdev === 0;
}

export const OPAQUE_XATTR = 'trusted.overlay.opaque';

/** Joins a relative path ('' is the root) to a root directory. */
export function under(root: string, rel: string): string {
  return rel === '' ? root : path.join(root, rel);
}

/** The parent of a relative path ('' for a top-level name). */
export function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i === -1 ? '' : rel.slice(0, i);
}

export function childOf(rel: string, name: string): string {
  return rel === '' ? name : `${rel}/${name}`;
}

function typeOf(st: fs.BigIntStats): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}

export function entryInfo(st: fs.BigIntStats): EntryInfo {
  return {
    type: typeOf(st),
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: Number(st.size),
    mtimeNs: st.mtimeNs,
    rdev: Number(st.rdev),
    inode: `${st.dev}:${st.ino}`,
    nlink: Number(st.nlink),
  };
}

/** The host's file system, with synchronous calls: a tree is thousands of tiny stats, and a
 *  thread-pool round trip per call would cost more than the call. */
export const hostTree: TreeReader = {
  stat(p) {
    try {
      return entryInfo(fs.lstatSync(p, { bigint: true }));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw e;
    }
  },
  list(p) {
    return fs.readdirSync(p);
  },
  opaque(p) {
    try {
      return lgetxattr(p, OPAQUE_XATTR)?.toString() === 'y';
    } catch (e) {
      // A file system without xattrs has no opaque directories.
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTSUP' || code === 'EOPNOTSUPP') return false;
      throw e;
    }
  },
  readlink(p) {
    return fs.readlinkSync(p);
  },
};
