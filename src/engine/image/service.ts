// What the image commands work on: resolving a name or ID to an image, listing, inspecting,
// history, tagging, removing (rmi) and garbage collection — Docker's semantics over our store.
import { chainIds, type Digest, shortId } from '../digest.ts';
import { SkiffError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import type { ImageConfig, ImageManifest } from '../oci.ts';
import { familiarRepository, familiarString, formatReference, type ImageReference, parseReference, repositoryName } from '../reference.ts';
import { type IndexEntry, REF_NAME, REPO_DIGEST, SOURCE_MANIFEST } from '../store/image-index.ts';
import type { Store } from '../store/store.ts';
import { collectGarbage, type GcResult } from './gc.ts';
import { createdOf, danglingIds, imageIdOf, isIntermediate, nameOf, removeImage, removeName, setName } from './names.ts';

export interface ImageRecord {
  id: Digest;
  entries: IndexEntry[];
  repoTags: string[]; // familiar: busybox:latest
  repoDigests: string[]; // familiar: busybox@sha256:…
  created?: string; // from the config
  size: number; // uncompressed bytes of all layers
  config: ImageConfig;
  manifest: ImageManifest;
  chainIds: Digest[];
  layerSizes: number[]; // uncompressed bytes per layer, bottom first
}

export interface DiskUsage {
  images: { total: number; active: number; size: number; reclaimable: number };
  layers: { count: number; size: number };
  blobs: { count: number; size: number };
  perImage: { id: Digest; repoTags: string[]; size: number; shared: number }[];
}

/** Bytes of an image's layers that another image also uses (`docker system df -v` SHARED SIZE). */
function sharedSize(image: ImageRecord, all: ImageRecord[]): number {
  const others = new Set(all.filter((o) => o.id !== image.id).flatMap((o) => o.chainIds));
  return image.layerSizes.reduce((n, s, i) => (others.has(image.chainIds[i]!) ? n + s : n), 0);
}

export type RemoveReport = ({ Untagged: string } | { Deleted: string })[];

const ID_PREFIX = /^(sha256:)?[a-f0-9]{1,64}$/;

function familiarName(name: string): string {
  return familiarString(parseReference(name));
}

export class ImageService {
  /** Which containers use an image: `rmi` keeps an image in use (Docker's conflict rules). */
  usedBy: (imageId: string) => Promise<string[]> = async () => [];

  constructor(
    private readonly store: Store,
    private readonly events: EventBus,
  ) {}

  private async record(id: string, entries: IndexEntry[]): Promise<ImageRecord> {
    const mine = entries.filter((e) => imageIdOf(e) === id);
    const first = mine[0]!;
    const manifest = await this.store.content.readJson<ImageManifest>(first.digest);
    const config = await this.store.content.readJson<ImageConfig>(manifest.config.digest);
    const chains = chainIds(config.rootfs.diff_ids);
    const layerSizes: number[] = [];
    for (const c of chains) layerSizes.push((await this.store.layers.meta(c))?.size ?? 0);
    const size = layerSizes.reduce((a, b) => a + b, 0);
    const names = mine.map(nameOf).filter((n): n is string => n !== undefined);
    const repoTags = names.filter((n) => !n.includes('@')).map(familiarName).sort();
    const repoDigests = [...new Set(mine.flatMap((e) => {
      const n = nameOf(e);
      const d = e.annotations[REPO_DIGEST] ?? e.digest;
      return n ? [`${familiarRepository(parseReference(n))}@${d}`] : [];
    }))].sort();
    return { id: manifest.config.digest, entries: mine, repoTags, repoDigests, created: config.created, size, config, manifest, chainIds: chains, layerSizes };
  }

  async list(opts: { all?: boolean; dangling?: boolean } = {}): Promise<ImageRecord[]> {
    const entries = await this.store.index.entries();
    const ids = [...new Set(entries.map(imageIdOf))];
    const dangling = new Set(danglingIds(entries));
    const out: ImageRecord[] = [];
    for (const id of ids) {
      // A build step's image is build cache, listed only with `all` (`docker images -a`).
      if (!opts.all && isIntermediate(entries.filter((e) => imageIdOf(e) === id))) continue;
      if (opts.dangling !== undefined && dangling.has(id) !== opts.dangling) continue;
      out.push(await this.record(id, entries));
    }
    // Newest first, as `docker images` shows them.
    return out.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || (createdOf(b.entries[0]!) ?? '').localeCompare(createdOf(a.entries[0]!) ?? ''));
  }

  /** Resolves what a user typed: a name (tag or digest reference), or an image ID or its prefix. */
  async resolve(input: string): Promise<{ image: ImageRecord; byName?: string }> {
    const entries = await this.store.index.entries();
    let ref: ImageReference | undefined;
    let refError: unknown;
    try {
      ref = parseReference(input);
    } catch (e) {
      refError = e;
    }
    if (ref) {
      const name = formatReference(ref.digest ? { ...ref, tag: undefined } : ref);
      // `name@sha256:…` also finds a tagged image of that repository pulled by that digest.
      const repo = repositoryName(ref);
      const byDigest = (e: IndexEntry) => {
        const n = nameOf(e);
        return n !== undefined && repositoryName(parseReference(n)) === repo && [e.annotations[REPO_DIGEST], e.annotations[SOURCE_MANIFEST], e.digest].includes(ref!.digest);
      };
      const hit = entries.find((e) => nameOf(e) === name) ?? (ref.digest ? entries.find(byDigest) : undefined);
      if (hit) return { image: await this.record(imageIdOf(hit), entries), byName: nameOf(hit) === name ? name : undefined };
    }
    if (ID_PREFIX.test(input)) {
      const want = input.startsWith('sha256:') ? input : `sha256:${input}`;
      const ids = [...new Set(entries.map(imageIdOf))].filter((id) => id.startsWith(want));
      if (ids.length > 1) throw new SkiffError('USAGE', `image ID prefix "${input}" is ambiguous (${ids.length} images match)`, 'type more characters of the ID');
      if (ids.length === 1) return { image: await this.record(ids[0]!, entries) };
    }
    if (!ref && refError) throw refError;
    throw new SkiffError('IMAGE_NOT_FOUND', `No such image: ${input}`, `pull it first: skiff pull ${input}`);
  }

  async tag(source: string, target: string): Promise<void> {
    const { image } = await this.resolve(source);
    const ref = parseReference(target);
    if (ref.digest) throw new SkiffError('USAGE', `cannot tag with a digest ("${target}")`, 'a digest names content; give a tag like name:1.0 instead');
    const name = formatReference(ref);
    const entry = image.entries[0]!;
    await this.store.index.update((entries) => ({ entries: setName(entries, name, { ...entry, annotations: { ...entry.annotations, 'io.skiff.created': new Date().toISOString() } }), result: undefined }));
    this.events.emit({ type: 'image.tag', ref: name, imageId: image.id });
  }

  /** `rmi`: untag; delete the image when its last name goes; then free what nothing references. */
  async remove(input: string, opts: { force?: boolean } = {}): Promise<RemoveReport> {
    const { image, byName } = await this.resolve(input);
    const report: RemoveReport = [];
    let deleted = false;
    const users = await this.usedBy(image.id);
    // An image a container was made from stays while the container exists: without -f that is a
    // conflict; with -f its names go but the image stays, dangling (<none>), as in Docker.
    const keepDangling = (entries: IndexEntry[]): IndexEntry[] => {
      if (users.length === 0 || entries.some((e) => imageIdOf(e) === image.id)) return entries;
      const { [REF_NAME]: _name, ...annotations } = image.entries[0]!.annotations;
      return [...entries, { ...image.entries[0]!, annotations }];
    };
    await this.store.index.update((entries) => {
      const lastName = byName ? !entries.some((e) => imageIdOf(e) === image.id && nameOf(e) !== byName && nameOf(e) !== undefined) : true;
      if (users.length > 0 && lastName && !opts.force) {
        const what = byName ? `remove repository reference "${familiarName(byName)}"` : `delete ${shortId(image.id)}`;
        throw new SkiffError('CONFLICT', `conflict: unable to ${what} (must force) - container ${shortId(users[0]!)} is using its referenced image ${shortId(image.id)}`, `remove the container first (rm ${shortId(users[0]!)}), or untag with rmi -f`);
      }
      if (byName) {
        const r = removeName(entries, byName);
        if (r.untagged) report.push({ Untagged: familiarName(byName) });
        deleted = r.deletedImage !== undefined && users.length === 0;
        return { entries: keepDangling(r.entries), result: undefined };
      }
      const names = entries.filter((e) => imageIdOf(e) === image.id).map(nameOf).filter((n): n is string => !!n && !n.includes('@'));
      if (names.length > 1 && !opts.force) {
        throw new SkiffError('CONFLICT', `unable to delete ${shortId(image.id)} (must be forced) - image is referenced in multiple repositories`, `remove the names one by one, or use rmi -f ${shortId(image.id)}`);
      }
      const r = removeImage(entries, image.id);
      for (const n of r.untagged) report.push({ Untagged: n.includes('@') ? `${familiarRepository(parseReference(n))}@${parseReference(n).digest}` : familiarName(n) });
      deleted = users.length === 0;
      return { entries: keepDangling(r.entries), result: undefined };
    });
    for (const r of report) if ('Untagged' in r) this.events.emit({ type: 'image.untag', ref: r.Untagged, imageId: image.id });
    if (deleted) {
      const gc = await this.gc();
      report.push({ Deleted: image.id });
      for (const c of gc.layersRemoved) report.push({ Deleted: c });
      this.events.emit({ type: 'image.delete', imageId: image.id, layersRemoved: gc.layersRemoved, blobsRemoved: gc.blobsRemoved });
    }
    return report;
  }

  /** `image prune`: dangling images (or, with all, every image) that no container uses. */
  async prune(opts: { all?: boolean } = {}): Promise<{ deleted: string[]; reclaimed: number }> {
    const inUse = new Set<string>();
    for (const id of new Set((await this.store.index.entries()).map(imageIdOf))) if ((await this.usedBy(id)).length > 0) inUse.add(id);
    const doomed = await this.store.index.update((entries) => {
      const ids = (opts.all ? [...new Set(entries.map(imageIdOf))] : danglingIds(entries)).filter((id) => !inUse.has(id));
      const keep = entries.filter((e) => !ids.includes(imageIdOf(e)));
      return { entries: keep, result: ids };
    });
    const gc = await this.gc();
    return { deleted: doomed, reclaimed: gc.bytesFreed };
  }

  /** `system df`: what the store holds. Shared layers are counted once. */
  async df(): Promise<DiskUsage> {
    const images = await this.list();
    const layers = await this.store.layers.list();
    const blobs = await this.store.content.list();
    const layerBytes = layers.reduce((n, l) => n + l.size, 0);
    return {
      images: { total: images.length, active: 0, size: layerBytes, reclaimable: layerBytes },
      layers: { count: layers.length, size: layerBytes },
      blobs: { count: blobs.length, size: blobs.reduce((n, b) => n + b.size, 0) },
      perImage: images.map((i) => ({ id: i.id, repoTags: i.repoTags, size: i.size, shared: sharedSize(i, images) })),
    };
  }

  gc(): Promise<GcResult> {
    return collectGarbage(this.store);
  }
}
