// `commit`: a container's writable layer becomes a new layer on top of its image — the third way to
// get an image, and what every file-changing step of `build` does.
//   1. what changed (`docker diff`) becomes a tar in the image-spec's changeset form (layer.md
//      "Representing Changes"): added and changed paths as they are now, a deleted NAME as an empty
//      file `.wh.NAME`, a directory that hides everything below it (overlay's opaque directory)
//      with `.wh..wh..opq` inside;
//   2. that tar is read once: hashed (the DiffID), gzipped into the layer blob (its digest is what
//      the manifest lists) and unpacked into the layer store under its ChainID — so a container of
//      the new image starts at once, with nothing to download or unpack again;
//   3. a new config (the parent's DiffIDs plus this one, a history line, the config changes) and
//      manifest are stored, and the name set (image/record.ts).
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import { PassThrough, Readable, Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import tarStream from 'tar-stream';
import type { ContainerService } from '../containers/service.ts';
import type { ContainerInspect, ContainerConfig as RunConfig } from '../containers/types.ts';
import { type Digest, sha256 } from '../digest.ts';
import { SkiffError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import { type ContainerConfig, type Descriptor, type HistoryEntry, type ImageConfig, type ImageManifest, MediaType } from '../oci.ts';
import { formatReference, parseReference } from '../reference.ts';
import { devParts } from '../snapshot/copy.ts';
import { hostTree, parentOf, under } from '../snapshot/tree.ts';
import type { Change } from '../snapshot/types.ts';
import type { Store } from '../store/store.ts';
import { unpackLayer } from '../unpack/unpack.ts';
import { applyChanges } from '../build/config.ts';
import { collectGarbage } from './gc.ts';
import { OCI_EQUIVALENT, recordImage } from './record.ts';
import type { ImageRecord, ImageService } from './service.ts';

/** One entry of a tar being written: its header, and its bytes from a host file or a buffer. */
export interface TarItem {
  header: Partial<tarStream.Header> & { name: string };
  /** A regular file's content is read from here (never through a symlink). */
  file?: string;
  data?: Buffer;
  /** …or from a stream of exactly `header.size` bytes (an entry of an archive ADD unpacks). */
  stream?: AsyncIterable<Uint8Array>;
}

/** Writes `size` bytes of a host file into a tar entry: opened without following a symlink,
 *  padded with zeros if it shrank meanwhile (a running container may be writing it). */
async function copyFile(file: string, size: number, sink: ReturnType<tarStream.Pack['entry']>): Promise<void> {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let left = size; left > 0; ) {
      let n = fs.readSync(fd, buf, 0, Math.min(buf.length, left), null);
      if (n === 0) {
        n = Math.min(buf.length, left);
        buf.fill(0, 0, n);
      }
      left -= n;
      if (!sink.write(Buffer.from(buf.subarray(0, n)))) await new Promise<void>((r) => sink.once('drain', () => r()));
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** A tar stream of these items, written as it is read. */
export function packTar(items: AsyncIterable<TarItem> | Iterable<TarItem>): Readable {
  const pack = tarStream.pack();
  (async () => {
    for await (const item of items) {
      const h = { uid: 0, gid: 0, mtime: new Date(0), mode: 0o644, ...item.header };
      if (item.data !== undefined) {
        await new Promise<void>((resolve, reject) => pack.entry({ ...h, size: item.data!.length }, item.data!, (e) => (e ? reject(e) : resolve())));
      } else if ((item.file !== undefined || item.stream !== undefined) && h.type === 'file') {
        const size = h.size ?? 0;
        let sink!: ReturnType<typeof pack.entry>;
        const done = new Promise<void>((resolve, reject) => (sink = pack.entry({ ...h, size }, (e) => (e ? reject(e) : resolve()))));
        if (item.file !== undefined) await copyFile(item.file, size, sink);
        else for await (const chunk of item.stream!) if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', () => r()));
        sink.end(undefined);
        await done;
      } else {
        await new Promise<void>((resolve, reject) => pack.entry({ ...h, size: 0 }, (e) => (e ? reject(e) : resolve())).end(undefined));
      }
    }
    pack.finalize();
  })().catch((e: unknown) => pack.destroy(e instanceof Error ? e : new Error(String(e))));
  return Readable.from(pack as AsyncIterable<Buffer>);
}

export interface NewLayer {
  diffId: Digest;
  chainId: Digest;
  /** The compressed blob, as the manifest lists it. */
  descriptor: Descriptor;
  /** Bytes of regular files and entries, as unpacked. */
  size: number;
  files: number;
  /** The layer is held against garbage collection until this is called (after the image is named). */
  release(): Promise<void>;
  /** No image came of it after all: let go, and remove it unless some image uses it. */
  discard(): Promise<void>;
}

/**
 * Stores a layer tar: one pass hashes it (DiffID), gzips it into a blob and unpacks it under its
 * ChainID on top of `parent`. Nothing is visible until all three are complete.
 */
export async function storeLayer(store: Store, tar: Readable, parent: Digest | undefined): Promise<NewLayer> {
  const diffHash = createHash('sha256');
  const hasher = new Transform({
    transform(chunk: Buffer, _e, cb) {
      diffHash.update(chunk);
      cb(null, chunk);
    },
  });
  const forUnpack = new PassThrough({ highWaterMark: 1 << 20 });
  const gz = createGzip({ level: 6 });
  tar.on('error', (e) => hasher.destroy(e));
  tar.pipe(hasher);
  hasher.pipe(forUnpack);
  hasher.pipe(gz);
  const hashed = once(hasher, 'end');
  hashed.catch(() => {});
  const prepared = await store.layers.prepare();
  const writer = await store.content.writer();
  try {
    const written = (async () => {
      for await (const c of gz) await writer.write(c as Buffer);
    })();
    const [stats] = await Promise.all([unpackLayer(forUnpack, prepared.diff), written, hashed]).catch((e: unknown) => {
      hasher.destroy();
      throw e;
    });
    const diffId: Digest = `sha256:${diffHash.digest('hex')}`;
    const chainId = parent ? sha256(`${parent} ${diffId}`) : diffId;
    const descriptor: Descriptor = { mediaType: MediaType.ociLayerGzip, digest: writer.currentDigest(), size: writer.offset };
    const lease = await store.leases.take({ blobs: [descriptor.digest], chains: [chainId] });
    await writer.commit();
    await prepared.commit({ chainId, diffId, ...(parent ? { parent } : {}), blob: descriptor.digest, size: stats.bytes, files: stats.files, created: new Date().toISOString() });
    const release = () => lease.release();
    const discard = async () => {
      await release();
      await collectGarbage(store, { blobs: [descriptor.digest], chains: [chainId] });
    };
    return { diffId, chainId, descriptor, size: stats.bytes, files: stats.files, release, discard };
  } catch (e) {
    await writer.abort();
    await prepared.abort();
    throw e;
  }
}

const now = () => new Date();

/**
 * The changeset tar of a container's changes (`docker diff`'s list), read from `root`: the
 * overlay upperdir, or the vfs tree. Parents come before children (the list is sorted by path).
 */
export async function* changesetItems(root: string, changes: readonly Change[], opts: { overlay: boolean }): AsyncGenerator<TarItem> {
  const opaque: string[] = [];
  const firstName = new Map<string, string>(); // inode → the first path written for it (hardlinks)
  for (const c of changes) {
    const rel = c.path.slice(1);
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    const dir = parentOf(rel);
    if (c.kind === 'D') {
      // An opaque directory already hides everything the image had below it.
      if (opaque.some((d) => rel.startsWith(`${d}/`))) continue;
      yield { header: { name: dir ? `${dir}/.wh.${base}` : `.wh.${base}`, type: 'file', mode: 0, mtime: now() } };
      continue;
    }
    const abs = under(root, rel);
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(abs, { bigint: true });
    } catch {
      continue; // gone meanwhile (a running container)
    }
    const h = { name: rel, mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), mtime: new Date(Number(st.mtimeMs)) };
    if (st.isDirectory()) {
      yield { header: { ...h, type: 'directory' } };
      if (opts.overlay && hostTree.opaque(abs)) {
        opaque.push(rel);
        yield { header: { name: `${rel}/.wh..wh..opq`, type: 'file', mode: 0, mtime: h.mtime } };
      }
    } else if (st.isFile()) {
      const inode = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1n ? firstName.get(inode) : undefined;
      if (first !== undefined) yield { header: { ...h, type: 'link', linkname: first } };
      else {
        if (st.nlink > 1n) firstName.set(inode, rel);
        yield { header: { ...h, type: 'file', size: Number(st.size) }, file: abs };
      }
    } else if (st.isSymbolicLink()) {
      yield { header: { ...h, type: 'symlink', linkname: fs.readlinkSync(abs) } };
    } else if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) {
      const { major, minor } = devParts(Number(st.rdev));
      yield { header: { ...h, type: st.isFIFO() ? 'fifo' : st.isBlockDevice() ? 'block-device' : 'character-device', devmajor: major, devminor: minor } };
    }
    // A socket belongs to a running process: a tar cannot carry one (Docker skips them too).
  }
}

