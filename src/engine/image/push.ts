// `push`: a local image to its registry — the pull handshake run backwards (docker/docker
// distribution/push_v2.go), each step an event the push diagram shows:
//   1. GET /v2/                              → 401 + a challenge; a token for `push,pull`
//   2. for each blob (the layers, then the config), up to 3 at once:
//        HEAD /v2/<name>/blobs/<digest>     → 200: "Layer already exists", nothing sent
//        POST …/uploads/?mount=&from=       → 201: "Mounted from <repo>" — the registry already
//                                               holds it in another repository we pulled or pushed
//        POST …/uploads/ + PUT ?digest=     → a small blob in one request (monolithic)
//        POST …/uploads/ + PATCH… + PUT     → a big blob in chunks (Content-Range), resumable
//   3. PUT /v2/<name>/manifests/<tag>       → the manifest, with its own Content-Type (and, for an
//                                               image that came with an index we hold whole, the
//                                               platform manifests by digest, then the index)
// The manifest pushed is the one the image arrived with (its bytes, so its digest is unchanged).
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { Dispatcher } from 'undici';
import { type Digest, isDigest } from '../digest.ts';
import { SkiffError, describeError } from '../errors.ts';
import type { EventBus, PushPhase } from '../events.ts';
import { type Descriptor, type ImageConfig, type ImageIndexDoc, type ImageManifest, isIndexType } from '../oci.ts';
import { formatReference, type ImageReference, parseReference } from '../reference.ts';
import type { Credentials } from '../registry/auth.ts';
import { RegistryClient } from '../registry/client.ts';
import { registryOrigin } from '../registry/login.ts';
import { finishUpload, mountBlob, putManifest, startUpload, statBlob, uploadChunk, uploadOffset } from '../registry/upload.ts';
import { REPO_DIGEST, SOURCE_MANIFEST } from '../store/image-index.ts';
import type { Store } from '../store/store.ts';
import { nameOf } from './names.ts';
import { runLimited } from './pull.ts';

export interface PushOptions {
  credentials?: Credentials;
  insecureRegistries?: string[];
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
  attempts?: number;
  backoffMs?: number;
  /** Blobs up to this size go in one PUT; bigger ones in PATCH chunks of this size (default 8 MiB). */
  chunkSize?: number;
}

export type BlobOutcome = 'pushed' | 'exists' | 'mounted';

export interface PushResult {
  ref: string;
  tag: string;
  digest: Digest;
  size: number;
  mediaType: string;
  blobs: { digest: Digest; kind: 'layer' | 'config'; outcome: BlobOutcome; from?: string; chunks?: number }[];
}

const PARALLEL_UPLOADS = 3;
const DEFAULT_CHUNK = 8 << 20;
const PROGRESS_EVERY_MS = 100;

interface Doc {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
}

interface BlobJob {
  desc: Descriptor;
  kind: 'layer' | 'config';
  diffId?: Digest;
}

export class Pusher {
  constructor(
    private readonly store: Store,
    private readonly events: EventBus,
  ) {}

  async push(input: string | ImageReference, opts: PushOptions = {}): Promise<PushResult> {
    const parsed = typeof input === 'string' ? parseReference(input) : input;
    if (parsed.digest && !parsed.tag) throw new SkiffError('USAGE', `cannot push a digest reference (${formatReference(parsed)})`, 'tag the image with a name first: skiff tag IMAGE HOST/NAME:TAG');
    const ref: ImageReference = { domain: parsed.domain, path: parsed.path, tag: parsed.tag ?? 'latest' };
    const refText = formatReference(ref);
    const pushId = randomBytes(6).toString('hex');
    const started = performance.now();
    this.events.emit({ type: 'push.start', pushId, ref: refText });
    try {
      const result = await this.run(ref, refText, pushId, opts);
      this.events.emit({ type: 'push.done', pushId, ref: refText, tag: result.tag, digest: result.digest, size: result.size, mediaType: result.mediaType, ms: performance.now() - started });
      return result;
    } catch (e) {
      const err = e instanceof SkiffError ? e : new SkiffError('REGISTRY_ERROR', describeError(e), undefined, { cause: e });
      this.events.emit({ type: 'push.error', pushId, ref: refText, code: err.code, message: err.message });
      throw err;
    }
  }

