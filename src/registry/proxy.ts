// The pull-through cache (distribution's `proxy.remoteurl`): a registry that, asked for a manifest
// or blob it does not hold, fetches it from an upstream registry with the engine's own registry
// client, keeps it, and serves it — so a classroom behind one address asks Docker Hub once, not 30
// times. The point of it all, single flight: when 30 students ask for the same blob at the same
// moment, ONE upstream download runs, and every waiter is streamed the bytes as they arrive (read
// from the ingest file while it grows). The last byte goes out only after the whole blob has been
// verified against its digest, so no one is ever handed a complete, wrong blob.
import { promises as fs } from 'node:fs';
import type { Dispatcher } from 'undici';
import { type Digest, isDigest } from '../engine/digest.ts';
import { isSkiffError } from '../engine/errors.ts';
import { EventBus } from '../engine/events.ts';
import { isIndexType, MANIFEST_ACCEPT, type ImageIndexDoc, type ImageManifest } from '../engine/oci.ts';
import type { Credentials } from '../engine/registry/auth.ts';
import { scopeFor } from '../engine/registry/challenge.ts';
import { RegistryClient } from '../engine/registry/client.ts';
import { statBlob } from '../engine/registry/upload.ts';
import { RegistryError } from './errors.ts';
import type { RegistryStorage, StoredManifest } from './storage.ts';

export interface ProxyOptions {
  /** The upstream registry's URL, e.g. https://registry-1.docker.io or http://127.0.0.1:5001 */
  upstream: string;
  credentials?: Credentials;
  dispatcher?: Dispatcher;
  events?: EventBus;
  /** How long a tag's manifest is served without asking upstream again (default 60 s). */
  tagTtlMs?: number;
}

const READ_CHUNK = 1 << 20;

/** One upstream download of one blob, which any number of readers follow as it grows. */
export class Flight {
  size = -1;
  tmpPath = '';
  written = 0;
  /** Every byte arrived and the digest checked out: readers may send the last byte. */
  verified = false;
  /** Committed to the content store and linked: new readers read the blob itself. */
  done = false;
  error: unknown;
  /** Settles once the size is known and the ingest file exists (readers may start), or fails. */
  ready: Promise<void> = Promise.resolve();
  private waiting: { until: number; wake: () => void }[] = [];

  constructor(readonly digest: Digest, private readonly finalPath: string) {}

  /** Wakes the readers whose bytes have arrived (all of them when the download ends). */
  notify(): void {
    const settled = this.verified || this.done || this.error !== undefined;
    const still: typeof this.waiting = [];
    for (const w of this.waiting) {
      if (settled || this.written >= w.until) w.wake();
      else still.push(w);
    }
    this.waiting = still;
  }

  /** Resolves once `until` bytes are written, or the download has ended either way. */
  private arrived(until: number): Promise<void> {
    return new Promise((wake) => this.waiting.push({ until, wake }));
  }

  /** The bytes start..end (inclusive), as they become available. Throws if the download fails. */
  async *read(start: number, end: number): AsyncGenerator<Buffer> {
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(this.tmpPath, 'r');
    } catch {
      fh = await fs.open(this.finalPath, 'r'); // committed (renamed) meanwhile: the same bytes
    }
    try {
      let pos = start;
      while (pos <= end) {
        if (this.error !== undefined) throw this.error;
        // Hold the last byte back until the blob is verified.
        const limit = this.verified || this.done ? this.size : Math.min(this.written, this.size - 1);
        if (pos < limit) {
          const n = Math.min(limit - pos, READ_CHUNK, end + 1 - pos);
          const buf = Buffer.allocUnsafe(n);
          const { bytesRead } = await fh.read(buf, 0, n, pos);
          if (bytesRead === 0) throw new Error(`blob ${this.digest} ended early at ${pos}`);
          pos += bytesRead;
          yield bytesRead === n ? buf : buf.subarray(0, bytesRead);
          continue;
        }
        // Wait for a good batch (READ_CHUNK) rather than wake at every network chunk of a few KiB:
        // thirty readers woken that often would make the cache slower than its upstream. When
        // everything has arrived but is not yet verified, only the end of the download wakes us.
        await this.arrived(this.written >= this.size ? this.size + 1 : Math.min(pos + READ_CHUNK, this.size));
      }
    } finally {
      await fh.close();
    }
  }
}

