// `pull`: Docker's handshake with a registry, step by step, each step an event the pull diagram
// shows (registry/transport.ts emits the HTTP exchanges):
//   1. GET /v2/                       → 200, or 401 + a challenge naming the token service
//   2. GET <realm>?scope=…            → a Bearer token (only when the registry asked for one)
//   3. GET /v2/<name>/manifests/<tag> → an index / manifest list: choose this host's platform,
//                                        then GET the platform's manifest by digest
//   4. GET /v2/<name>/blobs/<config>  → the image config (env, cmd, the layers' DiffIDs)
//   5. GET /v2/<name>/blobs/<layer>   → each layer not already stored, up to 3 at once,
//                                        unpacked while it downloads (layer-job.ts)
//   6. the name now points at the new manifest in the image index
import { randomBytes } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { chainIds, type Digest, isDigest } from '../digest.ts';
import { SkiffError, describeError, isSkiffError } from '../errors.ts';
import type { EventBus, LayerPhase } from '../events.ts';
import { type Descriptor, type ImageConfig, type ImageIndexDoc, type ImageManifest, isIndexType } from '../oci.ts';
import { formatReference, type ImageReference, parseReference } from '../reference.ts';
import type { Credentials } from '../registry/auth.ts';
import { RegistryClient } from '../registry/client.ts';
import { registryOrigin } from '../registry/login.ts';
import { choosePlatformManifest, formatPlatform, hostPlatform, type Platform } from '../registry/platform.ts';
import type { Store } from '../store/store.ts';
import { fetchLayer } from './layer-job.ts';
import { SOURCE_MANIFEST } from '../store/image-index.ts';
import { collectGarbage } from './gc.ts';
import { recordImage } from './record.ts';
import { parseConfig, parseManifest } from './validate.ts';

export interface PullOptions {
  platform?: Platform;
  credentials?: Credentials;
  /** Registries (host[:port]) reached over plain HTTP; loopback ones always are. */
  insecureRegistries?: string[];
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
  attempts?: number;
  backoffMs?: number;
  /** Registry mirrors (URLs, as dockerd's --registry-mirror) tried in order before Docker Hub for
   *  docker.io images; a mirror that fails or lacks the image is skipped. */
  mirrors?: string[];
  /** Registries tried *after* Docker Hub for docker.io images when it fails — Skiff's offline
   *  registry, so `pull busybox` works on a machine that cannot reach the internet. */
  fallbacks?: string[];
}

export interface PullResult {
  ref: string;
  imageId: Digest;
  manifestDigest: Digest;
  upToDate: boolean;
}

const PARALLEL_LAYERS = 3; // as dockerd's max-concurrent-downloads default
const PROGRESS_EVERY_MS = 100;

type Subscriber = (phase: LayerPhase, current: number) => void;
interface Job {
  done: Promise<void>;
  subscribers: Set<Subscriber>;
}

