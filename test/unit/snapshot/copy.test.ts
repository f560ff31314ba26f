// copyTree on plain files, directories, symlinks and hardlinks (what any user can make; owners,
// devices and layer markers are in test/integration/snapshot/copy.test.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSkiffError } from '../../../src/engine/errors.ts';
import { copyTree, devParts } from '../../../src/engine/snapshot/copy.ts';
import { makedev } from '../../../src/kernel/fs.ts';

let tmp: string;
let src: string;
let dst: string;
const T = new Date(1_600_000_000_000);

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-copy-'));
  src = path.join(tmp, 'src');
  dst = path.join(tmp, 'dst');
  fs.mkdirSync(src);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function put(rel: string, data: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
  fs.writeFileSync(path.join(src, rel), data, { mode });
  fs.chmodSync(path.join(src, rel), mode);
}

describe('copyTree', () => {
  it('copies contents, modes, times, symlinks as written and hardlinks as hardlinks', async () => {
    put('bin/tool', 'x'.repeat(100_000), 0o755);
    put('etc/secret', 's', 0o600);
    fs.linkSync(path.join(src, 'bin/tool'), path.join(src, 'bin/tool-again'));
    fs.symlinkSync('/etc/secret', path.join(src, 'etc/abs-link')); // absolute: must not be followed
    fs.symlinkSync('missing', path.join(src, 'etc/dangling'));
    fs.mkdirSync(path.join(src, 'tmp'), { mode: 0o1777 });
    fs.chmodSync(path.join(src, 'tmp'), 0o1777);
    fs.utimesSync(path.join(src, 'etc/secret'), T, T);
    fs.utimesSync(path.join(src, 'etc'), T, T);
    fs.chmodSync(src, 0o750);

    const stats = await copyTree(src, dst);
    const st = (p: string) => fs.lstatSync(path.join(dst, p));
    expect(fs.readFileSync(path.join(dst, 'bin/tool'), 'utf8')).toHaveLength(100_000);
    expect(st('bin/tool').mode & 0o7777).toBe(0o755);
    expect(st('etc/secret').mode & 0o7777).toBe(0o600);
    expect(st('tmp').mode & 0o7777).toBe(0o1777);
    expect(st('').mode & 0o7777).toBe(0o750); // the root takes the source root's mode
    expect(st('etc/secret').mtime.getTime()).toBe(T.getTime());
    expect(st('etc').mtime.getTime()).toBe(T.getTime()); // set after its entries were made
    expect(st('bin/tool-again').ino).toBe(st('bin/tool').ino);
    expect(st('bin/tool').ino).not.toBe(fs.lstatSync(path.join(src, 'bin/tool')).ino);
    expect(fs.readlinkSync(path.join(dst, 'etc/abs-link'))).toBe('/etc/secret');
    expect(fs.readlinkSync(path.join(dst, 'etc/dangling'))).toBe('missing');
    expect(stats.bytes).toBe(100_000 + 1);
  });

  it('fills an existing directory, replacing what is in the way but keeping directories', async () => {
    put('a/file', 'new');
    put('b', 'b is a file now');
    fs.mkdirSync(path.join(dst, 'a'), { recursive: true });
    fs.writeFileSync(path.join(dst, 'a/other'), 'stays');
    fs.mkdirSync(path.join(dst, 'b'));
    fs.writeFileSync(path.join(dst, 'b/inside'), 'goes');
    fs.symlinkSync(path.join(tmp, 'outside'), path.join(dst, 'a/file')); // never written through
    await copyTree(src, dst);
    expect(fs.readFileSync(path.join(dst, 'a/file'), 'utf8')).toBe('new');
    expect(fs.lstatSync(path.join(dst, 'a/file')).isFile()).toBe(true);
    expect(fs.existsSync(path.join(tmp, 'outside'))).toBe(false);
    expect(fs.readFileSync(path.join(dst, 'a/other'), 'utf8')).toBe('stays');
    expect(fs.readFileSync(path.join(dst, 'b'), 'utf8')).toBe('b is a file now');
  });

  it('refuses to copy a tree into itself', async () => {
    put('f', 'f');
    const err = await copyTree(src, path.join(src, 'sub')).catch((e: unknown) => e);
    expect(isSkiffError(err, 'USAGE')).toBe(true);
    expect(fs.readdirSync(src).sort()).toEqual(['f', 'sub']);
  });

  it('splits device numbers as makedev joins them', () => {
    for (const [major, minor] of [[1, 3], [8, 17], [259, 1_048_575], [4095, 255]] as const) {
      expect(devParts(Number(makedev(major, minor)))).toEqual({ major, minor });
    }
  });
});
