// `import`: the first of the three ways to get an image — from scratch. A tar of a root filesystem
// becomes a one-layer image, with no registry involved. The tar is read once: its bytes are hashed
// (the layer's DiffID), unpacked into a new layer directory, and gzipped into the layer blob, all in
// the same pass. Nothing is visible until all three are complete and the lease protects them.
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Digest } from '../digest.ts';
import { SkiffError } from '../errors.ts';
import type { ContainerConfig, ImageConfig } from '../oci.ts';
import { formatReference, parseReference } from '../reference.ts';
import { hostPlatform } from '../registry/platform.ts';
import type { Store } from '../store/store.ts';
import { saveImage, storeLayer } from './commit.ts';

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
  if (gzip) stream.on('error', (e) => tar.destroy(e));
  // One pass: DiffID, gzipped blob and the unpacked layer (commit.ts), nothing visible until done.
  const layer = await storeLayer(store, tar, undefined).catch((e: unknown) => {
    throw e instanceof SkiffError ? e : new SkiffError('IMPORT', `cannot import this archive: ${(e as Error).message}`, 'give a tar (or tar.gz) of a root filesystem', { cause: e });
  });
  try {
    const platform = hostPlatform();
    const created = new Date().toISOString();
    const config: ImageConfig = {
      created, architecture: platform.architecture, os: 'linux', ...(platform.variant ? { variant: platform.variant } : {}),
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], ...opts.config },
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created, created_by: opts.createdBy ?? 'skiff import', ...(opts.comment ? { comment: opts.comment } : {}) }],
    };
    // An import without a name is a dangling image, as with `docker import file.tar`.
    const imageId = await saveImage(store, config, [layer.descriptor], fullName ? { name: fullName } : {});
    return { imageId, name: fullName };
  } finally {
    await layer.release();
  }
}
