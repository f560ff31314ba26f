// A corpus of hostile layers. Each must be refused with UNSAFE_LAYER (or contained), and nothing
// may appear outside the layer directory: a sentinel directory beside it is checked every time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanEntryPath, classify } from '../../src/engine/unpack/paths.ts';
import { unpackInBothThreads } from '../helpers/worker-build.ts';
import { makeTar, type TarEntry } from '../helpers/tar.ts';

const isRoot = process.getuid?.() === 0;
// Both places the file writer can run: this thread, and the worker thread the bundle uses.
const { modes, unpack } = unpackInBothThreads();
let dir: string;
let dest: string;
let outside: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-evil-'));
  dest = path.join(dir, 'layer', 'diff');
  outside = path.join(dir, 'outside');
  fs.mkdirSync(dest, { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'passwd'), 'original');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function outsideUntouched(): void {
  expect(fs.readdirSync(outside)).toEqual(['passwd']);
  expect(fs.readFileSync(path.join(outside, 'passwd'), 'utf8')).toBe('original');
  expect(fs.readdirSync(dir).sort()).toEqual(['layer', 'outside']);
  expect(fs.readdirSync(path.join(dir, 'layer'))).toEqual(['diff']);
}

// `outside` seen from the layer directory: diff -> layer -> dir.
const up = '../../outside';

const corpus: [string, () => TarEntry[]][] = [
  ['a name climbing out with ..', () => [{ name: `${up}/passwd`, data: 'pwned' }]],
  ['.. hidden in the middle', () => [{ name: `a/../../../outside/passwd`, data: 'pwned' }]],
  ['a symlink to outside, then a file written through it', () => [
    { name: 'evil', type: 'symlink', linkname: () => outside },
    { name: 'evil/passwd', data: 'pwned' },
  ]],
  ['a relative symlink out, then a directory made through it', () => [
    { name: 'evil', type: 'symlink', linkname: up },
    { name: 'evil/newdir/', type: 'directory' },
  ]],
  ['a symlink to outside, then a whiteout through it', () => [
    { name: 'evil', type: 'symlink', linkname: () => outside },
    { name: 'evil/.wh.passwd', data: '' },
  ]],
  ['a symlink to outside, then an opaque marker through it', () => [
    { name: 'evil', type: 'symlink', linkname: () => outside },
    { name: 'evil/.wh..wh..opq', data: '' },
  ]],
  ['a hardlink to a file outside (with ..)', () => [{ name: 'stolen', type: 'link', linkname: `${up}/passwd` }]],
  ['a hardlink to an absolute host path', () => [{ name: 'stolen', type: 'link', linkname: () => path.join(outside, 'passwd') }]],
  ['a hardlink through a symlink that points out', () => [
    { name: 'evil', type: 'symlink', linkname: () => outside },
    { name: 'stolen', type: 'link', linkname: 'evil/passwd' },
  ]],
  ['a whiteout that names ..', () => [{ name: 'a/.wh...', data: '' }]],
  // A NUL cannot hide in a ustar name field (readers stop at it), but a PAX path record can carry one.
  ['a PAX path with a NUL byte', () => [{ name: 'a', data: 'x', pax: { path: 'a\u0000b' } }]],
  ['a PAX path climbing out', () => [{ name: 'innocent', data: 'x', pax: { path: `${up}/passwd` } }]],
].map(([n, f]) => [n as string, f as () => TarEntry[]]);

describe.skipIf(!isRoot).each(modes)('hostile layers (needs root: the corpus includes devices and xattrs) [writer: %s]', (mode) => {
  it.each(corpus)('%s: refused, nothing outside touched', async (_name, make) => {
    const entries = make().map((e) => ({ ...e, linkname: typeof e.linkname === 'function' ? (e.linkname as () => string)() : e.linkname }));
    const tar = await makeTar(entries);
    await expect(unpack(mode, Readable.from([tar]), dest)).rejects.toMatchObject({ code: 'UNSAFE_LAYER' });
    outsideUntouched();
  });

  it('a symlink that points outside is kept as data (it resolves inside the container at run time)', async () => {
    await unpack(mode, Readable.from([await makeTar([{ name: 'etc/alt', type: 'symlink', linkname: '/etc/passwd' }])]), dest);
    expect(fs.readlinkSync(path.join(dest, 'etc/alt'))).toBe('/etc/passwd');
    outsideUntouched();
  });

  it('a file replacing a symlink replaces the link, never writes through it', async () => {
    const tar = await makeTar([
      { name: 'evil', type: 'symlink', linkname: path.join(outside, 'passwd') },
      { name: 'evil', data: 'replaced' },
    ]);
    await unpack(mode, Readable.from([tar]), dest);
    expect(fs.lstatSync(path.join(dest, 'evil')).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(dest, 'evil'), 'utf8')).toBe('replaced');
    outsideUntouched();
  });
});

describe('entry paths (pure)', () => {
  it.each([
    ['etc/passwd', 'etc/passwd'], ['/etc/passwd', 'etc/passwd'], ['./a//b/', 'a/b'], ['a/b/../c', 'a/c'], ['./', ''],
  ])('%s -> %s', (name, rel) => expect(cleanEntryPath(name)).toBe(rel));

  it.each(['..', '../x', 'a/../../x', '/..', 'a\u0000'])('%j is refused', (name) => {
    expect(() => cleanEntryPath(name)).toThrow(expect.objectContaining({ code: 'UNSAFE_LAYER' }));
  });

  it('classifies whiteouts and opaque markers', () => {
    expect(classify('etc/.wh.motd')).toEqual({ kind: 'whiteout', rel: 'etc/motd' });
    expect(classify('.wh.x')).toEqual({ kind: 'whiteout', rel: 'x' });
    expect(classify('var/.wh..wh..opq')).toEqual({ kind: 'opaque', dir: 'var' });
    expect(classify('.wh..wh..opq')).toEqual({ kind: 'opaque', dir: '' });
    expect(classify('a/.wh..wh.plnk')).toEqual({ kind: 'ignore' });
    expect(classify('a/b')).toEqual({ kind: 'path', rel: 'a/b' });
  });
});
