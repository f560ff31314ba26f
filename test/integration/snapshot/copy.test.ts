// copyTree with what only root can make: owners, setuid, device nodes, fifos, trusted xattrs, and
// layers in overlay form (whiteouts are mknod'ed char devices, opaque flags trusted xattrs).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyTree } from '../../../src/engine/snapshot/copy.ts';
import { lgetxattr, lsetxattr, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from '../../../src/kernel/fs.ts';

const isRoot = process.getuid?.() === 0;
let tmp: string;
let src: string;
let dst: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-copy-'));
  src = path.join(tmp, 'src');
  dst = path.join(tmp, 'dst');
  fs.mkdirSync(src);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const at = (root: string, rel: string) => path.join(root, rel);

describe.skipIf(!isRoot)('copyTree (needs root: chown, mknod, trusted xattrs)', () => {
  it('keeps owners, setuid bits, devices, fifos and xattrs, but not overlayfs\'s own', async () => {
    fs.mkdirSync(at(src, 'dev'));
    mknod(at(src, 'dev/null'), S_IFCHR | 0o666, 1, 3);
    fs.chmodSync(at(src, 'dev/null'), 0o666); // mknod's mode went through the umask
    mknod(at(src, 'dev/loop0'), S_IFBLK | 0o660, 7, 0);
    mknod(at(src, 'dev/zero-zero'), S_IFCHR | 0o600, 0, 0); // not a layer: a device like any other
    mknod(at(src, 'fifo'), S_IFIFO | 0o640, 0, 0);
    fs.writeFileSync(at(src, 'su'), 'ELF');
    fs.chownSync(at(src, 'su'), 0, 0);
    fs.chmodSync(at(src, 'su'), 0o4755);
    fs.mkdirSync(at(src, 'home'));
    fs.writeFileSync(at(src, 'home/notes'), 'n');
    fs.lchownSync(at(src, 'home/notes'), 1000, 1001);
    fs.symlinkSync('notes', at(src, 'home/link'));
    fs.lchownSync(at(src, 'home/link'), 1000, 1001);
    lsetxattr(at(src, 'home/notes'), 'user.skiff', Buffer.from('hello'));
    lsetxattr(at(src, 'home/notes'), 'trusted.skiff', Buffer.from('kept'));
    lsetxattr(at(src, 'home'), 'trusted.overlay.opaque', Buffer.from('y'));
    fs.chownSync(src, 1000, 1000);
    fs.chmodSync(src, 0o1777);
    fs.mkdirSync(dst, { mode: 0o700 }); // a new, empty volume

    await copyTree(src, dst);
    const st = (rel: string) => fs.lstatSync(at(dst, rel));
    expect([st('dev/null').isCharacterDevice(), st('dev/null').rdev, st('dev/null').mode & 0o7777]).toEqual([true, (1 << 8) | 3, 0o666]);
    expect([st('dev/loop0').isBlockDevice(), st('dev/loop0').rdev]).toEqual([true, 7 << 8]);
    expect([st('dev/zero-zero').isCharacterDevice(), st('dev/zero-zero').rdev]).toEqual([true, 0]);
    expect(st('fifo').isFIFO()).toBe(true);
    expect(st('su').mode & 0o7777).toBe(0o4755);
    expect([st('home/notes').uid, st('home/notes').gid]).toEqual([1000, 1001]);
    expect([st('home/link').uid, st('home/link').gid]).toEqual([1000, 1001]);
    expect([st('').uid, st('').mode & 0o7777]).toEqual([1000, 0o1777]); // Docker's volume copy-up takes the owner too
    expect(lgetxattr(at(dst, 'home/notes'), 'user.skiff')?.toString()).toBe('hello');
    expect(lgetxattr(at(dst, 'home/notes'), 'trusted.skiff')?.toString()).toBe('kept');
    expect(lgetxattr(at(dst, 'home'), 'trusted.overlay.opaque')).toBeUndefined();
    expect(fs.readdirSync(at(dst, 'home')).sort()).toEqual(['link', 'notes']);
  });

  it('applies a layer: whiteouts delete, an opaque directory empties what was below', async () => {
    // What the layers below left in the tree.
    for (const f of ['etc/motd', 'etc/hosts', 'var/cache/a', 'var/cache/sub/b', 'opt/tree/x']) {
      fs.mkdirSync(path.dirname(at(dst, f)), { recursive: true });
      fs.writeFileSync(at(dst, f), f);
    }
    // The layer, in overlay form as store/layers.ts keeps it.
    fs.mkdirSync(at(src, 'etc'));
    mknod(at(src, 'etc/motd'), S_IFCHR, 0, 0);
    mknod(at(src, 'etc/never-there'), S_IFCHR, 0, 0);
    fs.mkdirSync(at(src, 'opt'));
    mknod(at(src, 'opt/tree'), S_IFCHR, 0, 0);
    fs.mkdirSync(at(src, 'var/cache'), { recursive: true });
    lsetxattr(at(src, 'var/cache'), 'trusted.overlay.opaque', Buffer.from('y'));
    fs.writeFileSync(at(src, 'var/cache/new'), 'new');

    await copyTree(src, dst, { layer: true });
    expect(fs.readdirSync(at(dst, 'etc'))).toEqual(['hosts']);
    expect(fs.readdirSync(at(dst, 'opt'))).toEqual([]);
    expect(fs.readdirSync(at(dst, 'var/cache'))).toEqual(['new']);
    expect(lgetxattr(at(dst, 'var/cache'), 'trusted.overlay.opaque')).toBeUndefined();
  });
});
