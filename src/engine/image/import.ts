// `import`: the first of the three ways to get an image — from scratch. A tar of a root filesystem
// becomes a one-layer image, with no registry involved. The tar is read once: its bytes are hashed
// (the layer's DiffID), unpacked into a new layer directory, and gzipped into the layer blob, all in
// the same pass. Nothing is visible until all three are complete and the lease protects them.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Readable, Transform } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { type Digest, sha256 } from '../digest.ts';
import { SkiffError } from '../errors.ts';
import { type ContainerConfig, type ImageConfig, type ImageManifest, MediaType } from '../oci.ts';
import { formatReference, parseReference } from '../reference.ts';
import { hostPlatform } from '../registry/platform.ts';
import type { Store } from '../store/store.ts';
import { unpackLayer } from '../unpack/unpack.ts';
import { recordImage } from './record.ts';

export interface ImportOptions {
  /** Config for the image: what `docker import --change 'CMD ...'` sets. */
  config?: ContainerConfig;
  /** The history line `docker history` shows. */
  createdBy?: string;
  comment?: string;
}

export interface ImportResult {
  imageId: Digest;
  name?: string;
}

/** Reads the first bytes to tell a gzip tar from a plain one (as `docker import` does). */
async function sniff(source: Readable): Promise<{ stream: Readable; gzip: boolean }> {
  const it = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let first: Buffer | undefined;
  for (let r = await it.next(); !r.done; r = await it.next()) {
    if (r.value.length > 0) {
      first = Buffer.from(r.value);
      break;
    }
  }
  if (!first) throw new SkiffError('IMPORT', 'the archive to import is empty', 'give a tar file of a root filesystem');
  if (first[0] === 0x28 && first[1] === 0xb5 && first[2] === 0x2f && first[3] === 0xfd) throw new SkiffError('IMPORT', 'zstd archives cannot be imported yet', 'decompress it first (zstd -d) and import the .tar');
  if (first[0] === 0x42 && first[1] === 0x5a && first[2] === 0x68) throw new SkiffError('IMPORT', 'bzip2 archives cannot be imported', 'decompress it first (bunzip2) and import the .tar');
  if (first[0] === 0xfd && first[1] === 0x37 && first[2] === 0x7a) throw new SkiffError('IMPORT', 'xz archives cannot be imported', 'decompress it first (unxz) and import the .tar');
  const head = first;
  async function* whole(): AsyncGenerator<Buffer> {
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { stream: Readable.from(whole(), { objectMode: false }), gzip: head[0] === 0x1f && head[1] === 0x8b };
}

export async function importImage(store: Store, source: Readable, name: string | undefined, opts: ImportOptions = {}): Promise<ImportResult> {
  const fullName = name === undefined ? undefined : formatReference(parseReference(name));
  const { stream, gzip } = await sniff(source);
  const tar = gzip ? stream.pipe(createGunzip()) : stream;
  const diffHash = createHash('sha256');
  const hasher = new Transform({
    transform(chunk: Buffer, _e, cb) {
      diffHash.update(chunk);
      cb(null, chunk);
    },
  });
  const forUnpack = new PassThrough({ highWaterMark: 1 << 20 });
  const gz = createGzip({ level: 6 });
  for (const s of [stream, tar]) s.on('error', (e) => hasher.destroy(e));
  tar.pipe(hasher);
  hasher.pipe(forUnpack);
  hasher.pipe(gz);
  // Listen now: a small archive can be read to its end before the awaits below return.
  const hashed = once(hasher, 'end');
  hashed.catch(() => {});

  const prepared = await store.layers.prepare();
  const writer = await store.content.writer();
  try {
    const unpacked = unpackLayer(forUnpack, prepared.diff);
    const written = (async () => {
      for await (const c of gz) await writer.write(c as Buffer);
    })();
    const [stats] = await Promise.all([unpacked, written, hashed]).catch((e) => {
      hasher.destroy();
      throw e instanceof SkiffError ? e : new SkiffError('IMPORT', `cannot import this archive: ${(e as Error).message}`, 'give a tar (or tar.gz) of a root filesystem', { cause: e });
    });
    const diffId: Digest = `sha256:${diffHash.digest('hex')}`;
    const blobSize = writer.offset;
    const blobDigest = writer.currentDigest();

    const platform = hostPlatform();
    const created = new Date().toISOString();
    const config: ImageConfig = {
      created, architecture: platform.architecture, os: 'linux', ...(platform.variant ? { variant: platform.variant } : {}),
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], ...opts.config },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created, created_by: opts.createdBy ?? 'skiff import', ...(opts.comment ? { comment: opts.comment } : {}) }],
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const configDigest = sha256(configBytes);
    const manifest: ImageManifest = {
      schemaVersion: 2, mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configDigest, size: configBytes.length },
      layers: [{ mediaType: MediaType.ociLayerGzip, digest: blobDigest, size: blobSize }],
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    const manifestDigest = sha256(manifestBytes);

    const lease = await store.leases.take({ blobs: [blobDigest, configDigest, manifestDigest], chains: [diffId] });
    try {
      await writer.commit();
      await prepared.commit({ chainId: diffId, diffId, blob: blobDigest, size: stats.bytes, files: stats.files, created });
      await recordImage(store, {
        // An import without a name is a dangling image, as with `docker import file.tar`.
        name: fullName, manifestBytes, manifestDigest, manifestType: MediaType.ociManifest, configBytes, configDigest, config,
      });
    } finally {
      await lease.release();
    }
    return { imageId: configDigest, name: fullName };
  } catch (e) {
    await writer.abort();
    await prepared.abort();
    throw e;
  }
}
