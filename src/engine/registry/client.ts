// The registry client: the distribution API calls a pull needs, on top of RegistryTransport.
//   ping()         GET /v2/                      — learn the auth scheme (the 401 challenge)
//   manifest()     GET /v2/<name>/manifests/<ref> — index/list or image manifest, digest-checked
//   blob()         GET /v2/<name>/blobs/<digest>  — streamed to a sink; resumed with Range
import { type Digest, isDigest, sha256, shortId } from '../digest.ts';
import { SkiffError } from '../errors.ts';
import { isIndexType, isManifestType, MANIFEST_ACCEPT } from '../oci.ts';
import { parseErrorBody, scopeFor } from './challenge.ts';
import { RegistryTransport, type TransportOptions } from './transport.ts';

export interface RegistryClientOptions extends TransportOptions {
  /** How many times a broken blob download is resumed before giving up (default 5). */
  resumes?: number;
}

export interface FetchedManifest {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

export interface BlobSink {
  /** Bytes already held: the download continues from here. */
  readonly offset: number;
  write(chunk: Uint8Array): Promise<void>;
}

// A manifest is small; refuse anything absurd rather than buffer it (distribution caps at 4 MiB).
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export class RegistryClient {
  readonly transport: RegistryTransport;
  private readonly resumes: number;
  readonly host: string;

  constructor(o: RegistryClientOptions) {
    this.transport = new RegistryTransport(o);
    this.host = new URL(o.origin).host;
    this.resumes = o.resumes ?? 5;
  }

  async ping(signal?: AbortSignal): Promise<void> {
    const res = await this.transport.send('ping', 'GET', '/v2/', { signal });
    const header = res.headers['www-authenticate'];
    await res.body.dump();
    if (res.statusCode === 200) return;
    if (res.statusCode === 401 && this.transport.noteChallenge(header)) return;
    if (res.statusCode === 404) throw new SkiffError('REGISTRY_ERROR', `${this.host} does not speak the registry v2 API (GET /v2/ answered 404)`, 'check the registry address');
    throw new SkiffError('REGISTRY_ERROR', `${this.host} answered ${res.statusCode} to GET /v2/`, 'the registry may be down; try again later');
  }

  async manifest(repo: string, ref: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const res = await this.transport.send('manifest', 'GET', `/v2/${repo}/manifests/${ref}`, {
      scope: scopeFor(repo, ['pull']),
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
      signal,
    });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) throw this.failure(res.statusCode, bytes, repo, ref, 'manifest');
    if (bytes.length > MAX_MANIFEST_BYTES) throw new SkiffError('MANIFEST_INVALID', `manifest for ${repo}:${ref} is ${bytes.length} bytes, larger than any real manifest`, 'the registry is serving something that is not a manifest');
    const digest = sha256(bytes);
    // When we asked by digest, the bytes must hash to it; when by tag, the registry's
    // Docker-Content-Digest header must agree with what we received.
    const claimed = isDigest(ref) ? ref : (res.headers['docker-content-digest'] as string | undefined);
    if (claimed && claimed !== digest) {
      throw new SkiffError('DIGEST_MISMATCH', `manifest for ${repo}:${shortId(ref)} does not match its digest: expected ${claimed}, got ${digest}`, 'the registry sent corrupted or tampered content; nothing was stored');
    }
    let mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    try {
      const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; manifests?: unknown; config?: unknown };
      // The document's own mediaType wins; old registries send a generic Content-Type.
      if (doc.mediaType) mediaType = doc.mediaType;
      else if (!isIndexType(mediaType) && !isManifestType(mediaType)) mediaType = doc.manifests ? MANIFEST_ACCEPT[0]! : MANIFEST_ACCEPT[2]!;
    } catch {
      throw new SkiffError('MANIFEST_INVALID', `manifest for ${repo}:${ref} is not valid JSON`, 'the registry is serving a broken manifest');
    }
    if (!isIndexType(mediaType) && !isManifestType(mediaType)) {
      throw new SkiffError('UNSUPPORTED_MEDIA_TYPE', `manifest for ${repo}:${ref} has media type ${mediaType}, which Skiff cannot pull`, 'only OCI and Docker schema2 images (and their indexes) are supported');
    }
    return { digest, mediaType, bytes };
  }

  /** Streams a blob into `sink`, resuming with a Range request after a dropped connection. */
  async blob(repo: string, digest: Digest, size: number, sink: BlobSink, opts: { onProgress?: (received: number) => void; signal?: AbortSignal; step?: 'blob' | 'config' } = {}): Promise<void> {
    const { onProgress, signal, step = 'blob' } = opts;
    let lastError: unknown;
    for (let resume = 0; resume <= this.resumes; resume++) {
      const offset = sink.offset;
      if (offset >= size) return;
      const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
      const res = await this.transport.send(step, 'GET', `/v2/${repo}/blobs/${digest}`, { scope: scopeFor(repo, ['pull']), headers, signal });
      if (res.statusCode !== 200 && res.statusCode !== 206) {
        const body = Buffer.from(await res.body.arrayBuffer());
        throw this.failure(res.statusCode, body, repo, digest, 'blob');
      }
      // A server that ignores Range sends the whole blob again: skip what we already have.
      let skip = res.statusCode === 200 ? offset : 0;
      try {
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          let c = chunk;
          if (skip > 0) {
            if (c.length <= skip) {
              skip -= c.length;
              continue;
            }
            c = c.subarray(skip);
            skip = 0;
          }
          await sink.write(c);
          onProgress?.(sink.offset);
        }
        if (sink.offset >= size) return;
        lastError = new Error(`connection closed after ${sink.offset} of ${size} bytes`);
      } catch (e) {
        if (e instanceof SkiffError || signal?.aborted) throw e;
        lastError = e;
      }
    }
    throw new SkiffError('NETWORK', `download of layer ${shortId(digest)} from ${this.host} kept breaking off at ${sink.offset} of ${size} bytes: ${(lastError as Error)?.message ?? lastError}`, 'check the network and pull again', { cause: lastError });
  }

  /** Turns a final non-2xx answer into Docker's wording for it. */
  private failure(status: number, body: Buffer, repo: string, ref: string, what: 'manifest' | 'blob'): SkiffError {
    const errors = parseErrorBody(body.toString('utf8'));
    const detail = errors.map((e) => `${e.code.toLowerCase()}: ${e.message}`).join('; ');
    const shown = isDigest(ref) ? `${repo}@${shortId(ref)}` : `${repo}:${ref}`;
    switch (status) {
      case 401:
        return new SkiffError('UNAUTHORIZED', `pull access denied for ${repo} on ${this.host}, repository does not exist or may require 'skiff login'`, 'check the image name, or log in to this registry');
      case 403:
        return new SkiffError('DENIED', `access to ${repo} on ${this.host} is denied${detail ? ` (${detail})` : ''}`, 'your account may lack permission for this repository');
      case 404:
        return what === 'manifest'
          ? new SkiffError('MANIFEST_UNKNOWN', `manifest for ${shown} not found on ${this.host}: ${detail || 'manifest unknown'}`, 'check the tag: list the tags the registry has')
          : new SkiffError('REGISTRY_ERROR', `blob ${shortId(ref)} of ${repo} is missing on ${this.host}`, 'the registry is missing data for this image; push it again');
      case 429:
        return new SkiffError('TOO_MANY_REQUESTS', `toomanyrequests: ${this.host} limits how often you may pull${detail ? ` (${detail})` : ''}`, 'wait a while, log in to get a higher limit, or use a registry mirror');
      default:
        return new SkiffError('REGISTRY_ERROR', `${this.host} answered ${status} for ${what} ${shown}${detail ? `: ${detail}` : ''}`, 'try again later');
    }
  }
}
