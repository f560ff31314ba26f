// The pull-through cache: ten students pull one image through Skiff's registry at the same moment,
// and the upstream (docker-registry, behind a logging proxy that counts what it is asked) serves
// each blob exactly once. Then the daemon-side half: `pull learner/app` with a registry mirror
// goes to the mirror first, and past a dead mirror to Docker Hub.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpExchangeEvent } from '../../../src/engine/events.ts';
import { type FaultProxy, startFaultProxy } from '../../helpers/faults.ts';
import { type Built, pushImage } from '../../helpers/push.ts';
import { freePort, type RunningRegistry, startDistribution } from '../../helpers/registry.ts';
import { startSkiffRegistry, type TestRegistry } from '../../helpers/skiff-registry.ts';
import { canRun, freshEngine, needs } from '../../helpers/world.ts';

describe.skipIf(!canRun)(`pull-through cache (${needs})`, () => {
  let upstream: RunningRegistry;
  let logged: FaultProxy;
  let cache: TestRegistry;
  let built: Built;
  beforeAll(async () => {
    upstream = await startDistribution();
    built = await pushImage(upstream.url, 'learner/app', 'v1', {
      layers: [
        { entries: [{ name: 'etc/', type: 'directory' }, { name: 'etc/motd', data: 'cached\n' }] },
        { entries: [{ name: 'big', data: randomBytes(4 << 20) }] },
        { entries: [{ name: 'small', data: 'x'.repeat(5000) }] },
      ],
    });
    logged = await startFaultProxy(upstream.url);
    // A slow upstream: every blob answer waits, so all ten requests surely overlap.
    logged.rules.push({ method: 'GET', path: /\/blobs\/sha256:/, action: { kind: 'delay', ms: 300 } });
    cache = await startSkiffRegistry({ proxy: { upstream: logged.url } });
  });
  afterAll(async () => {
    await cache?.stop();
    await logged?.stop();
    await upstream?.stop();
  });

  it('10 concurrent pulls of one image: each blob is fetched upstream once and streamed to all', async () => {
    const students = await Promise.all(Array.from({ length: 10 }, () => freshEngine()));
    try {
      const results = await Promise.all(students.map((s) => s.engine.pull(`${cache.host}/learner/app:v1`)));
      for (const r of results) {
        expect(r.manifestDigest).toBe(built.manifestDigest);
        expect(r.imageId).toBe(built.configDigest);
      }
      const blobGets = logged.requests.filter((r) => r.method === 'GET' && /\/blobs\/sha256:/.test(r.path));
      const perBlob = new Map<string, number>();
      for (const r of blobGets) perBlob.set(r.path, (perBlob.get(r.path) ?? 0) + 1);
      expect([...perBlob.keys()].sort()).toEqual([built.configDigest, ...built.layers.map((l) => l.digest)].map((d) => `/v2/learner/app/blobs/${d}`).sort());
      expect([...perBlob.values()]).toEqual([1, 1, 1, 1]);
      // The manifest too was asked for once, not ten times.
      expect(logged.requests.filter((r) => r.method === 'GET' && r.path.includes('/manifests/'))).toHaveLength(1);
      expect(cache.cache!.stats.blobDownloads).toBe(4);
      // A later pull is served from the cache alone.
      const before = logged.requests.length;
      const late = await freshEngine();
      try {
        expect((await late.engine.pull(`${cache.host}/learner/app:v1`)).manifestDigest).toBe(built.manifestDigest);
      } finally {
        late.dispose();
      }
      expect(logged.requests.slice(before).filter((r) => r.path.includes('/blobs/'))).toEqual([]);
    } finally {
      for (const s of students) s.dispose();
    }
  });

  it('refuses pushes: a pull-through cache takes none', async () => {
    const res = await fetch(`${cache.url}/v2/learner/app/blobs/uploads/`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect((await res.json() as { errors: { code: string }[] }).errors[0]!.code).toBe('UNSUPPORTED');
  });

  it('a missing image upstream is MANIFEST_UNKNOWN through the cache', async () => {
    const res = await fetch(`${cache.url}/v2/learner/nosuch/manifests/v1`);
    expect(res.status).toBe(404);
    expect((await res.json() as { errors: { code: string }[] }).errors[0]!.code).toBe('MANIFEST_UNKNOWN');
  });

  it('registry mirror: a Docker Hub name goes to the mirror first; a dead mirror is passed over', async () => {
    const s = await freshEngine();
    try {
      const r = await s.engine.pull('learner/app:v1', { mirrors: [cache.url] });
      expect(r.manifestDigest).toBe(built.manifestDigest);
      const hosts = new Set(s.events.filter((e): e is HttpExchangeEvent => e.type === 'http').map((e) => new URL(e.url).host));
      expect([...hosts]).toEqual([cache.host]);
      expect((await s.engine.images.resolve('learner/app:v1')).image.id).toBe(built.configDigest);
      // A mirror nobody answers: passed over for Docker Hub (unreachable here, so the pull fails —
      // but only after trying it, in that order).
      s.events.length = 0;
      const dead = `http://127.0.0.1:${await freePort()}`;
      await expect(s.engine.pull('learner/other:v1', { mirrors: [dead], attempts: 1 })).rejects.toThrow();
      const tried = [...new Set(s.events.filter((e): e is HttpExchangeEvent => e.type === 'http').map((e) => new URL(e.url).host))];
      expect(tried).toEqual([new URL(dead).host, 'registry-1.docker.io']);
    } finally {
      s.dispose();
    }
  });
});
