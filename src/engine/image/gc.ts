// Garbage collection, mark and sweep: everything reachable from the image index (manifests,
// configs, layer blobs, unpacked layers by ChainID) and from live leases (pulls in progress) is
// kept; every other blob and unpacked layer is removed. Run under
// the index lock so no name can appear while we sweep.
import { chainIds, type Digest, isDigest } from '../digest.ts';
import type { ImageConfig, ImageManifest } from '../oci.ts';
import { IMAGE_ID, REPO_DIGEST, SOURCE_MANIFEST } from '../store/image-index.ts';
import type { Store } from '../store/store.ts';

export interface GcResult {
  blobsRemoved: number;
  layersRemoved: Digest[];
  bytesFreed: number;
}

export interface GcRoots {
  blobs: Iterable<string>;
  chains: Iterable<string>;
}

/**
 * Removes what nothing references. With `only`, considers just those blobs and layers — how a
 * failed pull takes back exactly what it added, leaving the store as it was before.
 */
export async function collectGarbage(store: Store, only?: GcRoots): Promise<GcResult> {
  const onlyBlobs = only && new Set(only.blobs);
  const onlyChains = only && new Set(only.chains);
  return store.index.locked(async () => {
    const blobs = new Set<string>();
    const chains = new Set<string>();
    for (const e of await store.index.entries()) {
      blobs.add(e.digest);
      for (const k of [REPO_DIGEST, SOURCE_MANIFEST]) {
        const d = e.annotations[k];
        if (d) blobs.add(d);
      }
      const id = e.annotations[IMAGE_ID];
      if (id) blobs.add(id);
      const manifest = await store.content.readJson<ImageManifest>(e.digest).catch(() => undefined);
      if (!manifest) continue;
      blobs.add(manifest.config.digest);
      for (const l of manifest.layers) blobs.add(l.digest);
      const config = await store.content.readJson<ImageConfig>(manifest.config.digest).catch(() => undefined);
      for (const c of chainIds(config?.rootfs.diff_ids ?? [])) chains.add(c);
    }
    const held = await store.leases.held();
    held.blobs.forEach((b) => blobs.add(b));
    held.chains.forEach((c) => chains.add(c));

    const result: GcResult = { blobsRemoved: 0, layersRemoved: [], bytesFreed: 0 };
    for (const b of await store.content.list()) {
      if (blobs.has(b.digest) || (onlyBlobs && !onlyBlobs.has(b.digest))) continue;
      await store.content.delete(b.digest);
      result.blobsRemoved++;
      result.bytesFreed += b.size;
    }
    for (const l of await store.layers.list()) {
      if (chains.has(l.chainId) || !isDigest(l.chainId) || (onlyChains && !onlyChains.has(l.chainId))) continue;
      await store.layers.remove(l.chainId);
      result.layersRemoved.push(l.chainId);
      result.bytesFreed += l.size;
    }
    return result;
  });
}
