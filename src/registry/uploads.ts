// Blob upload sessions (distribution-spec "Pushing blobs"): POST opens one, PATCHes append chunks in
// order, PUT ?digest= closes it. The bytes go into the content store's ingest area through a
// BlobWriter, hashed as they arrive; at the PUT the digest the client names must equal what was
// received, and only then does the blob become visible (commit: fsync, rename). A session lives in
// memory: a registry restart forgets unfinished uploads, and the client starts the blob again.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { type Digest, isDigest } from '../engine/digest.ts';
import type { BlobWriter, ContentStore } from '../engine/store/content.ts';
import { RegistryError } from './errors.ts';

export interface Upload {
  id: string;
  repo: string;
  writer: BlobWriter;
  /** Bytes received so far. */
  offset: number;
  busy: boolean;
  touched: number;
}

/** Sessions idle longer than this are dropped (distribution purges after a week; we are smaller). */
const IDLE_MS = 60 * 60 * 1000;

export class Uploads {
  private readonly sessions = new Map<string, Upload>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly content: ContentStore) {
    this.timer = setInterval(() => void this.sweep(IDLE_MS), 60_000);
    this.timer.unref();
  }

  async start(repo: string): Promise<Upload> {
    const u: Upload = { id: randomUUID(), repo, writer: await this.content.writer(), offset: 0, busy: false, touched: Date.now() };
    this.sessions.set(u.id, u);
    return u;
  }

  get(repo: string, id: string): Upload {
    const u = this.sessions.get(id);
    if (!u || u.repo !== repo) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', undefined, { uuid: id });
    u.touched = Date.now();
    return u;
  }

  /**
   * Appends a request body to the upload. With `start` (from Content-Range) it must continue where
   * the upload stands: chunks are taken in order, never overlapping, never with a gap.
   */
  async append(u: Upload, body: Readable, start?: number, declared?: number): Promise<void> {
    if (u.busy) throw new RegistryError('BLOB_UPLOAD_INVALID', 'another chunk of this upload is being received', { uuid: u.id }, { status: 416 });
    if (start !== undefined && start !== u.offset) {
      throw new RegistryError('BLOB_UPLOAD_INVALID', `chunk starts at ${start}, but the upload holds ${u.offset} bytes`, { uuid: u.id, offset: u.offset }, { status: 416, headers: rangeHeaders(u) });
    }
    u.busy = true;
    const before = u.offset;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        await u.writer.write(chunk);
        u.offset += chunk.length;
      }
    } catch (e) {
      // A body cut off mid-way leaves what arrived: the client asks (GET) and resumes from there.
      if (e instanceof RegistryError) throw e;
      throw new RegistryError('BLOB_UPLOAD_INVALID', `the chunk was cut off after ${u.offset - before} bytes`, { uuid: u.id, offset: u.offset });
    } finally {
      u.busy = false;
      u.touched = Date.now();
    }
    if (declared !== undefined && u.offset - before !== declared) {
      throw new RegistryError('SIZE_INVALID', `Content-Length said ${declared} bytes, ${u.offset - before} arrived`, { uuid: u.id });
    }
  }

  /** Verifies the digest and makes the blob visible; the session ends either way. */
  async finish(u: Upload, digest: string): Promise<Digest> {
    if (!isDigest(digest)) {
      await this.cancel(u);
      throw new RegistryError('DIGEST_INVALID', `invalid digest ${JSON.stringify(digest)}: only sha256 is supported`, { digest });
    }
    this.sessions.delete(u.id);
    const actual = u.writer.currentDigest();
    if (actual !== digest) {
      await u.writer.abort();
      throw new RegistryError('DIGEST_INVALID', `the upload's content hashes to ${actual}, not ${digest}`, { expected: digest, actual });
    }
    if (await this.content.has(digest)) {
      await u.writer.abort(); // someone else stored the same bytes meanwhile
      return digest;
    }
    return (await u.writer.commit()) as Digest;
  }

  async cancel(u: Upload): Promise<void> {
    this.sessions.delete(u.id);
    await u.writer.abort();
  }

  async sweep(idleMs: number): Promise<void> {
    const now = Date.now();
    for (const u of [...this.sessions.values()]) if (!u.busy && now - u.touched > idleMs) await this.cancel(u);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.sweep(-1);
  }
}

/** The headers that say where an upload stands: Location, Range (inclusive end), Docker-Upload-UUID. */
export function rangeHeaders(u: Upload): Record<string, string> {
  return {
    Location: `/v2/${u.repo}/blobs/uploads/${u.id}`,
    Range: `0-${Math.max(0, u.offset - 1)}`,
    'Docker-Upload-UUID': u.id,
  };
}
