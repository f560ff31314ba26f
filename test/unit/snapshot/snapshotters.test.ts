// Both snapshotters on layers made by hand, with what any user can do: the directories and
// records they make, atomic prepare and remove, changes and usage from plain writes. (Mounting,
// whiteouts and opaque directories are in test/integration/snapshot/.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Digest, sha256 } from '../../../src/engine/digest.ts';
import { isSkiffError } from '../../../src/engine/errors.ts';
import { SnapshotDirs } from '../../../src/engine/snapshot/record.ts';
import { openSnapshotter } from '../../../src/engine/snapshot/snapshotter.ts';
import { LayerStore } from '../../../src/engine/store/layers.ts';

let dataRoot: string;
let store: LayerStore;

beforeEach(async () => {
  dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-snap-'));
  store = new LayerStore(dataRoot);
  await store.init();
});
afterEach(() => fs.rmSync(dataRoot, { recursive: true, force: true }));

/** A layer in the store holding `files` (relative path → content); its root gets `rootMode`. */
async function layer(name: string, files: Record<string, string>, rootMode = 0o755): Promise<Digest> {
  const chainId = sha256(name);
  const p = await store.prepare();
  for (const [rel, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(p.diff, rel)), { recursive: true });
    fs.writeFileSync(path.join(p.diff, rel), data);
  }
  fs.chmodSync(p.diff, rootMode);
  await p.commit({ chainId, diffId: chainId, size: 0, files: 0, created: new Date(0).toISOString() });
  return chainId;
}

const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const snapshotsDir = () => path.join(dataRoot, 'snapshots');

describe('overlay snapshotter', () => {
  it('makes an upperdir with the image root\'s mode, an empty workdir, and the mount as data', async () => {
    const bottom = await layer('bottom', { 'etc/motd': 'hi' });
    const top = await layer('top', { 'bin/sh': 'sh' }, 0o750);
    const snap = openSnapshotter(dataRoot, 'overlay');
    const s = await snap.prepare('c1', [bottom, top]);
    const dir = path.join(snapshotsDir(), 'c1');
    expect(s).toEqual({
      key: 'c1',
      driver: 'overlay',
      lowerdirs: [store.diffDir(top), store.diffDir(bottom)],
      upperdir: path.join(dir, 'upper'),
      workdir: path.join(dir, 'work'),
      mounts: [{
        type: 'overlay',
        source: 'overlay',
        options: [`lowerdir=l/${top.slice(7, 23)}:l/${bottom.slice(7, 23)}`, `upperdir=${dir}/upper`, `workdir=${dir}/work`, ...(fs.existsSync('/sys/module/overlay/parameters/index') ? ['index=off'] : [])],
        cwd: store.root,
      }],
    });
    expect(fs.statSync(s.upperdir!).mode & 0o7777).toBe(0o750);
    expect(fs.readdirSync(s.upperdir!)).toEqual([]);
    expect(fs.readdirSync(s.workdir!)).toEqual([]);
    expect(fs.readFileSync(path.join(store.root, `l/${bottom.slice(7, 23)}`, 'etc/motd'), 'utf8')).toBe('hi');
    expect(await snap.get('c1')).toEqual(s);
    expect(await snap.get('nope')).toBeUndefined();
    expect((await new SnapshotDirs(dataRoot).list()).map((r) => [r.key, r.driver, r.chainIds])).toEqual([['c1', 'overlay', [bottom, top]]]);
  });

  it('reads changes and usage from what lands in upperdir', async () => {
    const base = await layer('base', { 'etc/motd': 'hi', 'etc/hosts': 'h' });
    const snap = openSnapshotter(dataRoot, 'overlay');
    const s = await snap.prepare('c1', [base]);
    // What overlayfs would have put there: a copied-up file, a new one, and a hardlink to it.
    fs.mkdirSync(path.join(s.upperdir!, 'etc'));
    fs.writeFileSync(path.join(s.upperdir!, 'etc/motd'), 'changed');
    fs.mkdirSync(path.join(s.upperdir!, 'srv'));
    fs.writeFileSync(path.join(s.upperdir!, 'srv/data'), '12345');
    fs.linkSync(path.join(s.upperdir!, 'srv/data'), path.join(s.upperdir!, 'srv/again'));
    expect(await snap.changes('c1')).toEqual([
      { kind: 'C', path: '/etc' },
      { kind: 'C', path: '/etc/motd' },
      { kind: 'A', path: '/srv' },
      { kind: 'A', path: '/srv/again' },
      { kind: 'A', path: '/srv/data' },
    ]);
    expect(await snap.usage('c1')).toEqual({ size: 'changed'.length + 5, inodes: 4 });
  });

  it('gives an image without layers an empty lowerdir of its own', async () => {
    const s = await openSnapshotter(dataRoot, 'overlay').prepare('scratch', []);
    const empty = path.join(snapshotsDir(), 'scratch', 'empty');
    expect(s.lowerdirs).toEqual([empty]);
    expect(s.mounts[0]!.options[0]).toBe(`lowerdir=${empty}`);
    expect(fs.readdirSync(empty)).toEqual([]);
  });

  it('refuses a taken key, a bad key and a missing layer, leaving nothing half made', async () => {
    const base = await layer('base', { f: 'f' });
    const snap = openSnapshotter(dataRoot, 'overlay');
    await snap.prepare('c1', [base]);
    expect(isSkiffError(await errorOf(snap.prepare('c1', [base])), 'CONFLICT')).toBe(true);
    expect(isSkiffError(await errorOf(snap.prepare('../escape', [base])), 'USAGE')).toBe(true);
    expect(isSkiffError(await errorOf(snap.prepare('c2', [base, sha256('never pulled')])), 'STORE')).toBe(true);
    expect(isSkiffError(await errorOf(snap.changes('c2')), 'STORE')).toBe(true);
    expect(fs.readdirSync(snapshotsDir())).toEqual(['c1']);
  });

  it('removes by renaming away first, and sweeps what a dead process left', async () => {
    const base = await layer('base', { f: 'f' });
    const snap = openSnapshotter(dataRoot, 'overlay');
    fs.mkdirSync(snapshotsDir());
    fs.mkdirSync(path.join(snapshotsDir(), '.tmp-p99999999-dead'));
    fs.mkdirSync(path.join(snapshotsDir(), `.tmp-p${process.pid}-alive`));
    await snap.prepare('c1', [base]);
    expect(fs.readdirSync(snapshotsDir()).sort()).toEqual([`.tmp-p${process.pid}-alive`, 'c1']);
    await snap.remove('c1');
    await snap.remove('c1');
    expect(fs.readdirSync(snapshotsDir())).toEqual([`.tmp-p${process.pid}-alive`]);
    expect(await store.has(base)).toBe(true);
  });
});