/** The image a step or a commit starts from: a stored image, or nothing (`FROM scratch`). */
export interface ParentImage {
  id?: Digest;
  config: ImageConfig;
  layers: Descriptor[];
}

export function parentOfRecord(img: ImageRecord): ParentImage {
  return {
    id: img.id,
    config: img.config,
    // A pulled Docker schema2 image lists Docker media types; the new OCI manifest lists their OCI names.
    layers: img.manifest.layers.map((l) => ({ mediaType: OCI_EQUIVALENT[l.mediaType] ?? l.mediaType, digest: l.digest, size: l.size })),
  };
}

/** The parent's config with a new layer (or none), a history line, and the container config given. */
export function childConfig(parent: ParentImage, p: { config: ContainerConfig; history: HistoryEntry; layer?: NewLayer; author?: string }): ImageConfig {
  const created = p.history.created ?? new Date().toISOString();
  // Only what describes the platform carries over; the parent's own fields (its author, a pulled
  // image's container_config) describe the parent.
  const { architecture, os, variant } = parent.config;
  return {
    architecture, os, ...(variant ? { variant } : {}),
    created,
    ...(p.author ? { author: p.author } : {}),
    config: p.config,
    rootfs: { type: 'layers', diff_ids: [...parent.config.rootfs.diff_ids, ...(p.layer ? [p.layer.diffId] : [])] },
    history: [...(parent.config.history ?? []), { ...p.history, created, ...(p.layer ? {} : { empty_layer: true }) }],
  };
}

