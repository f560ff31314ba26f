// Pulls from the real Distribution registry (Debian's docker-registry) into a temp data root:
// formats, platforms, the unpacked tree, shared layers, concurrency, rmi and OCI-layout readers.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainIds, type Digest } from '../../src/engine/digest.ts';
import { lgetxattr } from '../../src/kernel/fs.ts';
import { canRun, freshEngine, snapshot, startWorld, needs, type World } from '../helpers/world.ts';

let world: World;
beforeAll(async () => {
  if (canRun) world = await startWorld();
});
afterAll(async () => {
  await world?.stop();
});

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe.skipIf(!canRun)(`pull from the Distribution registry (${needs})`, () => {
  it('pulls a layered OCI image: every blob verified, each layer unpacked in overlay form', async () => {
    const { engine, root, events, dispose } = await freshEngine();
    try {
      const r = await engine.pull(`${world.registry.host}/layered:v1`);
      const built = world.pushed['layered:v1']!;
      expect(r.imageId).toBe(built.configDigest);
      expect(r.manifestDigest).toBe(built.manifestDigest);
      // Every blob in the store hashes to its name.
      const blobDir = path.join(root, 'oci/blobs/sha256');
      for (const f of fs.readdirSync(blobDir)) expect(sha(fs.readFileSync(path.join(blobDir, f)))).toBe(`sha256:${f}`);
      for (const l of built.layers) expect(fs.existsSync(path.join(blobDir, l.digest.slice(7)))).toBe(true);
      // One directory per ChainID.
      const chains = chainIds(built.layers.map((l) => l.diffId as Digest));
      const [l1, l2, l3] = chains.map((c) => engine.store.layers.diffDir(c));
      const st = (p: string) => fs.lstatSync(p);
      expect(fs.readFileSync(path.join(l1!, 'etc/motd'), 'utf8')).toBe('welcome\n');
      expect(st(path.join(l1!, 'bin/tool')).mode & 0o7777).toBe(0o4755);
      expect(st(path.join(l1!, 'bin/tool-again')).ino).toBe(st(path.join(l1!, 'bin/tool')).ino);
      expect(fs.readlinkSync(path.join(l1!, 'bin/sh'))).toBe('/bin/tool');
      expect([st(path.join(l1!, 'home/user')).uid, st(path.join(l1!, 'home/user')).mode & 0o777]).toEqual([1000, 0o750]);
      expect(st(path.join(l1!, 'home/user/.profile')).mtime.getTime()).toBe(1_650_000_000_000);
      expect(st(path.join(l1!, 'dev/null')).rdev).toBe(259);
      expect(st(path.join(l1!, 'run/pipe')).isFIFO()).toBe(true);
      expect(st(path.join(l1!, 'var/big')).size).toBe(600_000);
      expect(st(path.join(l2!, 'etc/motd')).isCharacterDevice()).toBe(true);
      expect(st(path.join(l2!, 'etc/motd')).rdev).toBe(0);
      expect(lgetxattr(path.join(l2!, 'usr/share/doc'), 'trusted.overlay.opaque')?.toString()).toBe('y');
      expect(fs.readFileSync(path.join(l3!, 'opt/app'), 'utf8')).toBe('v1');
      // What the learner sees.
      const [img] = await engine.images.list();
      expect(img!.repoTags).toEqual([`${world.registry.host}/layered:v1`]);
      expect(img!.repoDigests).toEqual([`${world.registry.host}/layered@${built.manifestDigest}`]);
      const phases = events.filter((e) => e.type === 'pull.layer').map((e) => e.type === 'pull.layer' && e.phase);
      expect(phases.filter((p) => p === 'complete')).toHaveLength(3);
      expect(events.filter((e) => e.type === 'http').map((e) => e.type === 'http' && e.step)).toEqual(['ping', 'manifest', 'config', 'blob', 'blob', 'blob']);
      expect(fs.readdirSync(path.join(root, 'ingest'))).toEqual([]);
      expect(fs.readdirSync(path.join(root, 'leases'))).toEqual([]);
    } finally {
      dispose();
    }
  });

  it('shares layers: the second image downloads only its own layer, and rmi keeps what the other uses', async () => {
    const { engine, events, dispose } = await freshEngine();
    try {
      await engine.pull(`${world.registry.host}/layered:v1`);
      events.length = 0;
      await engine.pull(`${world.registry.host}/layered:v2`);
      const layerEvents = events.filter((e) => e.type === 'pull.layer' && (e.phase === 'exists' || e.phase === 'complete'));
      expect(layerEvents.map((e) => e.type === 'pull.layer' && e.phase)).toEqual(expect.arrayContaining(['exists', 'complete']));
      expect(events.filter((e) => e.type === 'http' && e.step === 'blob')).toHaveLength(1);
      expect(await engine.store.layers.list()).toHaveLength(4); // base shared, 2 of v1's own, 1 of v2's
      const v1 = world.pushed['layered:v1']!;
      const report = await engine.images.remove(`${world.registry.host}/layered:v1`);
      expect(report[0]).toEqual({ Untagged: `${world.registry.host}/layered:v1` });
      expect(report).toContainEqual({ Deleted: v1.configDigest });
      const left = await engine.store.layers.list();
      expect(left).toHaveLength(2); // the shared base and v2's own
      expect(left.map((l) => l.chainId)).toContain(v1.layers[0]!.diffId);
      expect(await engine.store.content.has(v1.layers[0]!.digest as Digest)).toBe(true);
      expect(await engine.store.content.has(v1.layers[2]!.digest as Digest)).toBe(false);
      await engine.images.remove(`${world.registry.host}/layered:v2`);
      expect(await engine.store.layers.list()).toEqual([]);
      expect(await engine.store.content.list()).toEqual([]);
    } finally {
      dispose();
    }
  });

  it('chooses this host\'s platform from an index, skipping attestations; --platform picks another', async () => {
    const { engine, events, dispose } = await freshEngine();
    try {
      await engine.pull(`${world.registry.host}/multi:latest`, { platform: { os: 'linux', architecture: 'amd64' } });
      const chosen = events.find((e) => e.type === 'pull.manifest' && e.platforms);
      expect(chosen).toMatchObject({ chosen: 'linux/amd64', platforms: ['linux/amd64', 'linux/arm64/v8', 'unknown/unknown'] });
      await engine.pull(`${world.registry.host}/multi:arm`.replace(':arm', ':latest'), { platform: { os: 'linux', architecture: 'arm64' } });
      const { image } = await engine.images.resolve(`${world.registry.host}/multi:latest`);
      expect(image.config.architecture).toBe('arm64');
      const diff = engine.store.layers.diffDir(image.chainIds[0]!);
      expect(fs.readFileSync(path.join(diff, 'platform'), 'utf8')).toBe('linux/arm64/v8');
      // RepoDigests name the index, which is what the registry knows the tag by.
      expect(image.repoDigests).toEqual([`${world.registry.host}/multi@${world.multi.digest}`]);
      // The amd64 image lost its name and is dangling now, as with docker pull.
      expect((await engine.images.list({ dangling: true })).map((i) => i.config.architecture)).toEqual(['amd64']);
      await expect(engine.pull(`${world.registry.host}/multi:latest`, { platform: { os: 'linux', architecture: 's390x' } }))
        .rejects.toMatchObject({ code: 'NO_MATCHING_PLATFORM' });
    } finally {
      dispose();
    }
  });

  it('pulls Docker schema2 and uncompressed OCI layers, and says when an image is up to date', async () => {
    const { engine, dispose } = await freshEngine();
    try {
      const d = await engine.pull(`${world.registry.host}/dockerfmt`);
      expect(d.upToDate).toBe(false);
      expect((await engine.pull(`${world.registry.host}/dockerfmt`)).upToDate).toBe(true);
      await engine.pull(`${world.registry.host}/plain`);
      const { image } = await engine.images.resolve(`${world.registry.host}/plain`);
      expect(fs.readFileSync(path.join(engine.store.layers.diffDir(image.chainIds[0]!), 'uncompressed'), 'utf8')).toBe('tar');
      // By digest too, and `name@digest` resolves to the same image.
      const byDigest = await engine.pull(`${world.registry.host}/dockerfmt@${world.pushed['docker:latest']!.manifestDigest}`);
      expect(byDigest.imageId).toBe(d.imageId);
    } finally {
      dispose();
    }
  });

  it('refuses an image whose config lies about its layers, leaving the store as it was', async () => {
    const { engine, root, dispose } = await freshEngine();
    try {
      const before = snapshot(root);
      await expect(engine.pull(`${world.registry.host}/liar`)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
      expect(snapshot(root)).toEqual(before);
    } finally {
      dispose();
    }
  });

  it('two pulls of the same image at once share one download of each blob', async () => {
    const { engine, events, dispose } = await freshEngine();
    try {
      const ref = `${world.registry.host}/layered:v1`;
      const [a, b] = await Promise.all([engine.pull(ref), engine.pull(ref)]);
      expect(a.imageId).toBe(b.imageId);
      const blobGets = events.filter((e) => e.type === 'http' && e.step === 'blob').map((e) => e.type === 'http' && e.url);
      expect(new Set(blobGets).size).toBe(blobGets.length);
      expect(blobGets).toHaveLength(3);
    } finally {
      dispose();
    }
  });

  it('leaves an OCI image layout that skopeo and umoci can read', async () => {
    const { engine, root, dispose } = await freshEngine();
    try {
      await engine.pull(`${world.registry.host}/dockerfmt`);
      const name = `${world.registry.host}/dockerfmt:latest`;
      const info = JSON.parse(execFileSync('skopeo', ['inspect', `oci:${root}/oci:${name}`], { encoding: 'utf8' })) as { Layers: string[] };
      expect(info.Layers).toEqual(world.pushed['docker:latest']!.layers.map((l) => l.digest));
      const out = path.join(root, 'umoci-out');
      execFileSync('umoci', ['raw', 'unpack', '--image', `${root}/oci:${name}`, out], { stdio: 'ignore' });
      expect(fs.readFileSync(path.join(out, 'hello'), 'utf8')).toBe('from a schema2 image');
    } finally {
      dispose();
    }
  });

  it('says clearly when a tag or repository does not exist', async () => {
    const { engine, root, dispose } = await freshEngine();
    try {
      const before = snapshot(root);
      await expect(engine.pull(`${world.registry.host}/layered:nope`)).rejects.toThrow(/manifest for layered:nope not found/);
      await expect(engine.pull(`${world.registry.host}/nothing-here`)).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
      await expect(engine.pull('127.0.0.1:1/x')).rejects.toMatchObject({ code: 'NETWORK' });
      expect(snapshot(root)).toEqual(before);
    } finally {
      dispose();
    }
  });
});