describe('vfs snapshotter', () => {
  it('copies the layers bottom first into one tree, bound as the root', async () => {
    const bottom = await layer('bottom', { 'etc/motd': 'v1', 'etc/hosts': 'h' });
    const top = await layer('top', { 'etc/motd': 'v2', 'srv/app': 'app' }, 0o750);
    const snap = openSnapshotter(dataRoot, 'vfs');
    const s = await snap.prepare('v1', [bottom, top]);
    const dir = path.join(snapshotsDir(), 'v1', 'fs');
    expect(s).toEqual({ key: 'v1', driver: 'vfs', dir, lowerdirs: [store.diffDir(top), store.diffDir(bottom)], mounts: [{ type: 'bind', source: dir, options: ['rbind'] }] });
    expect(fs.readFileSync(path.join(dir, 'etc/motd'), 'utf8')).toBe('v2');
    expect(fs.readFileSync(path.join(dir, 'etc/hosts'), 'utf8')).toBe('h');
    expect(fs.statSync(dir).mode & 0o7777).toBe(0o750);
    expect(await snap.get('v1')).toEqual(s);
    expect(await snap.changes('v1')).toEqual([]);
    expect(await snap.usage('v1')).toEqual({ size: 0, inodes: 0 });

    fs.writeFileSync(path.join(dir, 'etc/motd'), 'edited');
    fs.rmSync(path.join(dir, 'srv'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'new'));
    fs.writeFileSync(path.join(dir, 'new/file'), '123');
    expect(await snap.changes('v1')).toEqual([
      { kind: 'C', path: '/etc' },
      { kind: 'C', path: '/etc/motd' },
      { kind: 'A', path: '/new' },
      { kind: 'A', path: '/new/file' },
      { kind: 'D', path: '/srv' },
    ]);
    // The container's own: the edited file, the new directory and file (the parent C too).
    expect(await snap.usage('v1')).toEqual({ size: 'edited'.length + 3, inodes: 4 });
    await snap.remove('v1');
    expect(fs.readdirSync(snapshotsDir())).toEqual([]);
  });

  it('leaves nothing when a copy fails half way', async () => {
    const good = await layer('good', { a: 'a' });
    const broken = await layer('broken', { b: 'b' });
    fs.rmSync(store.diffDir(broken), { recursive: true });
    const snap = openSnapshotter(dataRoot, 'vfs');
    expect(await errorOf(snap.prepare('v1', [good, broken]))).toBeInstanceOf(Error);
    expect(fs.readdirSync(snapshotsDir())).toEqual([]);
    expect(await snap.get('v1')).toBeUndefined();
  });
});
