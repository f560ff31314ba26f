// The build cache, the way Docker's classic builder has it: every step's result is an image, and a
// step is skipped when an image made by *the same step on the same parent* exists — the parent's
// image ID plus the step's history text, which for COPY/ADD names the content hash of the files
// (`COPY file:3a6e… in /app`) and for RUN the build args it sees. A changed file gives a new hash,
// so that step misses, makes a new image, and every step after it has a new parent and misses too.
//
// The step images are kept in the image index like any image (so garbage collection keeps their
// layers), marked as build intermediates: `images` does not list them (`images -a` would), and the
// key of the step that made them rides along as an annotation.
import { chainIds, type Digest, sha256 } from '../digest.ts';
import type { EventBus } from '../events.ts';
import { imageIdOf, nameOf, setName } from '../image/names.ts';
import type { ImageRecord, ImageService } from '../image/service.ts';
import { BUILD_CACHE_KEY, BUILD_INTERMEDIATE } from '../store/image-index.ts';
import type { Store } from '../store/store.ts';

/** The key of a step: its parent image (none for scratch) and what the step does. */
export function cacheKey(parent: string | undefined, createdBy: string): string {
  return sha256(`${parent ?? 'scratch'}\n${createdBy}`).slice('sha256:'.length);
}

/** Annotations for a step's image. */
export function stepAnnotations(key: string): Record<string, string> {
  return { [BUILD_CACHE_KEY]: key, [BUILD_INTERMEDIATE]: 'true' };
}

/** The image an earlier build made with this key, if it is still complete in the store. */
export async function findCached(store: Store, images: ImageService, key: string): Promise<ImageRecord | undefined> {
  const hit = (await store.index.entries()).find((e) => e.annotations[BUILD_CACHE_KEY] === key);
  if (!hit) return undefined;
  const { image } = await images.resolve(imageIdOf(hit)).catch(() => ({ image: undefined }));
  if (!image) return undefined;
  for (const c of chainIds(image.config.rootfs.diff_ids)) if (!(await store.layers.has(c))) return undefined;
  return image;
}

/**
 * A build's result becomes an image like any other: named by each `-t`, or — without one — a
 * visible dangling image (`<none>:<none>`), as `docker build .` leaves it. Its cache key stays.
 */
export async function publishBuilt(store: Store, events: EventBus, imageId: Digest, names: readonly string[]): Promise<void> {
  await store.index.update((entries) => {
    const mine = entries.find((e) => imageIdOf(e) === imageId);
    if (!mine) return { entries, result: undefined };
    const { [BUILD_INTERMEDIATE]: _hidden, ...annotations } = mine.annotations;
    const entry = { ...mine, annotations: { ...annotations, 'io.skiff.created': new Date().toISOString() } };
    let out = entries;
    if (names.length === 0) out = entries.map((e) => (imageIdOf(e) === imageId && nameOf(e) === undefined ? { ...e, annotations } : e));
    for (const n of names) out = setName(out, n, entry);
    return { entries: out, result: undefined };
  });
  for (const n of names) events.emit({ type: 'image.tag', ref: n, imageId });
}
