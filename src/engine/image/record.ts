// The last step of every way an image arrives (pull, import, later build and commit): the small
// documents go into the content store, then the name goes into the index. Order matters: a name
// must never point at something that is not fully stored.
import { type Digest, sha256 } from '../digest.ts';
import { type ImageConfig, type ImageManifest, MediaType } from '../oci.ts';
import { CREATED, IMAGE_ID, type IndexEntry, REPO_DIGEST, SOURCE_MANIFEST } from '../store/image-index.ts';
import type { Store } from '../store/store.ts';
import { imageIdOf, nameOf, setName } from './names.ts';

export interface NewImage {
  /** Fully qualified name (docker.io/library/busybox:latest or …@sha256:…); none for dangling. */
  name?: string;
  manifestBytes: Uint8Array;
  manifestDigest: Digest;
  manifestType: string;
  configBytes: Uint8Array;
  configDigest: Digest;
  config: ImageConfig;
  /** What the registry named it by (an index digest), if not the manifest itself. */
  repoDigest?: { digest: Digest; bytes: Uint8Array };
  /** More annotations for its index entry (a build step's cache key, build/cache.ts). */
  annotations?: Record<string, string>;
}

export const OCI_EQUIVALENT: Record<string, string> = {
  [MediaType.dockerConfig]: MediaType.ociConfig,
  [MediaType.dockerLayerGzip]: MediaType.ociLayerGzip,
  [MediaType.dockerForeignLayer]: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
};

/**
 * The OCI form of a Docker schema2 manifest: same config and layer blobs, OCI media types. An OCI
 * image layout may only list OCI manifests (skopeo and umoci skip other media types), so that is
 * what index.json points at; the registry's own manifest is kept too, for RepoDigests.
 */
export function ociManifestOf(bytes: Uint8Array, mediaType: string): { bytes: Buffer; digest: Digest } | undefined {
  if (mediaType !== MediaType.dockerManifest) return undefined;
  const m = JSON.parse(Buffer.from(bytes).toString('utf8')) as ImageManifest;
  const oci: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { ...m.config, mediaType: OCI_EQUIVALENT[m.config.mediaType] ?? m.config.mediaType },
    layers: m.layers.map((l) => ({ ...l, mediaType: OCI_EQUIVALENT[l.mediaType] ?? l.mediaType })),
    ...(m.annotations ? { annotations: m.annotations } : {}),
  };
  const out = Buffer.from(JSON.stringify(oci));
  return { bytes: out, digest: sha256(out) };
}

/** Stores the documents and names the image; returns the entry that held the name before. */
export async function recordImage(store: Store, img: NewImage): Promise<IndexEntry | undefined> {
  const oci = ociManifestOf(img.manifestBytes, img.manifestType);
  const { os, architecture, variant } = img.config;
  const entry: IndexEntry = {
    mediaType: oci ? MediaType.ociManifest : img.manifestType,
    digest: oci?.digest ?? img.manifestDigest,
    size: (oci?.bytes ?? img.manifestBytes).length,
    platform: { os, architecture, ...(variant ? { variant } : {}) },
    annotations: {
      [IMAGE_ID]: img.configDigest,
      [REPO_DIGEST]: img.repoDigest?.digest ?? img.manifestDigest,
      [SOURCE_MANIFEST]: img.manifestDigest,
      [CREATED]: new Date().toISOString(),
      ...img.annotations,
    },
  };
  const name = img.name;
  // Under the index lock, so garbage collection never sees the documents without their name.
  return store.index.update(async (entries) => {
    await store.content.put(img.configBytes, img.configDigest);
    await store.content.put(img.manifestBytes, img.manifestDigest);
    if (img.repoDigest) await store.content.put(img.repoDigest.bytes, img.repoDigest.digest);
    if (oci) await store.content.put(oci.bytes, oci.digest);
    if (name === undefined) {
      return { entries: entries.some((e) => imageIdOf(e) === img.configDigest) ? entries : [...entries, entry], result: undefined };
    }
    return { entries: setName(entries, name, entry), result: entries.find((e) => nameOf(e) === name) };
  });
}