/** Stores config and manifest and puts the image in the index (named, or not). Returns its ID. */
export async function saveImage(store: Store, config: ImageConfig, layers: Descriptor[], opts: { name?: string; annotations?: Record<string, string> } = {}): Promise<Digest> {
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = sha256(configBytes);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: configDigest, size: configBytes.length },
    layers,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  await recordImage(store, {
    ...(opts.name ? { name: opts.name } : {}), manifestBytes, manifestDigest: sha256(manifestBytes), manifestType: MediaType.ociManifest,
    configBytes, configDigest, config, ...(opts.annotations ? { annotations: opts.annotations } : {}),
  });
  return configDigest;
}

/** A container's config as an image's (the fields an image config has). */
export function imageConfigOf(c: RunConfig): ContainerConfig {
  const out: ContainerConfig = {};
  if (c.User) out.User = c.User;
  if (c.ExposedPorts && Object.keys(c.ExposedPorts).length) out.ExposedPorts = c.ExposedPorts;
  if (c.Env?.length) out.Env = c.Env;
  if (c.Entrypoint?.length) out.Entrypoint = c.Entrypoint;
  if (c.Cmd?.length) out.Cmd = c.Cmd;
  if (c.Volumes && Object.keys(c.Volumes).length) out.Volumes = c.Volumes;
  if (c.WorkingDir) out.WorkingDir = c.WorkingDir;
  if (c.Labels && Object.keys(c.Labels).length) out.Labels = c.Labels;
  if (c.StopSignal) out.StopSignal = c.StopSignal;
  return out;
}

