// Container root filesystems on real layers: overlay snapshots mounted with mount(8) as a
// container's init would, vfs copies, and `docker diff` from both. Root only: whiteouts need
// mknod, opaque directories need trusted.* xattrs, and overlay mounts need CAP_SYS_ADMIN.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainIds, type Digest, sha256 } from '../../../src/engine/digest.ts';
import { isSkiffError } from '../../../src/engine/errors.ts';
import { overlayMount, MOUNT_DATA_MAX } from '../../../src/engine/snapshot/options.ts';
import { openSnapshotter, overlaySupported } from '../../../src/engine/snapshot/snapshotter.ts';
import type { Change, Snapshot } from '../../../src/engine/snapshot/types.ts';
import { LayerStore } from '../../../src/engine/store/layers.ts';
import { unpackLayer } from '../../../src/engine/unpack/unpack.ts';
import { lgetxattr, llistxattr } from '../../../src/kernel/fs.ts';
import { makeTar, type TarEntry } from '../../helpers/tar.ts';

const isRoot = process.getuid?.() === 0;
const T = new Date(1_650_000_000_000);

// The image: three layers, the upper two deleting, hiding and replacing things of the first.
const base: TarEntry[] = [
  { name: 'etc/', type: 'directory', mtime: T },
  { name: 'etc/motd', data: 'welcome\n', mtime: T },
  { name: 'etc/hosts', data: '127.0.0.1 localhost\n' },
  { name: 'etc/keep', data: 'k' },
  { name: 'bin/', type: 'directory', mtime: T },
  { name: 'bin/busybox', data: 'ELF'.repeat(1000), mode: 0o4755 },
  { name: 'bin/ls', type: 'link', linkname: 'bin/busybox' },
  { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
  { name: 'usr/share/doc/a', data: 'a' },
  { name: 'usr/share/doc/b', data: 'b' },
  { name: 'var/cache/x/y', data: 'y' },
  { name: 'home/user/', type: 'directory', uid: 1000, gid: 1000, mode: 0o750, mtime: T },
  { name: 'home/user/.profile', data: 'export A=1\n', uid: 1000, gid: 1000, mode: 0o600 },
  { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
  { name: 'run/pipe', type: 'fifo', mode: 0o600 },
  { name: 'opt/old/file', data: 'old' },
  { name: 'x/withattr', data: 'a', pax: { 'SCHILY.xattr.user.skiff': 'hello' } },
];
const middle: TarEntry[] = [
  { name: 'etc/.wh.hosts', data: '' },
  { name: 'usr/share/doc/', type: 'directory', mtime: T },
  { name: 'usr/share/doc/.wh..wh..opq', data: '' },
  { name: 'usr/share/doc/c', data: 'c' },
  { name: 'opt/old', data: 'now a file' }, // a file over a directory hides the directory
];
const top: TarEntry[] = [
  { name: 'etc/', type: 'directory', mtime: T },
  { name: 'etc/motd', data: 'welcome to v3\n', mtime: T },
  { name: 'srv/app', data: 'app', mode: 0o755 },
];

/** The same edits a container would make, through whatever root they are given. */
function edit(root: string): void {
  const p = (rel: string) => path.join(root, rel);
  fs.appendFileSync(p('etc/motd'), 'edited\n');
  fs.writeFileSync(p('etc/new'), 'new');
  fs.rmSync(p('etc/keep'));
  fs.rmSync(p('var/cache'), { recursive: true });
  fs.mkdirSync(p('srv/data/deep'), { recursive: true });
  fs.writeFileSync(p('srv/data/deep/f'), 'f');
  fs.rmSync(p('usr/share/doc'), { recursive: true }); // then made again: overlayfs makes it opaque
  fs.mkdirSync(p('usr/share/doc'));
  fs.writeFileSync(p('usr/share/doc/readme'), 'r');
  fs.chmodSync(p('home/user'), 0o700);
  fs.rmSync(p('opt/old'));
  fs.mkdirSync(p('opt/old'));
  fs.writeFileSync(p('opt/old/n'), 'n');
}

const expected: Change[] = [
  { kind: 'C', path: '/etc' },
  { kind: 'D', path: '/etc/keep' },
  { kind: 'C', path: '/etc/motd' },
  { kind: 'A', path: '/etc/new' },
  { kind: 'C', path: '/home' },
  { kind: 'C', path: '/home/user' },
  { kind: 'C', path: '/opt' },
  { kind: 'C', path: '/opt/old' },
  { kind: 'A', path: '/opt/old/n' },
  { kind: 'C', path: '/srv' },
  { kind: 'A', path: '/srv/data' },
  { kind: 'A', path: '/srv/data/deep' },
  { kind: 'A', path: '/srv/data/deep/f' },
  { kind: 'C', path: '/usr' },
  { kind: 'C', path: '/usr/share' },
  { kind: 'C', path: '/usr/share/doc' },
  { kind: 'D', path: '/usr/share/doc/c' },
  { kind: 'A', path: '/usr/share/doc/readme' },
  { kind: 'C', path: '/var' },
  { kind: 'D', path: '/var/cache' },
];

let dataRoot: string;
const targets: string[] = [];

beforeEach(() => {
  dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-snap-'));
});
afterEach(() => {
  // A failed test must not leave a mount behind, nor delete through one.
  for (const t of targets.splice(0)) if (mounted(t)) execFileSync('umount', ['-l', t]);
  fs.rmSync(dataRoot, { recursive: true, force: true });
});

function mounted(target: string): boolean {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === target);
}

/** Unpacks layers into the store as a pull does; returns their ChainIDs, bottom first. */
async function addLayers(layers: TarEntry[][]): Promise<Digest[]> {
  const store = new LayerStore(dataRoot);
  await store.init();
  const tars = await Promise.all(layers.map((entries) => makeTar(entries)));
  const chains = chainIds(tars.map((t) => sha256(t)));
  for (const [i, tar] of tars.entries()) {
    const chainId = chains[i]!;
    if (await store.has(chainId)) continue;
    const p = await store.prepare();
    const stats = await unpackLayer(Readable.from([tar]), p.diff, { thread: 'here' });
    await p.commit({ chainId, diffId: sha256(tar), parent: chains[i - 1], size: stats.bytes, files: stats.files, created: T.toISOString() });
  }
  return chains;
}

/** Mounts a snapshot's root the way the container's init does, runs `fn` on it, unmounts. */
async function withRoot<T>(s: Snapshot, fn: (root: string) => T | Promise<T>): Promise<T> {
  const target = fs.mkdtempSync(path.join(dataRoot, 'rootfs-'));
  targets.push(target);
  const m = s.mounts[0]!;
  const args = m.type === 'bind' ? ['--rbind', m.source, target] : ['-t', m.type, '-o', m.options.join(','), m.source, target];
  execFileSync('mount', args, { cwd: m.cwd ?? '/' });
  try {
    return await fn(target);
  } finally {
    execFileSync('umount', [target]);
    fs.rmdirSync(target);
  }
}

/** Every entry of a tree with what a process inside could observe of it. */
function fingerprint(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const r = path.join(rel, name);
      const p = path.join(root, r);
      const st = fs.lstatSync(p, { bigint: true });
      const content = st.isFile() ? createHash('sha256').update(fs.readFileSync(p)).digest('hex').slice(0, 16) : st.isSymbolicLink() ? fs.readlinkSync(p) : '';
      const xattrs = llistxattr(p).filter((x) => !x.startsWith('trusted.overlay.')).map((x) => `${x}=${lgetxattr(p, x)?.toString()}`);
      // Node sets times in microseconds (utimes(2) takes a double), so a copy keeps them to the µs.
      // overlayfs cannot count a merged directory's links and says 1.
      const nlink = st.isDirectory() ? '-' : st.nlink;
      out.push([r, (st.mode & 0o177777n).toString(8), st.uid, st.gid, st.size, st.mtimeNs / 1000n, st.rdev, nlink, content, ...xattrs].join(' '));
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}

function layerPrints(chains: Digest[]): string[][] {
  const store = new LayerStore(dataRoot);
  return chains.map((c) => fingerprint(store.diffDir(c)));
}

describe.skipIf(!isRoot)('overlay snapshots (needs root: overlay mounts, whiteouts, trusted xattrs)', () => {
  it('the host can mount overlay here, and the check leaves nothing behind', async () => {
    expect(await overlaySupported({ dir: dataRoot, refresh: true })).toEqual({ ok: true });
    expect(fs.readdirSync(dataRoot)).toEqual([]);
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dataRoot);
  });

  it('mounts the image, takes writes into upperdir, and diffs them as docker diff does', async () => {
    const chains = await addLayers([base, middle, top]);
    const layersBefore = layerPrints(chains);
    const snap = openSnapshotter(dataRoot, 'overlay');
    const s = await snap.prepare('c1', chains);
    expect(s.mounts[0]!.options[0]).toMatch(/^lowerdir=l\/[0-9a-f]{16}:l\/[0-9a-f]{16}:l\/[0-9a-f]{16}$/);

    await withRoot(s, (root) => {
      // The image as the layers stack it: whiteouts, opaque directories and replacements applied.
      expect(fs.readFileSync(path.join(root, 'etc/motd'), 'utf8')).toBe('welcome to v3\n');
      expect(fs.existsSync(path.join(root, 'etc/hosts'))).toBe(false);
      expect(fs.readdirSync(path.join(root, 'usr/share/doc'))).toEqual(['c']);
      expect(fs.readFileSync(path.join(root, 'opt/old'), 'utf8')).toBe('now a file');
      edit(root);
    });

    const upper = s.upperdir!;
    const keep = fs.lstatSync(path.join(upper, 'etc/keep'));
    expect([keep.isCharacterDevice(), keep.rdev]).toEqual([true, 0]); // the kernel's whiteout
    expect(lgetxattr(path.join(upper, 'usr/share/doc'), 'trusted.overlay.opaque')?.toString()).toBe('y');
    expect(fs.readFileSync(path.join(upper, 'etc/motd'), 'utf8')).toBe('welcome to v3\nedited\n'); // copied up
    expect(fs.existsSync(path.join(upper, 'bin'))).toBe(false); // untouched: never copied

    expect(await snap.changes('c1')).toEqual(expected);
    const usage = await snap.usage('c1');
    expect(usage.size).toBeGreaterThanOrEqual('welcome to v3\nedited\n'.length + 'new'.length + 3);
    expect(usage.inodes).toBeGreaterThan(10);
    expect(layerPrints(chains)).toEqual(layersBefore);
  });

  it('gives two containers of one image separate writable layers over the same lowerdirs', async () => {
    const chains = await addLayers([base, top]);
    const layersBefore = layerPrints(chains);
    const snap = openSnapshotter(dataRoot, 'overlay');
    const a = await snap.prepare('a', chains);
    const b = await snap.prepare('b', chains);
    expect(a.lowerdirs).toEqual(b.lowerdirs);
    await withRoot(a, (ra) =>
      withRoot(b, (rb) => {
        fs.writeFileSync(path.join(ra, 'etc/motd'), 'a was here');
        fs.rmSync(path.join(ra, 'bin/sh'));
        expect(fs.readFileSync(path.join(rb, 'etc/motd'), 'utf8')).toBe('welcome to v3\n');
        expect(fs.readlinkSync(path.join(rb, 'bin/sh'))).toBe('busybox');
      }),
    );
    expect(await snap.changes('a')).toEqual([
      { kind: 'C', path: '/bin' },
      { kind: 'D', path: '/bin/sh' },
      { kind: 'C', path: '/etc' },
      { kind: 'C', path: '/etc/motd' },
    ]);
    expect(await snap.changes('b')).toEqual([]);
    expect(await snap.usage('b')).toEqual({ size: 0, inodes: 0 });
    expect(layerPrints(chains)).toEqual(layersBefore);
  });

  it('mounts an image of 60 layers, whose absolute lowerdirs would not fit in a page', async () => {
    const layers = Array.from({ length: 60 }, (_, i) => [{ name: `f${i}`, data: String(i) }]);
    const chains = await addLayers(layers);
    const store = new LayerStore(dataRoot);
    const absolute = () => overlayMount({ cwd: '/', lowerdirs: chains.map((c) => store.diffDir(c)).reverse(), upperdir: '/u', workdir: '/w' });
    expect(absolute).toThrow(/more than the kernel's/);
    const snap = openSnapshotter(dataRoot, 'overlay');
    const s = await snap.prepare('tall', chains);
    expect(s.mounts[0]!.options.join(',').length).toBeLessThanOrEqual(MOUNT_DATA_MAX);
    expect(s.lowerdirs).toHaveLength(60);
    await withRoot(s, (root) => {
      expect(fs.readdirSync(root)).toHaveLength(60);
      expect(fs.readFileSync(path.join(root, 'f0'), 'utf8')).toBe('0'); // the bottom layer is there
    });
  });

  it('refuses, before making anything, a stack whose options cannot fit', async () => {
    const chains = await addLayers(Array.from({ length: 230 }, (_, i) => [{ name: `f${i}`, data: String(i) }]));
    const snap = openSnapshotter(dataRoot, 'overlay');
    const err = await snap.prepare('too-tall', chains).catch((e: unknown) => e);
    expect(isSkiffError(err, 'UNSUPPORTED')).toBe(true);
    expect(await snap.get('too-tall')).toBeUndefined();
    expect(fs.existsSync(path.join(dataRoot, 'snapshots'))).toBe(false);
  });

  it('gives an image without layers an empty root to write to', async () => {
    const snap = openSnapshotter(dataRoot, 'overlay');
    const s = await snap.prepare('scratch', []);
    await withRoot(s, (root) => {
      expect(fs.readdirSync(root)).toEqual([]);
      fs.writeFileSync(path.join(root, 'hello'), 'hi');
    });
    expect(await snap.changes('scratch')).toEqual([{ kind: 'A', path: '/hello' }]);
    expect(await snap.usage('scratch')).toEqual({ size: 2, inodes: 1 });
  });

  it('remove() leaves nothing of the snapshot, and the layers as they were', async () => {
    const chains = await addLayers([base, middle]);
    const layersBefore = layerPrints(chains);
    const snap = openSnapshotter(dataRoot, 'overlay');
    const s = await snap.prepare('gone', chains);
    await withRoot(s, (root) => edit(root));
    await snap.remove('gone');
    expect(fs.readdirSync(path.join(dataRoot, 'snapshots'))).toEqual([]);
    expect(await snap.get('gone')).toBeUndefined();
    await snap.remove('gone'); // again: nothing to do
    expect(layerPrints(chains)).toEqual(layersBefore);
  });
});

describe.skipIf(!isRoot)('vfs snapshots against overlay (needs root: owners, devices, whiteouts, overlay mounts)', () => {
  it('makes the same tree as the overlay mount of the same layers', async () => {
    const chains = await addLayers([base, middle, top]);
    const vfs = await openSnapshotter(dataRoot, 'vfs').prepare('v', chains);
    const overlay = await openSnapshotter(dataRoot, 'overlay').prepare('o', chains);
    expect(vfs.mounts).toEqual([{ type: 'bind', source: vfs.dir, options: ['rbind'] }]);
    const copied = fingerprint(vfs.dir!);
    const merged = await withRoot(overlay, (root) => fingerprint(root));
    expect(copied).toEqual(merged);
    expect(copied.find((l) => l.startsWith('x/withattr '))).toContain('user.skiff=hello');
    expect(copied.find((l) => l.startsWith('bin/busybox '))?.split(' ')[1]).toBe('104755');
  });

  it('diffs the same edits the same way', async () => {
    const chains = await addLayers([base, middle, top]);
    const snap = openSnapshotter(dataRoot, 'vfs');
    const s = await snap.prepare('v', chains);
    expect(await snap.changes('v')).toEqual([]);
    await withRoot(s, (root) => edit(root)); // through the bind mount, as the container sees it
    expect(await snap.changes('v')).toEqual(expected);
    const usage = await snap.usage('v');
    expect(usage.size).toBe('welcome to v3\nedited\n'.length + 'new'.length + 'f'.length + 'r'.length + 'n'.length);
    await snap.remove('v');
    expect(fs.readdirSync(path.join(dataRoot, 'snapshots'))).toEqual([]);
  });

  it('refuses to diff a snapshot another driver made', async () => {
    const chains = await addLayers([top]);
    await openSnapshotter(dataRoot, 'vfs').prepare('v', chains);
    const err = await openSnapshotter(dataRoot, 'overlay').changes('v').catch((e: unknown) => e);
    expect(isSkiffError(err, 'CONFLICT')).toBe(true);
  });
});
