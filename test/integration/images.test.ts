// Images without a registry: import of a rootfs tarball, the offline base image, tag, rmi, prune,
// system df — on a temp data root.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildBaseImage, collectBaseRootfs, isStaticElf } from '../../src/engine/image/base.ts';
import { importImage } from '../../src/engine/image/import.ts';
import { makeTar } from '../helpers/tar.ts';
import { freshEngine, isRoot } from '../helpers/world.ts';

const haveStaticBusybox = (() => {
  try {
    return isStaticElf(fs.readFileSync('/bin/busybox'));
  } catch {
    return false;
  }
})();

describe.skipIf(!isRoot)('images made offline (needs root: layers keep owners and devices)', () => {
  it('imports a gzip or plain rootfs tarball as a one-layer image, with --change config', async () => {
    const { engine, root, dispose } = await freshEngine();
    try {
      const tar = await makeTar([{ name: 'bin/', type: 'directory' }, { name: 'bin/hello', data: 'hi', mode: 0o755 }]);
      const a = await importImage(engine.store, Readable.from([gzipSync(tar)]), 'mine/app:1', { config: { Cmd: ['/bin/hello'] } });
      const b = await importImage(engine.store, Readable.from([tar]), 'mine/app:2', { config: { Cmd: ['/bin/hello'] } });
      // Same content, same config apart from the creation time: same layer, shared on disk.
      expect(await engine.store.layers.list()).toHaveLength(1);
      const { image } = await engine.images.resolve('mine/app:1');
      expect(image.id).toBe(a.imageId);
      expect(image.config.config?.Cmd).toEqual(['/bin/hello']);
      expect(image.repoTags).toEqual(['mine/app:1']);
      expect(fs.readFileSync(path.join(engine.store.layers.diffDir(image.chainIds[0]!), 'bin/hello'), 'utf8')).toBe('hi');
      expect(b.imageId).not.toBe(a.imageId);
      // The layout is readable by skopeo.
      const info = JSON.parse(execFileSync('skopeo', ['inspect', `oci:${root}/oci:docker.io/mine/app:1`], { encoding: 'utf8' })) as { Layers: string[] };
      expect(info.Layers).toEqual(image.manifest.layers.map((l) => l.digest));
    } finally {
      dispose();
    }
  });

  it('refuses archives it cannot read, leaving nothing behind', async () => {
    const { engine, root, dispose } = await freshEngine();
    try {
      const { snapshot } = await import('../helpers/world.ts');
      const before = snapshot(root);
      await expect(importImage(engine.store, Readable.from([Buffer.alloc(0)]), 'x')).rejects.toThrow(/empty/);
      await expect(importImage(engine.store, Readable.from([Buffer.from('BZh91AY&SY')]), 'x')).rejects.toThrow(/bzip2/);
      await expect(importImage(engine.store, Readable.from([Buffer.from('not a tar archive, clearly'.repeat(50))]), 'x')).rejects.toMatchObject({ code: 'LAYER_FORMAT' });
      const evil = await makeTar([{ name: '../escape', data: 'x' }]);
      await expect(importImage(engine.store, Readable.from([evil]), 'x')).rejects.toMatchObject({ code: 'UNSAFE_LAYER' });
      expect(snapshot(root)).toEqual(before);
    } finally {
      dispose();
    }
  });

  it.skipIf(!haveStaticBusybox)('builds a busybox base image from the host (busybox-static)', async () => {
    const { engine, dispose } = await freshEngine();
    try {
      const r = await buildBaseImage(engine.store);
      expect(r.kind).toBe('busybox-static');
      const { image } = await engine.images.resolve('busybox');
      const diff = engine.store.layers.diffDir(image.chainIds[0]!);
      expect(fs.readlinkSync(path.join(diff, 'bin/sh'))).toBe('/bin/busybox');
      expect(fs.lstatSync(path.join(diff, 'tmp')).mode & 0o7777).toBe(0o1777);
      expect(fs.readFileSync(path.join(diff, 'etc/passwd'), 'utf8')).toMatch(/^root:x:0:0:/);
      // The busybox inside really runs (chroot into the unpacked layer).
      expect(execFileSync('chroot', [diff, '/bin/sh', '-c', 'echo hello from $(basename $0)'], { encoding: 'utf8' })).toBe('hello from sh\n');
      // Same host, same bytes: building again gives the same layer.
      const again = await buildBaseImage(engine.store, 'busybox:again');
      expect((await engine.images.resolve('busybox:again')).image.chainIds).toEqual(image.chainIds);
      expect(again.kind).toBe('busybox-static');
    } finally {
      dispose();
    }
  });

  it('falls back to the host\'s /bin/sh and its libraries without a static busybox', () => {
    const r = collectBaseRootfs('/nonexistent/busybox');
    expect(r.kind).toBe('host-tools');
    const names = r.entries.map((e) => e.name);
    expect(names).toContain('bin/sh');
    expect(names.some((n) => /^lib.*\/ld-linux|^lib64\/ld-linux/.test(n))).toBe(true);
  });

  it('tag, rmi (by name, by ID, forced), dangling images and prune, system df', async () => {
    const { engine, dispose } = await freshEngine();
    try {
      const tar = await makeTar([{ name: 'f', data: 'one' }]);
      const { imageId } = await importImage(engine.store, Readable.from([tar]), 'one:latest');
      await engine.images.tag('one', 'two:1.0');
      await engine.images.tag(imageId.slice(7, 19), 'registry.example:5000/three:x');
      expect((await engine.images.resolve('one')).image.repoTags).toEqual(['one:latest', 'registry.example:5000/three:x', 'two:1.0']);
      await expect(engine.images.remove(imageId.slice(7, 15))).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await engine.images.remove('two:1.0')).toEqual([{ Untagged: 'two:1.0' }]);
      await expect(engine.images.resolve('nope')).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND', message: 'No such image: nope' });
      await expect(engine.images.tag('one', 'bad name')).rejects.toMatchObject({ code: 'INVALID_REFERENCE' });
      const df = await engine.images.df();
      expect(df.images).toMatchObject({ total: 1, size: 3 });
      const forced = await engine.images.remove(imageId.slice(7, 15), { force: true });
      expect(forced.filter((r) => 'Untagged' in r)).toHaveLength(2);
      expect(forced).toContainEqual({ Deleted: imageId });
      expect(await engine.store.layers.list()).toEqual([]);
      // A name moved to a new image leaves the old one dangling until prune.
      await importImage(engine.store, Readable.from([tar]), 'app:latest', { config: { Cmd: ['a'] } });
      await importImage(engine.store, Readable.from([tar]), 'app:latest', { config: { Cmd: ['b'] } });
      expect(await engine.images.list({ dangling: true })).toHaveLength(1);
      const pruned = await engine.images.prune();
      expect(pruned.deleted).toHaveLength(1);
      expect((await engine.images.list()).map((i) => i.repoTags)).toEqual([['app:latest']]);
      expect(await engine.store.layers.list()).toHaveLength(1); // still used by app:latest
    } finally {
      dispose();
    }
  });
});
