// An image's file system as its containers will see it, read straight from its unpacked layers
// (snapshot/lower-view.ts merges them the way overlayfs does) — what COPY needs to know about the
// place it writes to, without making a container: does /app exist, is /bin a symlink to usr/bin,
// who is `nobody` in /etc/passwd.
import fs from 'node:fs';
import { SkiffError } from '../errors.ts';
import { secureJoin } from '../runtime/securejoin.ts';
import { LowerView } from '../snapshot/lower-view.ts';
import { type EntryInfo, hostTree, parentOf, under } from '../snapshot/tree.ts';

export class ImageView {
  private readonly view: LowerView;

  /** `layers`: the image's layer directories, top first (none for `FROM scratch`). */
  constructor(layers: readonly string[]) {
    this.view = new LowerView(layers, hostTree);
  }

  entry(rel: string): EntryInfo | undefined {
    return rel === '' ? { type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtimeNs: 0n, rdev: 0, inode: '', nlink: 1 } : this.view.entry(rel);
  }

  /** The host path of `rel` in the topmost layer that has it. */
  private locate(rel: string): string | undefined {
    for (const layer of this.view.layersOf(parentOf(rel)) ?? []) {
      const p = under(layer, rel);
      if (hostTree.stat(p)) return p;
    }
    return undefined;
  }

  readlink(rel: string): string {
    return fs.readlinkSync(this.locate(rel)!);
  }

  /**
   * Where `target` (absolute, inside the image) really is: every symlink on the way followed as the
   * container would follow it, never above the image's root (runtime/securejoin.ts, read from the
   * layers instead of a mounted root). Missing components are fine. Without `followLast`, a
   * symlink at the end is the answer itself (COPY replaces it rather than writing through it).
   */
  resolve(target: string, followLast = true): string {
    const parts = target.split('/').filter((p) => p !== '' && p !== '.');
    const last = parts.at(-1);
    if (!followLast && last !== undefined && last !== '..') {
      const dir = this.resolve(parts.slice(0, -1).join('/'));
      return dir ? `${dir}/${last}` : last;
    }
    const lstat = (p: string) => {
      const e = this.entry(p.slice(1));
      return e ? ({ isSymbolicLink: () => e.type === 'symlink' } as fs.Stats) : undefined;
    };
    try {
      return secureJoin('/', target, lstat, (p) => this.readlink(p.slice(1))).slice(1);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOOP') throw e;
      throw new SkiffError('USAGE', `too many levels of symbolic links resolving ${target} in the image`, 'a symlink in the image points back at itself');
    }
  }

  /** A small text file of the image (/etc/passwd), or undefined. */
  readText(abs: string): string | undefined {
    const rel = this.resolve(abs);
    if (this.entry(rel)?.type !== 'file') return undefined;
    const p = this.locate(rel);
    return p ? fs.readFileSync(p, 'utf8') : undefined;
  }

  /** uid and gid of `--chown=user[:group]`, from the image's /etc/passwd and /etc/group. */
  owner(spec: string): { uid: number; gid: number } {
    const [user = '', group] = spec.split(':', 2);
    const table = (file: string) => (this.readText(file) ?? '').split('\n').map((l) => l.split(':')).filter((f) => f.length >= 3);
    const passwd = table('/etc/passwd');
    let uid: number;
    let primary: number | undefined;
    if (/^\d+$/.test(user)) uid = Number(user);
    else {
      const row = passwd.find((f) => f[0] === user);
      if (!row) throw new SkiffError('USAGE', `unable to convert uid/gid chown string to host mapping: no such user "${user}" in the image's /etc/passwd`, 'use a user the image has, or numbers: --chown=1000:1000');
      uid = Number(row[2]);
      primary = Number(row[3]);
    }
    if (group === undefined || group === '') return { uid, gid: primary ?? uid };
    if (/^\d+$/.test(group)) return { uid, gid: Number(group) };
    const row = table('/etc/group').find((f) => f[0] === group);
    if (!row) throw new SkiffError('USAGE', `unable to convert uid/gid chown string to host mapping: no such group "${group}" in the image's /etc/group`, 'use a group the image has, or a number');
    return { uid, gid: Number(row[2]) };
  }
}
