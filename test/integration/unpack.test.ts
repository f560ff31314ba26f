// Unpacking real layer tars into overlay form: modes, owners, times, links, devices, whiteouts.
// Root only: mknod, chown and trusted.* xattrs need it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lgetxattr } from '../../src/kernel/fs.ts';
import { unpackInBothThreads } from '../helpers/worker-build.ts';
import { makeTar } from '../helpers/tar.ts';

const isRoot = process.getuid?.() === 0;
// Both places the file writer can run: this thread, and the worker thread the bundle uses.
const { modes, unpack } = unpackInBothThreads();
let dir: string;
let dest: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-unpack-'));
  dest = path.join(dir, 'diff');
  fs.mkdirSync(dest);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const T = new Date(1_600_000_000_000);

describe.skipIf(!isRoot).each(modes)('unpackLayer (needs root: mknod, chown, trusted xattrs) [writer: %s]', (mode) => {
  it('reproduces files, modes, owners, times, links, devices and fifos', async () => {
    const tar = await makeTar([
      { name: 'etc/', type: 'directory', mode: 0o755, mtime: T },
      { name: 'etc/passwd', data: 'root:x:0:0\n', mode: 0o644, mtime: T },
      { name: 'bin/su', data: 'ELF', mode: 0o4755, uid: 0, gid: 0 },
      { name: 'home/user/notes', data: 'hi', mode: 0o600, uid: 1000, gid: 1000, mtime: T },
      { name: 'tmp/', type: 'directory', mode: 0o1777 },
      { name: 'bin/sh', type: 'symlink', linkname: 'busybox', uid: 1000, gid: 1000, mtime: T },
      { name: 'bin/busybox', data: 'x'.repeat(300_000), mode: 0o755 },
      { name: 'bin/ls', type: 'link', linkname: 'bin/busybox' },
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/loop0', type: 'block-device', devmajor: 7, devminor: 0, mode: 0o660 },
      { name: 'run/fifo', type: 'fifo', mode: 0o640 },
      { name: 'x/withattr', data: 'a', pax: { 'SCHILY.xattr.user.skiff': 'hello' } },
    ]);
    const stats = await unpack(mode, Readable.from([tar]), dest);
    const st = (p: string) => fs.lstatSync(path.join(dest, p));
    expect(fs.readFileSync(path.join(dest, 'etc/passwd'), 'utf8')).toBe('root:x:0:0\n');
    expect(st('etc/passwd').mtime.getTime()).toBe(T.getTime());
    expect(st('etc').mtime.getTime()).toBe(T.getTime()); // set after its children were written
    expect(st('bin/su').mode & 0o7777).toBe(0o4755); // setuid survives chown
    expect(st('tmp').mode & 0o7777).toBe(0o1777);
    expect([st('home/user/notes').uid, st('home/user/notes').gid, st('home/user/notes').mode & 0o777]).toEqual([1000, 1000, 0o600]);
    expect(fs.readlinkSync(path.join(dest, 'bin/sh'))).toBe('busybox');
    expect([st('bin/sh').uid, st('bin/sh').mtime.getTime()]).toEqual([1000, T.getTime()]);
    expect(st('bin/ls').ino).toBe(st('bin/busybox').ino);
    expect(st('bin/busybox').size).toBe(300_000);
    expect(st('dev/null').isCharacterDevice()).toBe(true);
    expect(st('dev/null').rdev).toBe(Number((1n << 8n) | 3n));
    expect(st('dev/loop0').isBlockDevice()).toBe(true);
    expect(st('run/fifo').isFIFO()).toBe(true);
    expect(lgetxattr(path.join(dest, 'x/withattr'), 'user.skiff')?.toString()).toBe('hello');
    expect(stats.bytes).toBe(11 + 3 + 2 + 300_000 + 1);
  });

  it('turns whiteouts into 0/0 character devices and opaque markers into xattrs', async () => {
    const tar = await makeTar([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/.wh.motd', data: '', uid: 0 },
      { name: '.wh.old-dir', data: '' },
      { name: 'var/cache/.wh..wh..opq', data: '' }, // marker before its directory entry
      { name: 'var/cache/', type: 'directory', mode: 0o700 },
      { name: 'var/cache/new', data: 'n' },
      { name: 'usr/.wh..wh.plnk', type: 'directory' }, // aufs bookkeeping: ignored
    ]);
    await unpack(mode, Readable.from([tar]), dest);
    for (const w of ['etc/motd', 'old-dir']) {
      const s = fs.lstatSync(path.join(dest, w));
      expect(s.isCharacterDevice()).toBe(true);
      expect(s.rdev).toBe(0);
    }
    expect(fs.existsSync(path.join(dest, 'etc/.wh.motd'))).toBe(false);
    expect(lgetxattr(path.join(dest, 'var/cache'), 'trusted.overlay.opaque')?.toString()).toBe('y');
    expect(fs.lstatSync(path.join(dest, 'var/cache')).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(path.join(dest, 'var/cache/new'), 'utf8')).toBe('n');
    expect(fs.existsSync(path.join(dest, 'usr/.wh..wh.plnk'))).toBe(false);
  });

  it('a later entry replaces an earlier one of the same name, as tar does', async () => {
    const tar = await makeTar([
      { name: 'a', data: 'first' },
      { name: 'a', type: 'directory' },
      { name: 'a/b', data: 'inside' },
      { name: 'c', type: 'directory' },
      { name: 'c/d', data: 'gone' },
      { name: 'c', data: 'now a file' },
    ]);
    await unpack(mode, Readable.from([tar]), dest);
    expect(fs.readFileSync(path.join(dest, 'a/b'), 'utf8')).toBe('inside');
    expect(fs.readFileSync(path.join(dest, 'c'), 'utf8')).toBe('now a file');
  });

  it('takes absolute names as relative to the layer, and ./ prefixes as nothing', async () => {
    const tar = await makeTar([{ name: '/etc/hostname', data: 'h' }, { name: './a/./b/../c', data: 'c' }]);
    await unpack(mode, Readable.from([tar]), dest);
    expect(fs.readFileSync(path.join(dest, 'etc/hostname'), 'utf8')).toBe('h');
    expect(fs.readFileSync(path.join(dest, 'a/c'), 'utf8')).toBe('c');
  });

  it('reports a truncated or garbage archive as a layer format error', async () => {
    const good = await makeTar([{ name: 'f', data: 'x'.repeat(5000) }]);
    await expect(unpack(mode, Readable.from([good.subarray(0, 1500)]), dest)).rejects.toMatchObject({ code: 'LAYER_FORMAT' });
    await expect(unpack(mode, Readable.from([Buffer.from('this is not a tar archive at all'.repeat(40))]), path.join(dir, 'diff'))).rejects.toMatchObject({ code: 'LAYER_FORMAT' });
  });
});