/** The event form of a new layer. */
export function layerInfo(l: NewLayer): { diffId: string; chainId: string; size: number; files: number } {
  return { diffId: l.diffId, chainId: l.chainId, size: l.size, files: l.files };
}

/**
 * A container's writable layer as a stored layer on top of `parent` (the ChainID of its image's
 * top layer), or none when the container changed nothing. `changes` counts `diff`'s lines.
 */
export async function containerLayer(d: { store: Store; containers: ContainerService }, info: ContainerInspect, parent: Digest | undefined): Promise<{ layer?: NewLayer; changes: number }> {
  const changes = await d.containers.changes(info.Id);
  if (changes.length === 0) return { changes: 0 };
  const upper = info.GraphDriver.Data.UpperDir;
  const root = upper ?? info.GraphDriver.Data.Dir;
  if (!root) throw new SkiffError('STORE', `the writable layer of container ${info.Id.slice(0, 12)} is missing`, 'remove the container');
  const layer = await storeLayer(d.store, packTar(changesetItems(root, changes, { overlay: upper !== undefined })), parent);
  return { layer, changes: changes.length };
}

export interface CommitOptions {
  /** REPO[:TAG]; none makes a dangling image, as `docker commit CONTAINER` does. */
  name?: string;
  comment?: string;
  author?: string;
  /** `--change` lines: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL. */
  changes?: string[];
  /** Config fields that replace the container's (the API's request body; empty ones are ignored). */
  config?: RunConfig;
}

export interface CommitDeps {
  store: Store;
  images: ImageService;
  containers: ContainerService;
  events: EventBus;
}

/** `docker commit`: the container's changes as a new image. Resolves to the image ID. */
export async function commitContainer(d: CommitDeps, input: string, opts: CommitOptions = {}): Promise<{ id: Digest; name?: string; layer?: NewLayer }> {
  const t0 = performance.now();
  const name = opts.name ? formatReference(parseReference(opts.name)) : undefined;
  if (name && parseReference(opts.name!).digest) throw new SkiffError('USAGE', `cannot commit to a digest reference ("${opts.name}")`, 'give a name like learner/app:1.0');
  const info = await d.containers.inspect(input);
  const { image } = await d.images.resolve(info.Image);
  const parent = parentOfRecord(image);
  const { layer, changes } = await containerLayer(d, info, image.chainIds.at(-1));
  let saved = false;
  try {
    const config = applyChanges({ ...imageConfigOf(info.Config), ...(opts.config ? imageConfigOf(opts.config) : {}) }, opts.changes ?? []);
    const cfg = childConfig(parent, {
      config, ...(layer ? { layer } : {}), ...(opts.author ? { author: opts.author } : {}),
      history: { created_by: [info.Path, ...info.Args].join(' '), ...(opts.author ? { author: opts.author } : {}), ...(opts.comment ? { comment: opts.comment } : {}) },
    });
    const id = await saveImage(d.store, cfg, [...parent.layers, ...(layer ? [layer.descriptor] : [])], name ? { name } : {});
    saved = true;
    d.events.emit({ type: 'image.commit', imageId: id, container: info.Id, ...(name ? { ref: name } : {}), ...(layer ? { layer: layerInfo(layer) } : {}), changes, ms: performance.now() - t0 });
    if (name) d.events.emit({ type: 'image.tag', ref: name, imageId: id });
    return { id, ...(name ? { name } : {}), ...(layer ? { layer } : {}) };
  } finally {
    await (saved ? layer?.release() : layer?.discard());
  }
}
