// The content store: blobs named by their sha256 digest, laid out as an OCI image layout
// (image-spec image-layout.md: `oci-layout`, `index.json`, `blobs/sha256/<hex>`) so that skopeo
// and umoci can read what Skiff pulled (`skopeo inspect oci:<root>/oci:<name>`).
//
// Nothing becomes visible under blobs/ until its bytes were hashed and matched the expected digest
// (and size): a Writer hashes while it writes into ingest/, and commit() checks, fsyncs and renames.
// This is containerd's content.Writer.Commit(expected) idea.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { type Digest, hexOf, isDigest, sha256, shortId } from '../digest.ts';
import { SkiffError } from '../errors.ts';
import { fsyncDir, writeFileAtomic } from './atomic.ts';
import { ownerGone } from './lock.ts';

/** Written bytes between two background flushes (see BlobWriter.write). */
const FLUSH_EVERY = 16 << 20;

export class BlobWriter {
  private readonly hash: Hash = createHash('sha256');
  private written = 0;
  private closed = false;
  private unflushed = 0;
  /** The flush under way, if any: at most one at a time. */
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly fh: fs.FileHandle,
    readonly tmpPath: string,
    private readonly blobPath: (d: Digest) => string,
    /** undefined when the digest is learned from the content (import, build). */
    readonly expected: Digest | undefined,
    readonly expectedSize: number | undefined,
  ) {}

  /** The digest of what was written so far. */
  currentDigest(): Digest {
    return this.actual();
  }

  private actual(): Digest {
    return `sha256:${this.hash.copy().digest('hex')}`;
  }

  /** Bytes accepted so far: where a resumed download continues (HTTP Range: bytes=offset-). */
  get offset(): number {
    return this.written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.expectedSize !== undefined && this.written + chunk.length > this.expectedSize) {
      throw new SkiffError('SIZE_MISMATCH', `blob ${shortId(this.expected ?? '')} is larger than the ${this.expectedSize} bytes its descriptor promised`, 'the registry sent more data than the manifest says; try the pull again');
    }
    this.hash.update(chunk);
    this.written += chunk.length;
    await this.fh.write(chunk);
    // A big blob is flushed to disk while it downloads, not all at the end: commit()'s fsync then
    // has little left to write, and the disk works while the CPUs unpack.
    this.unflushed += chunk.length;
    if (this.unflushed >= FLUSH_EVERY) this.flush();
  }

  /** Starts writing what was written so far to disk, in the background (commit() waits for it). */
  flush(): void {
    if (this.flushing || this.closed) return;
    this.unflushed = 0;
    this.flushing = this.fh.datasync().finally(() => (this.flushing = undefined));
    this.flushing.catch(() => {}); // commit()'s own fsync reports a failing disk
  }

  /** Checks size and digest of what was written so far, without committing. */
  verify(): void {
    const actual = this.actual();
    if (this.expectedSize !== undefined && this.written !== this.expectedSize) {
      throw new SkiffError('SIZE_MISMATCH', `blob ${shortId(this.expected ?? actual)} is ${this.written} bytes, its descriptor says ${this.expectedSize}`, 'the download was cut short or the manifest is wrong; try the pull again');
    }
    if (this.expected !== undefined && actual !== this.expected) {
      throw new SkiffError('DIGEST_MISMATCH', `blob content does not match its digest: expected ${this.expected}, got ${actual}`, 'the data was corrupted on the way or the registry is serving bad content; nothing was stored');
    }
  }

  /** Verifies size and digest, then makes the blob visible atomically; returns its digest. */
  async commit(): Promise<Digest> {
    const digest = this.expected ?? this.actual();
    try {
      this.verify();
      await this.flushing?.catch(() => {});
      await this.fh.sync();
    } catch (e) {
      await this.abort();
      throw e;
    }
    await this.fh.close();
    this.closed = true;
    const final = this.blobPath(digest);
    await fs.rename(this.tmpPath, final);
    await fsyncDir(path.dirname(final));
    return digest;
  }

  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.flushing?.catch(() => {});
      await this.fh.close().catch(() => {});
    }
    await fs.rm(this.tmpPath, { force: true });
  }
}

export class ContentStore {
  readonly root: string; // the OCI layout directory
  private readonly blobDir: string;
  private readonly ingestDir: string;

  constructor(dataRoot: string) {
    this.root = path.join(dataRoot, 'oci');
    this.blobDir = path.join(this.root, 'blobs', 'sha256');
    this.ingestDir = path.join(dataRoot, 'ingest');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.blobDir, { recursive: true });
    await fs.mkdir(this.ingestDir, { recursive: true });
    const layoutFile = path.join(this.root, 'oci-layout');
    try {
      await fs.access(layoutFile);
    } catch {
      await writeFileAtomic(layoutFile, JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    }
    // Partial downloads of a process that died are useless (resume works within one pull); those
    // of another live Skiff process using this data root are its business.
    for (const f of await fs.readdir(this.ingestDir)) if (ownerGone(f)) await fs.rm(path.join(this.ingestDir, f), { force: true, recursive: true });
  }

  path(d: Digest): string {
    return path.join(this.blobDir, hexOf(d));
  }

  async has(d: Digest): Promise<boolean> {
    try {
      await fs.access(this.path(d));
      return true;
    } catch {
      return false;
    }
  }

  async size(d: Digest): Promise<number | undefined> {
    try {
      return (await fs.stat(this.path(d))).size;
    } catch {
      return undefined;
    }
  }

  async read(d: Digest): Promise<Buffer> {
    try {
      return await fs.readFile(this.path(d));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new SkiffError('STORE', `blob ${d} is missing from the store`, 'pull the image again');
      throw e;
    }
  }

  async readJson<T>(d: Digest): Promise<T> {
    return JSON.parse((await this.read(d)).toString('utf8')) as T;
  }

  stream(d: Digest): Readable {
    return createReadStream(this.path(d));
  }

  /** A writer for a blob; with `expected`, commit() refuses content that does not match it. */
  async writer(expected?: Digest, expectedSize?: number): Promise<BlobWriter> {
    const tmp = path.join(this.ingestDir, `${expected ? hexOf(expected) : 'new'}-p${process.pid}-${randomBytes(6).toString('hex')}`);
    const fh = await fs.open(tmp, 'wx', 0o644);
    return new BlobWriter(fh, tmp, (d) => this.path(d), expected, expectedSize);
  }

  /** Stores bytes held in memory (manifests, configs), verified against `expected` when given. */
  async put(data: Uint8Array, expected?: Digest): Promise<Digest> {
    const actual = sha256(data);
    if (expected && actual !== expected) {
      throw new SkiffError('DIGEST_MISMATCH', `content does not match its digest: expected ${expected}, got ${actual}`, 'the registry sent content that differs from what it promised; nothing was stored');
    }
    if (!(await this.has(actual))) await writeFileAtomic(this.path(actual), data);
    return actual;
  }

  async delete(d: Digest): Promise<void> {
    await fs.rm(this.path(d), { force: true });
  }

  async list(): Promise<{ digest: Digest; size: number }[]> {
    const out: { digest: Digest; size: number }[] = [];
    for (const name of await fs.readdir(this.blobDir)) {
      const digest = `sha256:${name}`;
      if (!isDigest(digest)) continue;
      out.push({ digest, size: (await fs.stat(path.join(this.blobDir, name))).size });
    }
    return out;
  }
}
