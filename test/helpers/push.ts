// Fixture images, built in memory and pushed straight to a registry over the distribution API
// (monolithic upload: POST /blobs/uploads/ then PUT ?digest=; PUT /manifests/<tag>). Every layer
// is generated here from a list of tar entries; nothing binary is committed.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { makeTar, type TarEntry } from './tar.ts';

export const MT = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface FixtureImage {
  layers: { entries: TarEntry[]; gzip?: boolean }[];
  format?: 'oci' | 'docker';
  architecture?: string;
  variant?: string;
  cmd?: string[];
  /** Corrupt the config's DiffIDs (a lying image the registry will happily store). */
  wrongDiffIds?: boolean;
}

export interface Built {
  manifest: Buffer;
  manifestDigest: string;
  mediaType: string;
  config: Buffer;
  configDigest: string;
  layers: { blob: Buffer; digest: string; diffId: string }[];
}

export async function buildImage(img: FixtureImage): Promise<Built> {
  const docker = img.format === 'docker';
  const layers = [];
  for (const l of img.layers) {
    const tar = await makeTar(l.entries);
    const blob = l.gzip === false ? tar : gzipSync(tar);
    layers.push({ blob, digest: sha(blob), diffId: sha(tar), gzip: l.gzip !== false });
  }
  const config = Buffer.from(JSON.stringify({
    created: '2026-01-02T03:04:05Z',
    architecture: img.architecture ?? 'amd64',
    ...(img.variant ? { variant: img.variant } : {}),
    os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: img.cmd ?? ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => (img.wrongDiffIds ? sha(Buffer.from('lie' + l.diffId)) : l.diffId)) },
    history: layers.map((_, i) => ({ created: '2026-01-02T03:04:05Z', created_by: `fixture layer ${i + 1}` })),
  }));
  const mediaType = docker ? MT.dockerManifest : MT.ociManifest;
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: docker ? MT.dockerConfig : MT.ociConfig, digest: sha(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: docker ? MT.dockerLayerGzip : l.gzip ? MT.ociLayerGzip : MT.ociLayer, digest: l.digest, size: l.blob.length })),
  }));
  return { manifest, manifestDigest: sha(manifest), mediaType, config, configDigest: sha(config), layers };
}

async function putBlob(registry: string, repo: string, blob: Buffer): Promise<void> {
  const digest = sha(blob);
  const head = await fetch(`${registry}/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
  if (head.status === 200) return;
  const start = await fetch(`${registry}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await start.arrayBuffer();
  if (start.status !== 202) throw new Error(`upload start: ${start.status}`);
  const loc = new URL(start.headers.get('location')!, registry);
  loc.searchParams.set('digest', digest);
  const put = await fetch(loc, { method: 'PUT', body: blob, headers: { 'content-type': 'application/octet-stream' } });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`blob put: ${put.status}`);
}

async function putManifest(registry: string, repo: string, ref: string, body: Buffer, mediaType: string): Promise<void> {
  const res = await fetch(`${registry}/v2/${repo}/manifests/${ref}`, { method: 'PUT', body, headers: { 'content-type': mediaType } });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`manifest put ${repo}:${ref}: ${res.status} ${text}`);
}

/** Pushes one image under repo:tag to a registry without auth; returns what was pushed. */
export async function pushImage(registry: string, repo: string, tag: string, img: FixtureImage): Promise<Built> {
  const b = await buildImage(img);
  for (const l of b.layers) await putBlob(registry, repo, l.blob);
  await putBlob(registry, repo, b.config);
  await putManifest(registry, repo, tag, b.manifest, b.mediaType);
  return b;
}

/** Pushes several platform images and an index (OCI) or manifest list (Docker) naming them. */
export async function pushIndex(registry: string, repo: string, tag: string, images: FixtureImage[], opts: { docker?: boolean; attestation?: boolean } = {}): Promise<{ digest: string; platforms: Built[] }> {
  const platforms: Built[] = [];
  const manifests: object[] = [];
  for (const img of images) {
    const b = await buildImage(img);
    for (const l of b.layers) await putBlob(registry, repo, l.blob);
    await putBlob(registry, repo, b.config);
    await putManifest(registry, repo, b.manifestDigest, b.manifest, b.mediaType);
    platforms.push(b);
    manifests.push({ mediaType: b.mediaType, digest: b.manifestDigest, size: b.manifest.length, platform: { os: 'linux', architecture: img.architecture ?? 'amd64', ...(img.variant ? { variant: img.variant } : {}) } });
  }
  if (opts.attestation) {
    // BuildKit-style attestation entry: platform unknown/unknown; clients must skip it.
    const b = platforms[0]!;
    manifests.push({ mediaType: b.mediaType, digest: b.manifestDigest, size: b.manifest.length, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } });
  }
  const mediaType = opts.docker ? MT.dockerList : MT.ociIndex;
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests }));
  await putManifest(registry, repo, tag, index, mediaType);
  return { digest: sha(index), platforms };
}
