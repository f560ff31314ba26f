// Skiff's registry and the real ones interoperate both ways:
//  - skopeo (containers/image, another registry client altogether) copies an image into Skiff's
//    registry from an OCI layout, and back out of it into another layout, digests unchanged;
//  - Skiff pushes to Debian's `docker-registry` (Distribution 2.8) and pulls back from it;
//  - and the same fixture bytes pushed to both registries answer with the same digests.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpExchangeEvent } from '../../../src/engine/events.ts';
import { buildBaseImage } from '../../../src/engine/image/base.ts';
import { Pusher } from '../../../src/engine/image/push.ts';
import { type RunningRegistry, startDistribution, which } from '../../helpers/registry.ts';
import { startSkiffRegistry, type TestRegistry } from '../../helpers/skiff-registry.ts';
import { canRun, freshEngine, needs } from '../../helpers/world.ts';

const run = promisify(execFile);
const haveSkopeo = which('skopeo') !== undefined;

describe.skipIf(!canRun || !haveSkopeo)(`Skiff's registry with skopeo and docker-registry (${needs}, and skopeo)`, () => {
  let skiff: TestRegistry;
  let distribution: RunningRegistry;
  let work: string;
  beforeAll(async () => {
    [skiff, distribution] = await Promise.all([startSkiffRegistry(), startDistribution()]);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-interop-'));
  });
  afterAll(async () => {
    await Promise.all([skiff?.stop(), distribution?.stop()]);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('skopeo copies an OCI layout into Skiff\'s registry and back out, digests unchanged', async () => {
    const a = await freshEngine();
    try {
      await buildBaseImage(a.engine.store, 'skopeo/src:1');
      const layout = `oci:${a.root}/oci:docker.io/skopeo/src:1`;
      const src = JSON.parse((await run('skopeo', ['inspect', layout])).stdout) as { Digest: string; Layers: string[] };
      await run('skopeo', ['copy', '--dest-tls-verify=false', layout, `docker://${skiff.host}/skopeo/busybox:1`]);
      const remote = JSON.parse((await run('skopeo', ['inspect', '--tls-verify=false', `docker://${skiff.host}/skopeo/busybox:1`])).stdout) as { Digest: string; Layers: string[] };
      expect(remote.Digest).toBe(src.Digest);
      expect(remote.Layers).toEqual(src.Layers);
      const tags = JSON.parse((await run('skopeo', ['list-tags', '--tls-verify=false', `docker://${skiff.host}/skopeo/busybox`])).stdout) as { Tags: string[] };
      expect(tags.Tags).toEqual(['1']);
      // …and back: into a fresh layout, every blob checked by skopeo on the way.
      const out = path.join(work, 'back');
      await run('skopeo', ['copy', '--src-tls-verify=false', `docker://${skiff.host}/skopeo/busybox:1`, `oci:${out}:copy`]);
      const back = JSON.parse((await run('skopeo', ['inspect', `oci:${out}:copy`])).stdout) as { Digest: string; Layers: string[] };
      expect(back.Layers).toEqual(src.Layers);
      // A Docker schema 2 copy (skopeo converts the manifest): Skiff keeps its Content-Type.
      await run('skopeo', ['copy', '--dest-tls-verify=false', '--format', 'v2s2', layout, `docker://${skiff.host}/skopeo/busybox:v2s2`]);
      const raw = await fetch(`${skiff.url}/v2/skopeo/busybox/manifests/v2s2`, { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
      expect(raw.headers.get('content-type')).toBe('application/vnd.docker.distribution.manifest.v2+json');
      await raw.arrayBuffer();
    } finally {
      a.dispose();
    }
  });

  it('Skiff pushes to docker-registry and pulls back; the digest docker-registry computed is ours', async () => {
    const a = await freshEngine();
    const b = await freshEngine();
    try {
      const name = `${distribution.host}/learner/base:1`;
      await buildBaseImage(a.engine.store, name);
      const pushed = await new Pusher(a.engine.store, a.engine.events).push(name, { chunkSize: 256 << 10 });
      // Distribution took the chunked layer (PATCH with Content-Range) and the monolithic config.
      expect(pushed.blobs.find((x) => x.kind === 'layer')!.chunks).toBeGreaterThan(1);
      expect(a.events.filter((e): e is HttpExchangeEvent => e.type === 'http' && e.method === 'PATCH').every((e) => e.status === 202)).toBe(true);
      const pulled = await b.engine.pull(name);
      expect(pulled.manifestDigest).toBe(pushed.digest);
      const head = await fetch(`${distribution.url}/v2/learner/base/manifests/1`, { method: 'HEAD', headers: { accept: pushed.mediaType } });
      expect(head.headers.get('docker-content-digest')).toBe(pushed.digest);
      // A second repository on docker-registry: mounted, as Docker does it.
      await a.engine.images.tag(name, `${distribution.host}/learner/other:1`);
      const again = await new Pusher(a.engine.store, a.engine.events).push(`${distribution.host}/learner/other:1`);
      expect(again.blobs.map((x) => x.outcome).sort()).toEqual(['mounted', 'mounted']);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('skopeo copies from docker-registry into Skiff\'s registry, and Skiff pulls it from there', async () => {
    const a = await freshEngine();
    const b = await freshEngine();
    try {
      const name = `${distribution.host}/across/base:1`;
      await buildBaseImage(a.engine.store, name);
      const pushed = await new Pusher(a.engine.store, a.engine.events).push(name);
      await run('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${name}`, `docker://${skiff.host}/across/base:1`]);
      const pulled = await b.engine.pull(`${skiff.host}/across/base:1`);
      expect(pulled.manifestDigest).toBe(pushed.digest);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
