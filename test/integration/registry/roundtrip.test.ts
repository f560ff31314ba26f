// Skiff pushes to its own registry and pulls back: same digests, the blobs the registry already
// has are skipped, a second repository gets its layers by cross-repository mount (seen in the
// `http` events), and a big blob goes up in PATCH chunks.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent, HttpExchangeEvent, PushLayerEvent } from '../../../src/engine/events.ts';
import { buildBaseImage } from '../../../src/engine/image/base.ts';
import { Pusher } from '../../../src/engine/image/push.ts';
import { pushImage } from '../../helpers/push.ts';
import { startSkiffRegistry, type TestRegistry } from '../../helpers/skiff-registry.ts';
import { freshEngine, isRoot } from '../../helpers/world.ts';

const http = (events: EngineEvent[]) => events.filter((e): e is HttpExchangeEvent => e.type === 'http');
const layers = (events: EngineEvent[]) => events.filter((e): e is PushLayerEvent => e.type === 'push.layer');

describe.skipIf(!isRoot)('push to and pull from Skiff\'s registry (needs root: pulls unpack layers)', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startSkiffRegistry();
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('a fixture pushed over the wire by hand is pulled back byte for byte', async () => {
    const built = await pushImage(reg.url, 'fixture/one', 'v1', { layers: [{ entries: [{ name: 'etc/', type: 'directory' }, { name: 'etc/motd', data: 'hi\n' }] }] });
    const b = await freshEngine();
    try {
      const r = await b.engine.pull(`${reg.host}/fixture/one:v1`);
      expect(r.manifestDigest).toBe(built.manifestDigest);
      expect(r.imageId).toBe(built.configDigest);
    } finally {
      b.dispose();
    }
  });

  it('push, pull back, equal digests; then a second repository mounts the layers; then nothing to send', async () => {
    const a = await freshEngine();
    const b = await freshEngine();
    try {
      await buildBaseImage(a.engine.store, `${reg.host}/learner/base:1`);
      const pusher = new Pusher(a.engine.store, a.engine.events);
      const first = await pusher.push(`${reg.host}/learner/base:1`);
      expect(first.blobs.map((x) => x.outcome).sort()).toEqual(['pushed', 'pushed']);
      expect(first.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
      const steps = http(a.events).map((e) => `${e.step} ${e.method} ${e.status}`);
      expect(steps).toContain('ping GET 200');
      expect(steps.filter((s) => s === 'check HEAD 404')).toHaveLength(2);
      expect(steps.filter((s) => s === 'upload PUT 201')).toHaveLength(2);
      expect(steps.at(-1)).toBe('manifest PUT 201');

      const pulled = await b.engine.pull(`${reg.host}/learner/base:1`);
      expect(pulled.manifestDigest).toBe(first.digest);
      expect(pulled.imageId).toBe((await a.engine.images.resolve(`${reg.host}/learner/base:1`)).image.id);

      // Another repository of the same registry: the layer comes by mount, no bytes sent.
      await a.engine.images.tag(`${reg.host}/learner/base:1`, `${reg.host}/learner/copy:1`);
      a.events.length = 0;
      const second = await pusher.push(`${reg.host}/learner/copy:1`);
      expect(second.digest).toBe(first.digest);
      const mount = http(a.events).filter((e) => e.step === 'mount');
      expect(mount.length).toBeGreaterThan(0);
      expect(mount[0]!.status).toBe(201);
      expect(new URL(mount[0]!.url).searchParams.get('from')).toBe('learner/base');
      expect(layers(a.events).filter((e) => e.phase === 'mounted').map((e) => `${e.kind} ${e.from}`).sort()).toEqual(['config learner/base', 'layer learner/base']);
      expect(http(a.events).filter((e) => e.method === 'PATCH' || (e.step === 'upload' && e.method === 'PUT'))).toEqual([]);

      // The same push again: HEAD finds everything, only the manifest is sent.
      a.events.length = 0;
      const third = await pusher.push(`${reg.host}/learner/copy:1`);
      expect(third.blobs.every((x) => x.outcome === 'exists')).toBe(true);
      expect(http(a.events).filter((e) => e.step === 'upload' || e.step === 'mount')).toEqual([]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('a big blob goes up in PATCH chunks with Content-Range, and comes back whole', async () => {
    const a = await freshEngine();
    const b = await freshEngine();
    try {
      // Random bytes do not compress: the layer blob is ~3 MiB, sent as 1 MiB chunks.
      const built = await pushImage(reg.url, 'scratch/big', 'src', { layers: [{ entries: [{ name: 'big', data: randomBytes(5 << 19) }] }] });
      await a.engine.pull(`${reg.host}/scratch/big:src`);
      await a.engine.images.tag(`${reg.host}/scratch/big:src`, `${reg.host}/chunked/big:1`);
      // Unlinked from the first repository's point of view: a new repository, and no mount source
      // (the name it was pulled by is the same registry, so force the upload by pushing elsewhere).
      const pusher = new Pusher(a.engine.store, a.engine.events);
      a.events.length = 0;
      await a.engine.images.remove(`${reg.host}/scratch/big:src`);
      const r = await pusher.push(`${reg.host}/chunked/big:1`, { chunkSize: 1 << 20 });
      const big = r.blobs.find((x) => x.digest === built.layers[0]!.digest)!;
      expect(big).toMatchObject({ outcome: 'pushed', chunks: 3 });
      const patches = http(a.events).filter((e) => e.method === 'PATCH');
      expect(patches.map((e) => e.status)).toEqual([202, 202, 202]);
      expect(layers(a.events).find((e) => e.phase === 'pushed' && e.digest === big.digest)?.upload).toEqual({ mode: 'chunked', chunks: 3 });
      const pulled = await b.engine.pull(`${reg.host}/chunked/big:1`);
      expect(pulled.manifestDigest).toBe(built.manifestDigest);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});

describe.skipIf(!isRoot)('the embedded default registry (needs root: pulls unpack layers)', () => {
  it('is seeded with the offline busybox, the same digests each time, and a pulled busybox runs sh', async () => {
    const { seedRegistry } = await import('../../../src/registry/seed.ts');
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-seed-'));
    const a = await freshEngine();
    try {
      const one = await seedRegistry(root);
      const two = await seedRegistry(root);
      expect(two.digest).toBe(one.digest);
      expect(one).toMatchObject({ repository: 'library/busybox', tag: 'latest' });
      const reg = await startSkiffRegistry({ root });
      try {
        const r = await a.engine.pull(`${reg.host}/library/busybox`);
        expect(r.manifestDigest).toBe(one.digest);
        const { image } = await a.engine.images.resolve(`${reg.host}/library/busybox`);
        expect(image.config.config?.Cmd).toEqual(['sh']);
        expect(fs.existsSync(path.join(a.engine.store.layers.diffDir(image.chainIds[0]!), 'bin/sh'))).toBe(true);
      } finally {
        await reg.stop();
      }
    } finally {
      a.dispose();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