export class PullThroughCache {
  readonly client: RegistryClient;
  readonly upstream: string;
  /** What went upstream: tests and the bench read these. */
  readonly stats = { manifestRequests: 0, blobDownloads: 0, blobBytes: 0 };
  private readonly flights = new Map<Digest, Flight>();
  private readonly manifestFlights = new Map<string, Promise<StoredManifest | undefined>>();
  /** Blob sizes from the manifests passed through: a blob request then needs no HEAD upstream. */
  private readonly sizes = new Map<Digest, number>();
  private readonly checked = new Map<string, number>();
  /** Manifests just fetched, served from memory while (and after) they are written down. */
  private readonly recent = new Map<string, StoredManifest>();
  private readonly tagTtlMs: number;

  constructor(private readonly storage: RegistryStorage, o: ProxyOptions) {
    this.upstream = o.upstream.replace(/\/+$/, '');
    this.client = new RegistryClient({ origin: this.upstream, events: o.events ?? new EventBus(), credentials: o.credentials, dispatcher: o.dispatcher });
    this.tagTtlMs = o.tagTtlMs ?? 60_000;
  }

  /** A manifest by tag or digest: from the cache when it is there (and fresh, for a tag), else upstream. */
  manifest(repo: string, ref: string): Promise<StoredManifest | undefined> {
    const key = `${repo}@${ref}`;
    const fresh = (m: StoredManifest | undefined) => m !== undefined && (isDigest(ref) || Date.now() - (this.checked.get(key) ?? 0) < this.tagTtlMs);
    const recent = this.recent.get(key);
    if (fresh(recent)) return Promise.resolve(recent);
    // Everything from here on is one flight per manifest, joined synchronously: ten students asking
    // at once make one lookup and at most one upstream request.
    let flight = this.manifestFlights.get(key);
    if (!flight) {
      flight = (async () => {
        const cached = await this.storage.manifest(repo, ref);
        return fresh(cached) ? cached : this.fetchManifest(repo, ref, cached);
      })().finally(() => this.manifestFlights.delete(key));
      this.manifestFlights.set(key, flight);
    }
    return flight;
  }

  private async fetchManifest(repo: string, ref: string, cached: StoredManifest | undefined): Promise<StoredManifest | undefined> {
    try {
      if (cached) {
        // A tag may have moved upstream. HEAD says so without counting against Docker Hub's limit.
        this.stats.manifestRequests++;
        const res = await this.client.transport.send('manifest', 'HEAD', `/v2/${repo}/manifests/${ref}`, { scope: scopeFor(repo, ['pull']), headers: { accept: MANIFEST_ACCEPT.join(', ') } });
        await res.body.dump();
        if (res.statusCode === 200 && res.headers['docker-content-digest'] === cached.digest) {
          this.checked.set(`${repo}@${ref}`, Date.now());
          return cached;
        }
        if (res.statusCode === 404) return undefined;
      }
      this.stats.manifestRequests++;
      const m = await this.client.manifest(repo, ref); // its digest checked by the client
      this.learnSizes(m.bytes, m.mediaType);
      const stored: StoredManifest = { digest: m.digest, mediaType: m.mediaType, bytes: m.bytes };
      const key = `${repo}@${ref}`;
      if (this.recent.size >= 1000) this.recent.clear(); // small documents; a bound all the same
      this.recent.set(key, stored);
      this.checked.set(key, Date.now());
      // Written down for later (and for a restarted cache) without keeping the students waiting.
      this.storage.putManifest(repo, m.bytes, m.mediaType, isDigest(ref) ? undefined : ref).catch(() => this.recent.delete(key));
      return stored;
    } catch (e) {
      if (isSkiffError(e, 'MANIFEST_UNKNOWN')) return undefined;
      // Upstream unreachable: a cache that still holds the tag serves it (offline classrooms).
      if (cached && isSkiffError(e, 'NETWORK')) return cached;
      throw upstreamError(e);
    }
  }

