// `docker diff` logic on in-memory trees: the image's merged view (whiteouts, opaque directories,
// files over directories), the overlay upperdir walk, and the vfs manifest comparison.
import { describe, expect, it } from 'vitest';
import { completeChanges } from '../../../src/engine/snapshot/changes.ts';
import { LowerView } from '../../../src/engine/snapshot/lower-view.ts';
import { diffManifests, type Manifest, type ManifestEntry } from '../../../src/engine/snapshot/manifest.ts';
import { overlayChanges } from '../../../src/engine/snapshot/overlay-changes.ts';
import type { EntryInfo, TreeReader } from '../../../src/engine/snapshot/tree.ts';

type Node = Partial<EntryInfo> & { type: EntryInfo['type']; opaque?: boolean; link?: string };

const dir = (meta: Partial<Node> = {}): Node => ({ type: 'dir', mode: 0o755, ...meta });
const opaque = (meta: Partial<Node> = {}): Node => dir({ opaque: true, ...meta });
const file = (size = 1, meta: Partial<Node> = {}): Node => ({ type: 'file', mode: 0o644, size, ...meta });
const whiteout = (): Node => ({ type: 'char', mode: 0, rdev: 0 });

/** A file system held in a map of absolute paths; parents are directories unless given. */
function fakeTree(nodes: Record<string, Node>): TreeReader {
  const all = new Map<string, Node>(Object.entries(nodes));
  for (const p of Object.keys(nodes)) {
    for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) if (!all.has(p.slice(0, i))) all.set(p.slice(0, i), dir());
  }
  let ino = 0;
  const inodes = new Map<string, string>();
  return {
    stat(p) {
      const n = all.get(p);
      if (!n) return undefined;
      if (!inodes.has(p)) inodes.set(p, `1:${++ino}`);
      return { mode: 0o644, uid: 0, gid: 0, size: 0, mtimeNs: 0n, rdev: 0, nlink: 1, inode: inodes.get(p)!, ...n };
    },
    list(p) {
      if (all.get(p)?.type !== 'dir') throw Object.assign(new Error(`ENOTDIR: ${p}`), { code: 'ENOTDIR' });
      return [...all.keys()].filter((k) => k.slice(0, k.lastIndexOf('/')) === p).map((k) => k.slice(k.lastIndexOf('/') + 1));
    },
    opaque: (p) => all.get(p)?.opaque === true,
    readlink: (p) => all.get(p)?.link ?? '',
  };
}

// Two layers, top first: /l2 over /l1, each a directory in overlay form.
const image = {
  '/l1/etc/motd': file(8),
  '/l1/etc/hosts': file(20),
  '/l1/usr/doc/a': file(),
  '/l1/usr/doc/b': file(),
  '/l1/opt/old/file': file(),
  '/l1/var/cache/x/y': file(),
  '/l1/bin/sh': file(),
  '/l2/etc/hosts': whiteout(),
  '/l2/usr/doc': opaque(),
  '/l2/usr/doc/c': file(),
  '/l2/opt/old': file(10),
  '/l2/bin': dir({ mode: 0o700 }),
};
const layers = ['/l2', '/l1'];

describe('the image as its layers stack it (LowerView)', () => {
  const view = new LowerView(layers, fakeTree(image));

  it('takes each name from the topmost layer that has it', () => {
    expect(view.entry('opt/old')?.size).toBe(10);
    expect(view.entry('etc/motd')?.size).toBe(8);
    expect(view.entry('bin')?.mode).toBe(0o700);
  });

  it('hides a name below a whiteout, and everything below an opaque directory', () => {
    expect(view.entry('etc/hosts')).toBeUndefined();
    expect(view.children('etc')).toEqual(['motd']);
    expect(view.entry('usr/doc/a')).toBeUndefined();
    expect(view.children('usr/doc')).toEqual(['c']);
    expect(view.layersOf('usr/doc')).toEqual(['/l2']);
    expect(view.layersOf('etc')).toEqual(['/l2', '/l1']);
  });

  it('lets a file replace a directory of a lower layer', () => {
    expect(view.entry('opt/old')?.type).toBe('file');
    expect(view.entry('opt/old/file')).toBeUndefined();
    expect(view.layersOf('opt/old')).toBeUndefined();
    expect(view.children('opt/old')).toEqual([]);
  });

  it('merges every layer at the root', () => {
    expect(view.children('').sort()).toEqual(['bin', 'etc', 'opt', 'usr', 'var']);
  });
});

