// The embedded default registry's content: the offline busybox image (engine/image/base.ts — the
// host's static busybox, or its /bin/sh and tools), written straight into a registry root as
// `library/busybox:latest`, so lessons can `pull busybox` from 127.0.0.1 with no internet at all.
// Built without a Skiff store and without unpacking anything: a tar, gzipped, is the layer.
//
// The daemon seeds `<dataRoot>/registry` and serves it on loopback (daemon.ts); Docker Hub pulls
// fall back to it when the Hub cannot be reached (engine/image/offline.ts).
// From a shell: `skiff registry serve --seed --addr 127.0.0.1:5000 --root DIR`.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { type Digest, sha256 } from '../engine/digest.ts';
import { collectBaseRootfs, tarOf } from '../engine/image/base.ts';
import { type ImageConfig, type ImageManifest, MediaType } from '../engine/oci.ts';
import { hostPlatform } from '../engine/registry/platform.ts';
import { RegistryStorage } from './storage.ts';

export interface SeedResult {
  repository: string;
  tag: string;
  digest: Digest;
  kind: 'busybox-static' | 'host-tools';
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Writes the offline base image into the registry root under `repository:tag` (default library/busybox:latest). */
export async function seedRegistry(root: string, opts: { repository?: string; tag?: string; busybox?: string } = {}): Promise<SeedResult> {
  const repository = opts.repository ?? 'library/busybox';
  const tag = opts.tag ?? 'latest';
  const storage = await RegistryStorage.open(root);
  const rootfs = collectBaseRootfs(opts.busybox);
  const tar = await collect(tarOf(rootfs.entries));
  const diffId: Digest = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  // gzip of the same bytes at the same level is the same bytes: re-seeding changes no digest.
  const layer = gzipSync(tar, { level: 9 });
  const platform = hostPlatform();
  // The busybox binary's own time, not now: the config (and the image ID) stays put across seeds.
  const created = (rootfs.entries.find((e) => e.name === 'bin/busybox' || e.name === 'bin/sh')?.mtime ?? new Date(0)).toISOString();
  const config: ImageConfig = {
    created, architecture: platform.architecture, os: 'linux', ...(platform.variant ? { variant: platform.variant } : {}),
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created, created_by: rootfs.kind === 'busybox-static' ? 'skiff seed: busybox-static from this host' : 'skiff seed: /bin/sh and tools from this host' }],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const manifest: ImageManifest = {
    schemaVersion: 2, mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: sha256(configBytes), size: configBytes.length },
    layers: [{ mediaType: MediaType.ociLayerGzip, digest: sha256(layer), size: layer.length }],
  };
  for (const blob of [layer, configBytes]) await storage.linkBlob(repository, await storage.content.put(blob));
  const digest = await storage.putManifest(repository, Buffer.from(JSON.stringify(manifest)), MediaType.ociManifest, tag);
  return { repository, tag, digest, kind: rootfs.kind };
}