  /** What the tag names locally: the manifest it arrived with, and its index when we hold all of it. */
  private async local(ref: ImageReference, refText: string): Promise<{ top: Doc; manifests: { doc: Doc; manifest: ImageManifest }[] }> {
    const entries = await this.store.index.entries();
    const entry = entries.find((e) => nameOf(e) === refText);
    if (!entry) throw new SkiffError('IMAGE_NOT_FOUND', `An image does not exist locally with the tag: ${refText.replace(/^docker\.io\/(library\/)?/, '')}`, `tag an image with that name first: skiff tag IMAGE ${refText}`);
    const content = this.store.content;
    const load = async (d: Digest, fallbackType: string): Promise<Doc> => {
      const bytes = await content.read(d);
      const mediaType = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? fallbackType;
      return { bytes, digest: d, mediaType };
    };
    const source = entry.annotations[SOURCE_MANIFEST] as Digest | undefined;
    const manifestDoc = source && source !== entry.digest && (await content.has(source)) ? await load(source, entry.mediaType) : await load(entry.digest, entry.mediaType);
    const main = { doc: manifestDoc, manifest: JSON.parse(manifestDoc.bytes.toString('utf8')) as ImageManifest };
    const repoDigest = entry.annotations[REPO_DIGEST] as Digest | undefined;
    if (repoDigest && repoDigest !== manifestDoc.digest && isDigest(repoDigest) && (await content.has(repoDigest))) {
      const index = await load(repoDigest, '');
      const doc = JSON.parse(index.bytes.toString('utf8')) as ImageIndexDoc;
      if (isIndexType(index.mediaType) && Array.isArray(doc.manifests)) {
        // The whole index goes only when every platform's manifest and blob is here (a registry
        // refuses an index naming manifests it does not have); else the platform image goes alone,
        // as Docker's classic store pushes it.
        const all: { doc: Doc; manifest: ImageManifest }[] = [];
        for (const m of doc.manifests) {
          if (!(await content.has(m.digest))) return { top: manifestDoc, manifests: [main] };
          const d = await load(m.digest, m.mediaType);
          const man = JSON.parse(d.bytes.toString('utf8')) as ImageManifest;
          if (isIndexType(d.mediaType) || !man.config) return { top: manifestDoc, manifests: [main] };
          for (const b of [man.config, ...man.layers]) if (!b.urls && !(await content.has(b.digest))) return { top: manifestDoc, manifests: [main] };
          all.push({ doc: d, manifest: man });
        }
        return { top: index, manifests: all };
      }
    }
    return { top: manifestDoc, manifests: [main] };
  }

  /** Repositories of the same registry that hold a blob, as far as this store knows (pulled or pushed there). */
  private async mountSources(ref: ImageReference): Promise<Map<Digest, string[]>> {
    const out = new Map<Digest, string[]>();
    for (const e of await this.store.index.entries()) {
      const name = nameOf(e);
      if (!name) continue;
      let r: ImageReference;
      try {
        r = parseReference(name);
      } catch {
        continue;
      }
      if (r.domain !== ref.domain || r.path === ref.path) continue;
      const m = await this.store.content.readJson<ImageManifest>(e.digest).catch(() => undefined);
      for (const d of m ? [m.config, ...m.layers] : []) {
        const list = out.get(d.digest) ?? [];
        if (!list.includes(r.path)) list.push(r.path);
        out.set(d.digest, list);
      }
    }
    return out;
  }

  private async run(ref: ImageReference, refText: string, pushId: string, opts: PushOptions): Promise<PushResult> {
    const { top, manifests } = await this.local(ref, refText);
    const client = new RegistryClient({
      origin: registryOrigin(ref.domain, opts.insecureRegistries), events: this.events, pullId: pushId, credentials: opts.credentials,
      dispatcher: opts.dispatcher, attempts: opts.attempts, backoffMs: opts.backoffMs,
    });
    const repo = ref.path;
    const signal = opts.signal;

    // Every blob once (platform images share layers), layers before configs as Docker orders them.
    const jobs = new Map<Digest, BlobJob>();
    for (const { manifest } of manifests) {
      const config = await this.store.content.readJson<ImageConfig>(manifest.config.digest).catch(() => undefined);
      manifest.layers.forEach((l, i) => {
        if (!l.urls && !jobs.has(l.digest)) jobs.set(l.digest, { desc: l, kind: 'layer', diffId: config?.rootfs.diff_ids[i] });
      });
    }
    for (const { manifest } of manifests) if (!jobs.has(manifest.config.digest)) jobs.set(manifest.config.digest, { desc: manifest.config, kind: 'config' });
    const lease = await this.store.leases.take({ blobs: [top.digest, ...manifests.map((m) => m.doc.digest), ...jobs.keys()], chains: [] });
    try {
      await client.ping(signal);
      const sources = await this.mountSources(ref);
      for (const j of jobs.values()) this.emitBlob(pushId, j, 'preparing', 0);
      const results: PushResult['blobs'] = [];
      await runLimited([...jobs.values()].map((j) => async () => {
        results.push(await this.blob(pushId, client, repo, j, sources.get(j.desc.digest) ?? [], opts));
      }), PARALLEL_UPLOADS);
      // Platform manifests by digest first, so the index PUT finds them.
      if (top !== manifests[0]!.doc) for (const m of manifests) await putManifest(client, repo, m.doc.digest, m.doc.bytes, m.doc.mediaType, signal);
      const said = await putManifest(client, repo, ref.tag!, top.bytes, top.mediaType, signal);
      if (said && said !== top.digest) {
        throw new SkiffError('DIGEST_MISMATCH', `${client.host} stored the manifest of ${refText} as ${said}, but its bytes hash to ${top.digest}`, 'the registry rewrote the manifest; it is not a faithful registry');
      }
      return { ref: refText, tag: ref.tag!, digest: top.digest, size: top.bytes.length, mediaType: top.mediaType, blobs: results };
    } finally {
      await lease.release();
    }
  }