const changes = (upper: Record<string, Node>) => overlayChanges('/up', layers, fakeTree({ ...image, '/up': dir(), ...upper }));

describe('overlay changes, read from the upperdir', () => {
  it('reports nothing for an empty upperdir', () => {
    expect(changes({})).toEqual([]);
  });

  it('lists a whiteout of an image file as D, with its directory as C', () => {
    expect(changes({ '/up/etc/motd': whiteout() })).toEqual([
      { kind: 'C', path: '/etc' },
      { kind: 'D', path: '/etc/motd' },
    ]);
  });

  it('ignores a whiteout of a name the image does not show', () => {
    expect(changes({ '/up/etc/hosts': whiteout() })).toEqual([]);
  });

  it('lists a copied-up file as C and a new one as A, everything inside a new directory as A', () => {
    expect(changes({ '/up/etc/motd': file(9), '/up/srv/data/f': file() })).toEqual([
      { kind: 'C', path: '/etc' },
      { kind: 'C', path: '/etc/motd' },
      { kind: 'A', path: '/srv' },
      { kind: 'A', path: '/srv/data' },
      { kind: 'A', path: '/srv/data/f' },
    ]);
  });

  it('lists a copied-up directory only when its mode or owner changed or something inside did', () => {
    expect(changes({ '/up/var/cache/x': dir() })).toEqual([]); // copied up, nothing changed
    expect(changes({ '/up/var/cache/x': dir({ mode: 0o700 }) })).toEqual([
      { kind: 'C', path: '/var' },
      { kind: 'C', path: '/var/cache' },
      { kind: 'C', path: '/var/cache/x' },
    ]);
    expect(changes({ '/up/bin': dir({ mode: 0o700, uid: 1000 }) })).toEqual([{ kind: 'C', path: '/bin' }]);
  });

  it('turns what an opaque upper directory hides into deletions', () => {
    // rm -rf /usr/doc; mkdir -p /usr/doc/new: overlayfs leaves no whiteout for c, only the opaque flag.
    expect(changes({ '/up/usr/doc': opaque(), '/up/usr/doc/new': file() })).toEqual([
      { kind: 'C', path: '/usr' },
      { kind: 'C', path: '/usr/doc' },
      { kind: 'D', path: '/usr/doc/c' },
      { kind: 'A', path: '/usr/doc/new' },
    ]);
    // The name made again is changed, not added: the image had it too.
    expect(changes({ '/up/usr/doc': opaque(), '/up/usr/doc/c': file(5) })).toEqual([
      { kind: 'C', path: '/usr' },
      { kind: 'C', path: '/usr/doc' },
      { kind: 'C', path: '/usr/doc/c' },
    ]);
  });

  it('hides the image below every directory inside an opaque one', () => {
    expect(changes({ '/up/var': opaque(), '/up/var/cache': dir(), '/up/var/cache/x': dir() })).toEqual([
      { kind: 'C', path: '/var' },
      { kind: 'C', path: '/var/cache' },
      { kind: 'C', path: '/var/cache/x' },
      { kind: 'D', path: '/var/cache/x/y' },
    ]);
  });

  it('lists a directory made where the image has a file as C, its contents as A', () => {
    expect(changes({ '/up/opt/old': opaque(), '/up/opt/old/n': file() })).toEqual([
      { kind: 'C', path: '/opt' },
      { kind: 'C', path: '/opt/old' },
      { kind: 'A', path: '/opt/old/n' },
    ]);
  });

  it('sorts by path byte by byte, as Go compares strings', () => {
    expect(changes({ '/up/etc/a-b': file(), '/up/etc/a/b': file(), '/up/etc/a.txt': file(), '/up/etc/Z': file() }).map((c) => c.path)).toEqual([
      '/etc',
      '/etc/Z',
      '/etc/a',
      '/etc/a-b',
      '/etc/a.txt',
      '/etc/a/b',
    ]);
  });
});