  private learnSizes(bytes: Buffer, mediaType: string): void {
    try {
      const doc = JSON.parse(bytes.toString('utf8')) as ImageManifest & ImageIndexDoc;
      if (isIndexType(mediaType)) return;
      for (const d of [doc.config, ...(doc.layers ?? [])]) if (d && isDigest(d.digest) && typeof d.size === 'number') this.sizes.set(d.digest, d.size);
    } catch {
      // not JSON: the client refused it already
    }
  }

  /**
   * A blob not held here: joins the download under way, or starts it. Resolves once the size is
   * known and bytes can be read; undefined when upstream does not have it.
   */
  async blob(repo: string, digest: Digest): Promise<Flight | undefined> {
    let flight = this.flights.get(digest);
    if (!flight) {
      flight = new Flight(digest, this.storage.content.path(digest));
      this.flights.set(digest, flight);
      const f = flight;
      const started = this.download(repo, f);
      started.catch(() => {});
      const forget = () => {
        if (this.flights.get(digest) === f) this.flights.delete(digest);
      };
      // The download's end is wrapped in an object: a promise resolving to a promise would wait for it.
      f.ready = started.then(({ finished }) => {
        // A finished flight stays findable a while: a request that looked in the store just
        // before the commit then joins it instead of starting a second download.
        finished.then(() => setTimeout(forget, 30_000).unref(), forget);
      }, (e: unknown) => {
        forget();
        throw e;
      });
    } else await this.storage.linkBlob(repo, digest).catch(() => {});
    try {
      await flight.ready;
    } catch (e) {
      if (e instanceof RegistryError && e.code === 'BLOB_UNKNOWN') return undefined;
      throw e;
    }
    return flight;
  }

  /** Starts the download; resolves (with the download's end) once the size and ingest file exist. */
  private async download(repo: string, f: Flight): Promise<{ finished: Promise<void> }> {
    const size = this.sizes.get(f.digest) ?? (await statBlob(this.client, repo, f.digest, undefined, ['pull']).catch((e) => {
      throw upstreamError(e);
    }));
    if (size === undefined) throw new RegistryError('BLOB_UNKNOWN', undefined, { digest: f.digest });
    const writer = await this.storage.content.writer(f.digest, size);
    f.size = size;
    f.tmpPath = writer.tmpPath;
    this.stats.blobDownloads++;
    const run = (async () => {
      try {
        await this.client.blob(repo, f.digest, size, {
          get offset() {
            return f.written;
          },
          write: async (chunk) => {
            await writer.write(chunk);
            f.written += chunk.length;
            this.stats.blobBytes += chunk.length;
            f.notify();
          },
        });
        // The bytes are right (sha256 and size): the waiting students get their last byte now,
        // while the blob is made durable and visible (fsync, rename, link) for the next ones.
        writer.verify();
        f.verified = true;
        f.notify();
        await writer.commit();
        await this.storage.linkBlob(repo, f.digest);
        f.done = true;
      } catch (e) {
        f.error = upstreamError(e);
        await writer.abort().catch(() => {});
        throw f.error;
      } finally {
        f.notify();
      }
    })();
    run.catch(() => {});
    return { finished: run };
  }
}

/** An upstream failure, as the registry's own error (the client sees why its pull failed). */
function upstreamError(e: unknown): RegistryError {
  if (e instanceof RegistryError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (isSkiffError(e, 'UNAUTHORIZED') || isSkiffError(e, 'DENIED')) return new RegistryError('UNAUTHORIZED', `upstream refused: ${msg}`);
  if (isSkiffError(e, 'TOO_MANY_REQUESTS')) return new RegistryError('TOOMANYREQUESTS', `upstream: ${msg}`);
  return new RegistryError('UNAVAILABLE', `upstream: ${msg}`, undefined, { status: 502 });
}
