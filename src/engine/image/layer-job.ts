// Getting one layer into the store: download the compressed blob and, *in the same pass*, gunzip
// it, hash the uncompressed bytes (the DiffID) and unpack the tar into a temp directory. Only when
// the blob's digest AND the DiffID both check out does anything become visible: the blob is renamed
// into blobs/ and the directory into layers/<chainID>. Any failure throws both away.
//
//   registry ──▶ BlobWriter (sha256 of compressed bytes, ingest file)
//              └▶ gunzip ──▶ DiffID hash ──▶ tar unpack (a worker thread) ──▶ layers/.tmp-…/diff
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { type Digest, shortId } from '../digest.ts';
import { SkiffError } from '../errors.ts';
import type { Descriptor } from '../oci.ts';
import type { RegistryClient } from '../registry/client.ts';
import type { ContentStore } from '../store/content.ts';
import type { LayerStore } from '../store/layers.ts';
import { compressionOf, decompressor } from '../unpack/decompress.ts';
import { unpackLayer, type UnpackStats } from '../unpack/unpack.ts';

export type LayerProgress = (phase: 'downloading' | 'verifying' | 'extracting', current: number) => void;

export interface LayerJobInput {
  desc: Descriptor; // the compressed blob as the manifest lists it
  diffId: Digest; // what the config says the uncompressed tar hashes to
  chainId: Digest;
  parent?: Digest;
  repo: string;
  client: RegistryClient;
  content: ContentStore;
  layers: LayerStore;
  progress: LayerProgress;
  signal?: AbortSignal;
}

/** Unpacks the uncompressed tar stream while hashing it; resolves to the DiffID and counts. */
async function unpackHashed(compressed: Readable, mediaType: string, dest: string, signal?: AbortSignal): Promise<{ diffId: Digest; stats: UnpackStats }> {
  const hash = createHash('sha256');
  const inflate = decompressor(compressionOf(mediaType));
  const tar = inflate ? compressed.pipe(inflate) : compressed;
  if (inflate) compressed.on('error', (e) => inflate.destroy(e));
  try {
    const stats = await unpackLayer(tar, dest, { signal, tap: (chunk) => hash.update(chunk) });
    return { diffId: `sha256:${hash.digest('hex')}`, stats };
  } catch (e) {
    // Detach the broken chain so the caller can keep draining `compressed` without buffering.
    if (inflate) {
      compressed.unpipe(inflate);
      inflate.destroy();
    }
    throw e;
  }
}

function checkDiffId(got: Digest, want: Digest, blob: Digest): void {
  if (got !== want) {
    throw new SkiffError('DIGEST_MISMATCH', `layer ${shortId(blob)} unpacks to ${got}, but the image config expects ${want}`, 'the image is inconsistent or was tampered with; nothing was stored');
  }
}

export async function fetchLayer(j: LayerJobInput): Promise<UnpackStats> {
  compressionOf(j.desc.mediaType); // fail fast on a media type we cannot unpack
  const prepared = await j.layers.prepare();
  try {
    let stats: UnpackStats;
    if (await j.content.has(j.desc.digest)) {
      // The blob is here already (another image has it under a different parent): unpack only.
      j.progress('extracting', j.desc.size);
      const r = await unpackHashed(j.content.stream(j.desc.digest), j.desc.mediaType, prepared.diff, j.signal);
      checkDiffId(r.diffId, j.diffId, j.desc.digest);
      stats = r.stats;
    } else {
      stats = await downloadAndUnpack(j, prepared.diff);
    }
    await prepared.commit({ chainId: j.chainId, diffId: j.diffId, parent: j.parent, blob: j.desc.digest, size: stats.bytes, files: stats.files, created: new Date().toISOString() });
    return stats;
  } catch (e) {
    await prepared.abort();
    throw e;
  }
}

async function downloadAndUnpack(j: LayerJobInput, dest: string): Promise<UnpackStats> {
  const writer = await j.content.writer(j.desc.digest, j.desc.size);
  const feed = new PassThrough({ highWaterMark: 1 << 20 });
  let unpackError: unknown;
  const unpacked = unpackHashed(feed, j.desc.mediaType, dest, j.signal);
  // If unpacking fails we stop feeding it but finish the download: corrupted bytes usually break
  // gunzip first, and the honest report then is the digest mismatch, not "invalid gzip block".
  const failed = unpacked.then(() => undefined, (e: unknown) => {
    unpackError = e;
    feed.resume();
  });
  try {
    await j.client.blob(j.repo, j.desc.digest, j.desc.size, {
      get offset() {
        return writer.offset;
      },
      async write(chunk) {
        await writer.write(chunk);
        if (!unpackError && !feed.write(chunk)) await Promise.race([once(feed, 'drain'), failed]);
      },
    }, { onProgress: (n) => j.progress('downloading', n), signal: j.signal });
    feed.end();
    writer.verify(); // a corrupted or truncated blob is reported as such, whatever unpack said
    writer.flush(); // to disk while the unpack finishes; commit() waits for it
    j.progress('extracting', j.desc.size);
    await failed;
    if (unpackError) throw unpackError;
    const { diffId, stats } = await unpacked;
    j.progress('verifying', j.desc.size);
    checkDiffId(diffId, j.diffId, j.desc.digest);
    await writer.commit(); // fsync + rename: only now is the blob visible
    return stats;
  } catch (e) {
    // Destroying with an error is what reaches the unpacker (pipe() would just stop feeding it).
    feed.destroy(e instanceof Error ? e : new Error(String(e)));
    await failed;
    await writer.abort();
    throw e;
  }
}