export class Puller {
  /** Layers being fetched right now, by ChainID: a second pull joins the first one's download. */
  private readonly jobs = new Map<Digest, Job>();
  /** Blobs being downloaded right now: a layer with the same blob under another parent waits. */
  private readonly blobs = new Map<Digest, Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly events: EventBus,
  ) {}

  async pull(input: string | ImageReference, opts: PullOptions = {}): Promise<PullResult> {
    const ref = typeof input === 'string' ? parseReference(input) : input;
    const pullId = randomBytes(6).toString('hex');
    const refText = formatReference(ref);
    const started = performance.now();
    this.events.emit({ type: 'pull.start', pullId, ref: refText });
    try {
      const result = await this.run(ref, refText, pullId, opts);
      this.events.emit({ type: 'pull.done', pullId, ref: refText, imageId: result.imageId, manifestDigest: result.manifestDigest, upToDate: result.upToDate, ms: performance.now() - started });
      return result;
    } catch (e) {
      const err = e instanceof SkiffError ? e : new SkiffError('REGISTRY_ERROR', describeError(e), undefined, { cause: e });
      this.events.emit({ type: 'pull.error', pullId, ref: refText, code: err.code, message: err.message });
      throw err;
    }
  }

  /**
   * Where to pull from, in order. Docker Hub images go to the mirrors first (dockerd's
   * registry-mirrors: `pull ubuntu` asks the classroom cache for library/ubuntu), then to the Hub.
   */
  static origins(ref: ImageReference, opts: Pick<PullOptions, 'mirrors' | 'fallbacks' | 'insecureRegistries'>): string[] {
    const own = registryOrigin(ref.domain, opts.insecureRegistries);
    if (ref.domain !== 'docker.io') return [own];
    const url = (m: string) => (/^https?:\/\//.test(m) ? m : registryOrigin(m, opts.insecureRegistries)).replace(/\/+$/, '');
    return [...new Set([...(opts.mirrors ?? []).map(url), own, ...(opts.fallbacks ?? []).map(url)])];
  }

  private async run(ref: ImageReference, refText: string, pullId: string, opts: PullOptions): Promise<PullResult> {
    const origins = Puller.origins(ref, opts);
    const own = registryOrigin(ref.domain, opts.insecureRegistries);
    let ownError: unknown;
    for (let i = 0; ; i++) {
      try {
        return await this.runFrom(origins[i]!, ref, refText, pullId, opts);
      } catch (e) {
        if (origins[i] === own) ownError = e;
        // A mirror that is down, or does not have the image, is passed over (as dockerd does).
        if (opts.signal?.aborted) throw e;
        if (i < origins.length - 1) continue;
        // Offline, and the offline registry does not have it: say both, and what does work.
        if (ownError !== undefined && ownError !== e && isSkiffError(ownError, 'NETWORK') && opts.fallbacks?.length) {
          throw new SkiffError('NETWORK', `${refText}: Docker Hub cannot be reached (${ownError.message}) and Skiff's offline registry does not have this image`, 'offline, `pull busybox` works; make other images with skiff import or skiff build', { cause: e });
        }
        throw e;
      }
    }
  }

  private async runFrom(origin: string, ref: ImageReference, refText: string, pullId: string, opts: PullOptions): Promise<PullResult> {
    const client = new RegistryClient({
      origin,
      events: this.events, pullId, credentials: opts.credentials,
      dispatcher: opts.dispatcher, attempts: opts.attempts, backoffMs: opts.backoffMs,
    });
    const repo = ref.path;
    const signal = opts.signal;

    await client.ping(signal);
    const top = await client.manifest(repo, ref.digest ?? ref.tag ?? 'latest', signal);
    let manifestBytes = top.bytes;
    let manifestDigest = top.digest;
    let manifestType = top.mediaType;
    if (isIndexType(top.mediaType)) {
      const index = JSON.parse(top.bytes.toString('utf8')) as ImageIndexDoc;
      if (!Array.isArray(index.manifests)) throw new SkiffError('MANIFEST_INVALID', `the manifest list of ${refText} has no manifests`, 'the registry is serving a broken image');
      const want = opts.platform ?? hostPlatform();
      const chosen = choosePlatformManifest(index.manifests, want);
      this.events.emit({
        type: 'pull.manifest', pullId, digest: top.digest, mediaType: top.mediaType,
        platforms: index.manifests.filter((m) => m.platform).map((m) => formatPlatform(m.platform!)), chosen: formatPlatform(chosen.platform ?? want),
      });
      if (!isDigest(chosen.digest)) throw new SkiffError('MANIFEST_INVALID', `the manifest list of ${refText} names an invalid digest`, 'the registry is serving a broken image');
      const platformManifest = await client.manifest(repo, chosen.digest, signal);
      manifestBytes = platformManifest.bytes;
      manifestDigest = platformManifest.digest;
      manifestType = platformManifest.mediaType;
    }
    if (isIndexType(manifestType)) throw new SkiffError('MANIFEST_INVALID', `the manifest list of ${refText} points at another list`, 'nested indexes are not supported');
    const manifest: ImageManifest = parseManifest(manifestBytes, refText);
    this.events.emit({ type: 'pull.manifest', pullId, digest: manifestDigest, mediaType: manifestType });

    // The config: small, fetched whole, verified before anything else is trusted.
    const configDesc = manifest.config;
    let configBytes: Buffer;
    if (await this.store.content.has(configDesc.digest)) {
      configBytes = await this.store.content.read(configDesc.digest);
    } else {
      const chunks: Buffer[] = [];
      let got = 0;
      await client.blob(repo, configDesc.digest, configDesc.size, {
        get offset() {
          return got;
        },
        async write(c) {
          chunks.push(Buffer.from(c));
          got += c.length;
        },
      }, { step: 'config', signal });
      configBytes = Buffer.concat(chunks);
    }
    const config: ImageConfig = parseConfig(configBytes, refText);
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new SkiffError('MANIFEST_INVALID', `${refText}: the manifest lists ${manifest.layers.length} layers but the config ${config.rootfs.diff_ids.length} DiffIDs`, 'the image is inconsistent; it cannot be unpacked');
    }

    const chains = chainIds(config.rootfs.diff_ids);
    // From here on this pull stores things before naming them: keep them safe from a concurrent rmi.
    const mine = { blobs: [top.digest, manifestDigest, configDesc.digest, ...manifest.layers.map((l) => l.digest)], chains };
    const lease = await this.store.leases.take(mine);
    try {
      return await this.finish(ref, refText, pullId, client, signal, { top, manifestBytes, manifestDigest, manifestType, manifest, configBytes, config, chains });
    } catch (e) {
      // A failed pull leaves the store as it found it: layers it completed before the failure
      // are taken back unless something else uses them. (Within one pull, a broken download is
      // resumed by Range; across pulls, a completed image shares its layers.)
      await lease.release();
      await collectGarbage(this.store, mine).catch(() => {});
      throw e;
    } finally {
      await lease.release();
    }
  }

  private async finish(ref: ImageReference, refText: string, pullId: string, client: RegistryClient, signal: AbortSignal | undefined, p: {
    top: { digest: Digest; bytes: Buffer }; manifestBytes: Buffer; manifestDigest: Digest; manifestType: string;
    manifest: ImageManifest; configBytes: Buffer; config: ImageConfig; chains: Digest[];
  }): Promise<PullResult> {
    const { top, manifestBytes, manifestDigest, manifestType, manifest, configBytes, config, chains } = p;
    const repo = ref.path;
    const configDesc = manifest.config;
    let fetched = 0;
    const layerWork = manifest.layers.map((desc, i) => async () => {
      const got = await this.layer(pullId, repo, client, desc, config.rootfs.diff_ids[i]!, chains[i]!, chains[i - 1], signal);
      if (got) fetched++;
    });
    for (const desc of manifest.layers) this.emitLayer(pullId, desc, 'waiting', 0);
    await runLimited(layerWork, PARALLEL_LAYERS);

    // Everything the image needs is in place: now the small documents, then the name.
    const name = formatReference(ref.digest ? { ...ref, tag: undefined } : ref);
    const imageId = configDesc.digest;
    const previous = await recordImage(this.store, {
      name, manifestBytes, manifestDigest, manifestType, configBytes, configDigest: imageId, config,
      repoDigest: manifestDigest !== top.digest ? top : undefined,
    });
    const upToDate = fetched === 0 && (previous?.annotations[SOURCE_MANIFEST] ?? previous?.digest) === manifestDigest;
    return { ref: refText, imageId, manifestDigest: top.digest, upToDate };
  }

  private emitLayer(pullId: string, desc: Descriptor, phase: LayerPhase, current: number): void {
    this.events.emit({ type: 'pull.layer', pullId, digest: desc.digest, phase, current, total: desc.size });
  }

  /** Ensures one layer is stored; true when it had to be fetched or unpacked. */
  private async layer(pullId: string, repo: string, client: RegistryClient, desc: Descriptor, diffId: Digest, chainId: Digest, parent: Digest | undefined, signal?: AbortSignal): Promise<boolean> {
    let last = 0;
    const subscriber: Subscriber = (phase, current) => {
      const now = performance.now();
      if (phase === 'downloading' && current < desc.size && now - last < PROGRESS_EVERY_MS) return;
      last = now;
      this.emitLayer(pullId, desc, phase, current);
    };
    try {
      let job = this.jobs.get(chainId);
      if (!job) {
        if ((await this.store.layers.has(chainId)) && (await this.store.content.has(desc.digest))) {
          this.emitLayer(pullId, desc, 'exists', desc.size);
          return false;
        }
        job = this.jobs.get(chainId) ?? this.startJob(repo, client, desc, diffId, chainId, parent, signal);
      }
      job.subscribers.add(subscriber);
      try {
        await job.done;
      } finally {
        job.subscribers.delete(subscriber);
      }
      this.emitLayer(pullId, desc, 'complete', desc.size);
      return true;
    } catch (e) {
      this.events.emit({ type: 'pull.layer', pullId, digest: desc.digest, phase: 'failed', current: 0, total: desc.size, error: describeError(e) });
      throw e;
    }
  }

  private startJob(repo: string, client: RegistryClient, desc: Descriptor, diffId: Digest, chainId: Digest, parent: Digest | undefined, signal?: AbortSignal): Job {
    const subscribers = new Set<Subscriber>();
    const done = (async () => {
      const sameBlob = this.blobs.get(desc.digest);
      if (sameBlob) await sameBlob.catch(() => {});
      const blobDone = fetchLayer({
        desc, diffId, chainId, parent, repo, client, content: this.store.content, layers: this.store.layers, signal,
        progress: (phase, current) => subscribers.forEach((s) => s(phase, current)),
      }).then(() => undefined);
      this.blobs.set(desc.digest, blobDone);
      try {
        await blobDone;
      } finally {
        if (this.blobs.get(desc.digest) === blobDone) this.blobs.delete(desc.digest);
      }
    })();
    const job: Job = { done, subscribers };
    this.jobs.set(chainId, job);
    done.then(() => this.jobs.delete(chainId), () => this.jobs.delete(chainId));
    return job;
  }
}

/** Runs tasks with at most `limit` at once; the first failure is thrown after running ones settle. */
export async function runLimited(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < tasks.length && failure === undefined) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure !== undefined) throw failure;
}