  private emitBlob(pushId: string, j: BlobJob, phase: PushPhase, current: number, extra: { from?: string; upload?: { mode: 'monolithic' | 'chunked'; chunks: number }; error?: string } = {}): void {
    this.events.emit({ type: 'push.layer', pushId, digest: j.desc.digest, ...(j.diffId ? { diffId: j.diffId } : {}), kind: j.kind, phase, current, total: j.desc.size, ...extra });
  }

  private async blob(pushId: string, client: RegistryClient, repo: string, j: BlobJob, sources: string[], opts: PushOptions): Promise<PushResult['blobs'][number]> {
    const { digest, size } = j.desc;
    const signal = opts.signal;
    try {
      if ((await this.store.content.size(digest)) !== size) {
        throw new SkiffError('STORE', `blob ${digest} of this image is missing or damaged in the store`, 'pull or build the image again, then push');
      }
      if ((await statBlob(client, repo, digest, signal)) !== undefined) {
        this.emitBlob(pushId, j, 'exists', size);
        return { digest, kind: j.kind, outcome: 'exists' };
      }
      let location: string | undefined;
      for (const from of sources.slice(0, 3)) {
        const m = await mountBlob(client, repo, digest, from, signal);
        if (m.mounted) {
          this.emitBlob(pushId, j, 'mounted', size, { from });
          return { digest, kind: j.kind, outcome: 'mounted', from };
        }
        location = m.location; // the registry opened an upload instead: use it
      }
      const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
      this.emitBlob(pushId, j, 'pushing', 0);
      let chunks: number;
      if (size <= chunkSize) {
        const body = await this.store.content.read(digest);
        await finishUpload(client, repo, location ?? (await startUpload(client, repo, signal)), digest, body, signal);
        chunks = 1;
        this.emitBlob(pushId, j, 'pushed', size, { upload: { mode: 'monolithic', chunks } });
        return { digest, kind: j.kind, outcome: 'pushed', chunks };
      }
      chunks = await this.chunked(pushId, client, repo, j, location ?? (await startUpload(client, repo, signal)), chunkSize, signal);
      this.emitBlob(pushId, j, 'pushed', size, { upload: { mode: 'chunked', chunks } });
      return { digest, kind: j.kind, outcome: 'pushed', chunks };
    } catch (e) {
      this.emitBlob(pushId, j, 'failed', 0, { error: describeError(e) });
      throw e;
    }
  }

  /** PATCHes the blob in chunks; a chunk that fails is resumed from where the registry says it stands. */
  private async chunked(pushId: string, client: RegistryClient, repo: string, j: BlobJob, start: string, chunkSize: number, signal?: AbortSignal): Promise<number> {
    const { digest, size } = j.desc;
    const fh = await fs.open(this.store.content.path(digest), 'r');
    let location = start;
    let offset = 0;
    let chunks = 0;
    let failures = 0;
    let last = 0;
    try {
      while (offset < size) {
        const buf = Buffer.alloc(Math.min(chunkSize, size - offset));
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        if (bytesRead !== buf.length) throw new SkiffError('STORE', `blob ${digest} ended early while being read`, 'the store is damaged; pull the image again');
        try {
          location = await uploadChunk(client, repo, location, buf, offset, signal);
          offset += buf.length;
          chunks++;
        } catch (e) {
          if (signal?.aborted || ++failures > 3 || (e instanceof SkiffError && ['UNAUTHORIZED', 'DENIED', 'UNSUPPORTED'].includes(e.code))) throw e;
          // Where does the registry stand? It may have taken part of the chunk, or all of it.
          const status = await uploadOffset(client, repo, location, signal);
          location = status.location;
          offset = status.offset;
        }
        const now = performance.now();
        if (now - last >= PROGRESS_EVERY_MS || offset >= size) {
          last = now;
          this.emitBlob(pushId, j, 'pushing', offset);
        }
      }
    } finally {
      await fh.close();
    }
    await finishUpload(client, repo, location, digest, undefined, signal);
    return chunks;
  }
}
