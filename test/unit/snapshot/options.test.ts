// The overlay mount as data: option strings, short layer links, the page limit.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../../src/engine/digest.ts';
import { isSkiffError } from '../../../src/engine/errors.ts';
import { ensureLayerLink, linkTarget } from '../../../src/engine/snapshot/links.ts';
import { MOUNT_DATA_MAX, overlayMount } from '../../../src/engine/snapshot/options.ts';
import { listsOverlay } from '../../../src/engine/snapshot/supported.ts';

describe('overlayMount', () => {
  it('lists lowerdirs top first, then upperdir and workdir, with the working directory', () => {
    expect(overlayMount({ cwd: '/d/layers', lowerdirs: ['l/top', 'l/bottom'], upperdir: '/d/s/c1/upper', workdir: '/d/s/c1/work' })).toEqual({
      type: 'overlay',
      source: 'overlay',
      options: ['lowerdir=l/top:l/bottom', 'upperdir=/d/s/c1/upper', 'workdir=/d/s/c1/work'],
      cwd: '/d/layers',
    });
    expect(overlayMount({ cwd: '/d', lowerdirs: ['l/a'], upperdir: '/u', workdir: '/w', indexOff: true }).options.at(-1)).toBe('index=off');
  });

  it('fits 128 short links (Docker\'s layer limit) in a page, and refuses what does not fit', () => {
    const short = (n: number) => Array.from({ length: n }, (_, i) => `l/${sha256(String(i)).slice(7, 23)}`);
    const upper = `/var/lib/skiff/snapshots/${'f'.repeat(64)}/upper`;
    const m = overlayMount({ cwd: '/var/lib/skiff/layers', lowerdirs: short(128), upperdir: upper, workdir: upper.replace(/upper$/, 'work') });
    expect(m.options.join(',').length).toBeLessThanOrEqual(MOUNT_DATA_MAX);
    const tooMany = () => overlayMount({ cwd: '/', lowerdirs: short(220), upperdir: upper, workdir: upper });
    expect(tooMany).toThrow(/220 layers: its overlay mount options take \d+ bytes, more than the kernel's 4095/);
    try {
      tooMany();
    } catch (e) {
      expect(isSkiffError(e, 'UNSUPPORTED') && e.hint).toMatch(/vfs/);
    }
  });

  it('counts bytes, not characters', () => {
    const lower = `/${'é'.repeat(2040)}`; // 4081 bytes, 2041 characters
    expect(() => overlayMount({ cwd: '/', lowerdirs: [lower], upperdir: '/u', workdir: '/w' })).toThrow(/more than the kernel's/);
  });

  it('refuses paths with the separators of the option string', () => {
    for (const bad of ['/data,root', '/data:root', '/data\\root']) {
      let err: unknown;
      try {
        overlayMount({ cwd: '/', lowerdirs: ['l/a'], upperdir: `${bad}/upper`, workdir: '/w' });
      } catch (e) {
        err = e;
      }
      expect(isSkiffError(err, 'UNSUPPORTED') && err.hint).toMatch(/--data-root/);
    }
  });
});

describe('short layer links', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-links-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('names a layer by the start of its ChainID and points at its diff, relatively', async () => {
    const c = sha256('layer');
    const rel = await ensureLayerLink(root, c);
    expect(rel).toBe(`l/${c.slice(7, 23)}`);
    expect(fs.readlinkSync(path.join(root, rel))).toBe(`../${c.slice(7)}/diff`);
    fs.mkdirSync(path.join(root, c.slice(7), 'diff'), { recursive: true });
    fs.writeFileSync(path.join(root, c.slice(7), 'diff', 'hello'), 'hi');
    expect(fs.readFileSync(path.join(root, rel, 'hello'), 'utf8')).toBe('hi');
  });

  it('is safe to repeat and to race', async () => {
    const c = sha256('layer');
    const all = await Promise.all([1, 2, 3, 4].map(() => ensureLayerLink(root, c)));
    expect(new Set(all).size).toBe(1);
    expect(await ensureLayerLink(root, c)).toBe(all[0]);
    expect(fs.readdirSync(path.join(root, 'l'))).toHaveLength(1);
  });

  it('moves to a longer name when the short one belongs to another layer', async () => {
    const c = sha256('layer');
    fs.mkdirSync(path.join(root, 'l'));
    fs.symlinkSync(linkTarget(sha256('other')), path.join(root, 'l', c.slice(7, 23)));
    expect(await ensureLayerLink(root, c)).toBe(`l/${c.slice(7, 31)}`);
  });
});

describe('listsOverlay', () => {
  it('reads /proc/filesystems', () => {
    expect(listsOverlay('nodev\tsysfs\nnodev\ttmpfs\n\text4\nnodev\toverlay\n')).toBe(true);
    expect(listsOverlay('nodev\tsysfs\n\text4\nnodev\toverlayfs-not\n')).toBe(false);
  });
});
