// Copying a directory tree with everything a root filesystem needs kept: mode (setuid, setgid,
// sticky), owner, times, symlinks (copied, never followed), hardlinks (the copy links the same
// files together), device nodes and fifos (mknod), and extended attributes (file capabilities,
// ACLs) — except overlayfs's own trusted.overlay.*, which describe one layer stack and mean
// nothing elsewhere.
//
// Two users:
// - the vfs snapshotter applies an image's layers one by one, bottom first (`layer: true`): a
//   whiteout deletes the name from the tree, an opaque directory empties the directory before its
//   own entries arrive — image-spec layer.md's "applying changesets", read from overlay form;
// - a new, empty volume mounted over an image directory is first filled with that directory's
//   files (Docker's volume copy-up), so `dst` may already exist (empty, or holding lower layers).
// An entry is replaced when it is already there, except that a directory stays a directory and
// takes the new metadata. Nothing is ever written through a symlink: every path is lstat-ed,
// replaced entries are removed first, and files are created with O_EXCL.
import fs from 'node:fs';
import path from 'node:path';
import { llistxattr, lgetxattr, lsetxattr, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from '../../kernel/fs.ts';
import { SkiffError } from '../errors.ts';
import { OPAQUE_XATTR } from './tree.ts';

export interface CopyOptions {
  /** `src` is a layer in overlay form (store/layers.ts): apply its whiteouts and opaque directories. */
  layer?: boolean;
}

export interface CopyStats {
  entries: number;
  bytes: number; // regular file bytes copied
}

const isRoot = process.getuid?.() === 0;
/** Let other work run (a daemon serving requests) every so many entries: the calls are synchronous. */
const YIELD_EVERY = 256;

/** Linux's dev_t layout (glibc's major(3)/minor(3)); the inverse of kernel/fs.ts makedev. */
export function devParts(rdev: number): { major: number; minor: number } {
  const d = BigInt(rdev);
  return {
    major: Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn)),
    minor: Number((d & 0xffn) | ((d >> 12n) & ~0xffn)),
  };
}

function lstat(p: string): fs.BigIntStats | undefined {
  try {
    return fs.lstatSync(p, { bigint: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * A time for fs.utimes, which takes seconds as a double: libuv turns it back into a timespec and
 * keeps whole microseconds (uv__fs_to_timespec truncates the rest). A double near 1.7e9 s is only
 * exact to ~0.24 µs, so half a microsecond is added to make that truncation land on the right one.
 * (Nanoseconds would need utimensat(2) itself.)
 */
const seconds = (ns: bigint) => Number(ns / 1000n) / 1e6 + 5e-7;

function ignorable(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  // The target file system has no xattrs, or refuses this one (user.* on a symlink, security.* labels).
  return code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EPERM';
}

class TreeCopier {
  readonly stats: CopyStats = { entries: 0, bytes: 0 };
  /** Source inode → the first copy of it, so later names of that inode become hardlinks. */
  private readonly linked = new Map<string, string>();

  constructor(private readonly opts: CopyOptions) {}

  async dir(src: string, dst: string, st: fs.BigIntStats, top: boolean): Promise<void> {
    // overlayfs never looks at a lower root's opaque flag (lower-view.ts), so neither do we.
    if (this.opts.layer && !top && this.isOpaque(src)) {
      for (const name of fs.readdirSync(dst)) fs.rmSync(path.join(dst, name), { recursive: true, force: true });
    }
    for (const name of fs.readdirSync(src)) {
      if (++this.stats.entries % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
      await this.entry(path.join(src, name), path.join(dst, name));
    }
    this.metadata(src, dst, st); // last: making entries inside a directory changes its mtime
  }

  private async entry(src: string, dst: string): Promise<void> {
    const st = fs.lstatSync(src, { bigint: true });
    const there = lstat(dst);
    if (this.opts.layer && st.isCharacterDevice() && st.rdev === 0n) {
      if (there) fs.rmSync(dst, { recursive: true, force: true }); // a whiteout: the name is deleted
      return;
    }
    if (st.isSocket()) return; // a socket belongs to a running process; tar cannot carry one either
    if (st.isDirectory()) {
      if (!there?.isDirectory()) {
        if (there) fs.rmSync(dst, { force: true });
        fs.mkdirSync(dst, { mode: 0o700 });
      }
      await this.dir(src, dst, st, false);
      return;
    }
    if (there) fs.rmSync(dst, { recursive: true, force: true });
    const inode = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1n ? this.linked.get(inode) : undefined;
    if (first !== undefined) {
      fs.linkSync(first, dst); // the same inode: owner, mode and times are set already
      return;
    }
    if (st.isFile()) {
      fs.copyFileSync(src, dst, fs.constants.COPYFILE_EXCL | fs.constants.COPYFILE_FICLONE);
      this.stats.bytes += Number(st.size);
    } else if (st.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(src), dst); // copied as written: it resolves inside the container
    } else {
      const type = st.isFIFO() ? S_IFIFO : st.isBlockDevice() ? S_IFBLK : S_IFCHR;
      const { major, minor } = devParts(Number(st.rdev));
      mknod(dst, type | Number(st.mode & 0o777n), major, minor);
    }
    if (st.nlink > 1n) this.linked.set(inode, dst);
    this.metadata(src, dst, st);
  }

  private metadata(src: string, dst: string, st: fs.BigIntStats): void {
    try {
      fs.lchownSync(dst, Number(st.uid), Number(st.gid));
    } catch (e) {
      if (isRoot) throw e; // without root, the copies simply stay ours
    }
    // chmod after chown, which clears setuid and setgid. A symlink's mode means nothing on Linux.
    if (!st.isSymbolicLink()) fs.chmodSync(dst, Number(st.mode & 0o7777n));
    for (const name of llistxattr(src)) {
      if (name.startsWith('trusted.overlay.')) continue;
      const value = lgetxattr(src, name);
      if (value === undefined) continue;
      try {
        lsetxattr(dst, name, value);
      } catch (e) {
        if (!ignorable(e)) throw e;
      }
    }
    fs.lutimesSync(dst, seconds(st.atimeNs), seconds(st.mtimeNs));
  }

  private isOpaque(p: string): boolean {
    return lgetxattr(p, OPAQUE_XATTR)?.toString() === 'y';
  }
}

/**
 * Copies the tree `src` into the directory `dst` (made when missing), `src`'s root metadata onto
 * `dst` itself. With `layer`, `src` is applied as a layer on top of what `dst` holds.
 */
export async function copyTree(src: string, dst: string, opts: CopyOptions = {}): Promise<CopyStats> {
  const st = fs.lstatSync(src, { bigint: true });
  if (!st.isDirectory()) throw new SkiffError('USAGE', `cannot copy ${src}: not a directory`, 'copy a directory tree');
  fs.mkdirSync(dst, { recursive: true, mode: 0o700 });
  if (!fs.lstatSync(dst).isDirectory()) throw new SkiffError('USAGE', `cannot copy into ${dst}: not a directory`, 'copy into a directory');
  const inside = path.relative(fs.realpathSync(src), fs.realpathSync(dst));
  if (inside !== '..' && !inside.startsWith(`..${path.sep}`) && !path.isAbsolute(inside)) {
    throw new SkiffError('USAGE', `cannot copy ${src} into ${dst}: the destination is inside the source`, 'copy into a directory outside the source tree');
  }
  const copier = new TreeCopier(opts);
  await copier.dir(src, dst, st, true);
  return copier.stats;
}