describe('vfs changes, from the manifest made at prepare', () => {
  const e = (type: ManifestEntry['type'], meta: Partial<ManifestEntry> = {}): ManifestEntry => ({ type, mode: type === 'dir' ? 0o755 : 0o644, uid: 0, gid: 0, size: 0, mtimeNs: 1n, rdev: 0, ...meta });
  const before: Manifest = new Map([
    ['etc', e('dir')],
    ['etc/motd', e('file', { size: 8 })],
    ['etc/keep', e('file')],
    ['var', e('dir')],
    ['var/cache', e('dir')],
    ['var/cache/y', e('file')],
    ['bin', e('dir')],
    ['bin/sh', e('symlink', { link: 'busybox' })],
    ['opt', e('dir')],
    ['opt/old', e('dir')],
    ['opt/old/file', e('file')],
  ]);
  const after = (edit: (m: Manifest) => void) => {
    const m = new Map(before);
    edit(m);
    return diffManifests(before, m);
  };

  it('reports nothing for an untouched tree, whatever happened to directory times and sizes', () => {
    expect(after(() => {})).toEqual([]);
    expect(after((m) => m.set('etc', e('dir', { mtimeNs: 99n, size: 8192 })))).toEqual([]);
  });

  it('lists the top of a deleted tree only', () => {
    expect(after((m) => ['var/cache', 'var/cache/y'].forEach((p) => m.delete(p)))).toEqual([
      { kind: 'C', path: '/var' },
      { kind: 'D', path: '/var/cache' },
    ]);
  });

  it('compares files by mode, owner, size, mtime and link target', () => {
    expect(after((m) => m.set('etc/motd', e('file', { size: 8, mtimeNs: 2n })))).toEqual([
      { kind: 'C', path: '/etc' },
      { kind: 'C', path: '/etc/motd' },
    ]);
    expect(after((m) => m.set('bin/sh', e('symlink', { link: 'dash' })))).toEqual([
      { kind: 'C', path: '/bin' },
      { kind: 'C', path: '/bin/sh' },
    ]);
    expect(after((m) => m.set('etc/keep', e('file', { uid: 1000 })))).toHaveLength(2);
  });

  it('lists a type change as C: the old contents are not listed, the new ones are added', () => {
    expect(after((m) => {
      m.delete('opt/old/file');
      m.set('opt/old', e('file'));
    })).toEqual([
      { kind: 'C', path: '/opt' },
      { kind: 'C', path: '/opt/old' },
    ]);
    expect(after((m) => {
      m.set('etc/keep', e('dir'));
      m.set('etc/keep/n', e('file'));
    })).toEqual([
      { kind: 'C', path: '/etc' },
      { kind: 'C', path: '/etc/keep' },
      { kind: 'A', path: '/etc/keep/n' },
    ]);
  });
});

describe('completeChanges', () => {
  it('adds every parent directory once, as C unless listed otherwise', () => {
    expect(completeChanges([
      { kind: 'A', rel: 'a/b/new' },
      { kind: 'A', rel: 'a/b/new/x' },
      { kind: 'D', rel: 'a/c' },
    ])).toEqual([
      { kind: 'C', path: '/a' },
      { kind: 'C', path: '/a/b' },
      { kind: 'A', path: '/a/b/new' },
      { kind: 'A', path: '/a/b/new/x' },
      { kind: 'D', path: '/a/c' },
    ]);
  });
});
