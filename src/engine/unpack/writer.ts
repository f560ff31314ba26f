// Writing one layer's entries into a directory in overlayfs form — the file system half of
// unpacking (tar.ts parses the tar and calls this, in a worker thread or in the caller's).
//   .wh.NAME       → a character device 0/0 named NAME (an overlay whiteout: hides NAME below)
//   .wh..wh..opq   → xattr trusted.overlay.opaque=y on its directory (hides everything below)
// Safety: every entry lands inside `dest`. Names are cleaned (paths.ts); a parent directory that
// is a symlink is never written through (`evil -> /etc` then `evil/passwd` is refused), an existing
// path is removed before it is replaced (so writing a file never follows a symlink), and a hardlink
// may only point at something this layer already put inside `dest`.
//
// The calls are synchronous on purpose: a layer is thousands of small files, and a thread-pool
// round trip per call costs more than the call.
import fs from 'node:fs';
import path from 'node:path';
import { lsetxattr, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from '../../kernel/fs.ts';
import { SkiffError } from '../errors.ts';
import { classify, cleanEntryPath } from './paths.ts';
import type { Header, TarSink } from './tar.ts';

export interface UnpackStats {
  files: number; // entries written (whiteouts and opaque markers included)
  bytes: number; // sum of regular file sizes
}

export type { Header } from './tar.ts';

const isRoot = process.getuid?.() === 0;
// The umask decides which mode bits open(2) may set; a file whose mode survives it needs no
// separate fchmod. (Reading it without changing it also works in a worker thread.)
const umask = process.umask();

function unsafe(name: string, why: string): SkiffError {
  return new SkiffError('UNSAFE_LAYER', `layer entry ${JSON.stringify(name)} ${why}`, 'the layer is corrupt or hostile; it was not unpacked');
}

export class LayerWriter implements TarSink {
  /** The regular file being written, between begin() and end(). */
  private open: { fd: number; rel: string; p: string; h: Header; mode: number; mtime: Date } | undefined;

  /** Relative paths known to be real directories inside dest (never symlinks). */
  private readonly dirs = new Set<string>(['']);
  private readonly dirTimes: [string, Date][] = [];
  /** Every path this unpack has made. The layer directory starts empty, so any other path does not
   *  exist yet and needs no lstat before it is created (thousands of syscalls saved per layer). */
  private readonly made = new Set<string>();
  /** Directories whose setgid bit makes new files inherit their group. */
  private readonly setgid = new Set<string>();
  readonly stats: UnpackStats = { files: 0, bytes: 0 };

  constructor(
    private readonly dest: string,
    private readonly startedEmpty: boolean,
  ) {}

  private mayExist(rel: string): boolean {
    return !this.startedEmpty || this.made.has(rel) || this.dirs.has(rel);
  }

  private abs(rel: string): string {
    return rel === '' ? this.dest : path.join(this.dest, rel);
  }

  /** Makes sure every parent of `rel` is a real directory inside dest; creates missing ones. */
  private parents(rel: string, name: string, create = true): void {
    const parts = rel.split('/');
    let cur = '';
    for (let i = 0; i < parts.length - 1; i++) {
      cur = cur ? `${cur}/${parts[i]}` : parts[i]!;
      if (this.dirs.has(cur)) continue;
      let st: fs.Stats | undefined;
      if (this.mayExist(cur)) {
        try {
          st = fs.lstatSync(this.abs(cur));
        } catch {
          st = undefined;
        }
      }
      if (!st) {
        if (!create) throw unsafe(name, `refers to "${cur}", which this layer does not contain`);
        fs.mkdirSync(this.abs(cur), { mode: 0o755 });
        this.made.add(cur);
      } else if (st.isSymbolicLink()) {
        throw unsafe(name, `would be written through the symlink "${cur}"`);
      } else if (!st.isDirectory()) {
        throw unsafe(name, `has "${cur}" as a parent, which is not a directory`);
      }
      this.dirs.add(cur);
    }
  }

  /** Clears the way for a new entry at `rel`; an existing directory stays when a directory comes. */
  private replace(rel: string, keepDir: boolean): boolean {
    const seenBefore = this.mayExist(rel);
    this.made.add(rel);
    if (!seenBefore) return false;
    const p = this.abs(rel);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return false;
    }
    if (keepDir && st.isDirectory()) return true;
    fs.rmSync(p, { recursive: true, force: true });
    if (st.isDirectory()) for (const d of this.dirs) if (d === rel || d.startsWith(rel + '/')) this.dirs.delete(d);
    return false;
  }

  private owner(p: string, h: Header): void {
    try {
      fs.lchownSync(p, h.uid ?? 0, h.gid ?? 0);
    } catch (e) {
      if (isRoot) throw e; // without root, files simply stay ours
    }
  }

  private xattrs(p: string, h: Header): void {
    for (const [name, value] of h.xattrs ?? []) {
      try {
        lsetxattr(p, name, value);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EPERM') throw e;
      }
    }
  }

  /** Starts an entry; for a regular file, data() and end() follow. Everything else is done here. */
  begin(h: Header): void {
    const rel = cleanEntryPath(h.name);
    const what = classify(rel);
    const mtime = h.mtime ?? new Date(0);
    const mode = (h.mode ?? 0o644) & 0o7777;
    if (what.kind === 'ignore') return;
    if (what.kind === 'opaque') {
      this.parents(`${what.dir}/x`.replace(/^\//, ''), h.name);
      lsetxattr(this.abs(what.dir), 'trusted.overlay.opaque', Buffer.from('y'));
      this.stats.files++;
      return;
    }
    if (what.kind === 'whiteout') {
      this.parents(what.rel, h.name);
      this.replace(what.rel, false);
      const p = this.abs(what.rel);
      mknod(p, S_IFCHR, 0, 0);
      this.owner(p, h);
      this.stats.files++;
      return;
    }
    if (rel === '') {
      // The layer root ("./"): only a directory makes sense; take its metadata.
      if (h.type === 'directory') {
        this.owner(this.dest, h);
        fs.chmodSync(this.dest, mode);
        this.dirTimes.push([this.dest, mtime]);
      }
      return;
    }
    this.parents(rel, h.name);
    const p = this.abs(rel);
    this.stats.files++;
    switch (h.type) {
      case 'directory': {
        if (!this.replace(rel, true)) fs.mkdirSync(p, { mode: 0o700 });
        this.owner(p, h);
        fs.chmodSync(p, mode); // after chown, which clears setuid/setgid bits
        this.xattrs(p, h);
        this.dirs.add(rel);
        if (mode & 0o2000) this.setgid.add(rel);
        else this.setgid.delete(rel);
        this.dirTimes.push([p, mtime]);
        return;
      }
      case 'file':
      case 'contiguous-file': {
        this.replace(rel, false);
        const fd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, mode & 0o777);
        this.open = { fd, rel, p, h, mode, mtime };
        return;
      }
      case 'symlink': {
        this.replace(rel, false);
        // The target is kept as written: it is resolved inside the container's root at run time.
        fs.symlinkSync(h.linkname ?? '', p);
        this.owner(p, h);
        fs.lutimesSync(p, mtime, mtime);
        return;
      }
      case 'link': {
        const target = cleanEntryPath(h.linkname ?? '');
        if (target === '') throw unsafe(h.name, 'is a hardlink to the layer root');
        this.parents(target, h.name, false);
        let st: fs.Stats;
        try {
          st = fs.lstatSync(this.abs(target));
        } catch {
          throw unsafe(h.name, `is a hardlink to "${h.linkname}", which this layer does not contain`);
        }
        if (st.isDirectory()) throw unsafe(h.name, `is a hardlink to the directory "${h.linkname}"`);
        if (target === rel) return;
        this.replace(rel, false);
        fs.linkSync(this.abs(target), p); // link(2) does not follow a final symlink: it links the symlink
        return;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        this.replace(rel, false);
        const type = h.type === 'fifo' ? S_IFIFO : h.type === 'block-device' ? S_IFBLK : S_IFCHR;
        mknod(p, type | mode, h.devmajor ?? 0, h.devminor ?? 0);
        this.owner(p, h);
        fs.chmodSync(p, mode);
        fs.lutimesSync(p, mtime, mtime);
        return;
      }
      default:
        throw new SkiffError('LAYER_FORMAT', `layer entry ${JSON.stringify(h.name)} has unsupported type ${String(h.type)}`, 'the layer uses a tar feature Skiff does not support');
    }
  }

  data(chunk: Uint8Array): void {
    if (!this.open) return; // the body of an old-style directory ("name/" typed as a file) is ignored
    // write(2) may write less than asked (a signal, a disk filling up): go on until all is written.
    for (let at = 0; at < chunk.length; ) at += fs.writeSync(this.open.fd, chunk, at, chunk.length - at);
    this.stats.bytes += chunk.length;
  }

  /** Ends the current entry: a file gets its owner, mode and times, then is closed. */
  end(): void {
    const f = this.open;
    if (!f) return;
    this.open = undefined;
    const { fd, rel, p, h, mode, mtime } = f;
    try {
      // A new file is ours (root:root) unless its directory is setgid: chown only when needed.
      const uid = h.uid ?? 0;
      const gid = h.gid ?? 0;
      const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
      if (uid !== 0 || gid !== 0 || this.setgid.has(parent) || !isRoot) {
        try {
          fs.fchownSync(fd, uid, gid);
        } catch (e) {
          if (isRoot) throw e; // without root, files simply stay ours
        }
      }
      // open(2) applied mode & ~umask; setuid/setgid/sticky and masked bits need fchmod (after chown).
      if ((mode & ~umask & 0o777) !== mode || uid !== 0 || gid !== 0) fs.fchmodSync(fd, mode);
      fs.futimesSync(fd, mtime, mtime);
    } finally {
      fs.closeSync(fd);
    }
    this.xattrs(p, h);
  }

  /** Closes a file left open by a failure. */
  abandon(): void {
    if (this.open) fs.closeSync(this.open.fd);
    this.open = undefined;
  }

  /** Directory times last: creating entries inside a directory changes its mtime. */
  finish(): void {
    for (const [p, t] of this.dirTimes) fs.utimesSync(p, t, t);
  }
}

