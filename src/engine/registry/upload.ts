// The distribution API calls a push needs (distribution-spec spec.md, "Push"), on top of the same
// transport as a pull — so every exchange is an `http` event and the auth handshake is the same,
// with the scope `repository:<name>:push,pull`:
//   HEAD  /v2/<name>/blobs/<digest>                          → 200: the registry has it, skip it
//   POST  /v2/<name>/blobs/uploads/?mount=<digest>&from=<r>  → 201: mounted from another repository
//                                                               202: no (an upload session instead)
//   POST  /v2/<name>/blobs/uploads/                          → 202 + Location: an upload session
//   PATCH <location>  Content-Range: <start>-<end>           → 202 + Location + Range: a chunk taken
//   GET   <location>                                         → 204 + Range: how much it holds
//   PUT   <location>?digest=<digest> [body]                  → 201: the blob is complete (monolithic
//                                                               when the whole body rides on the PUT)
//   PUT   /v2/<name>/manifests/<tag>  Content-Type: <type>    → 201 + Docker-Content-Digest
import type { Dispatcher } from 'undici';
import { type Digest, shortId } from '../digest.ts';
import { SkiffError } from '../errors.ts';
import { parseErrorBody, scopeFor } from './challenge.ts';
import type { RegistryClient } from './client.ts';

const PUSH = ['push', 'pull'];

/** Reads a failed answer's error body and says what went wrong, in Docker's words. */
export async function pushFailure(client: RegistryClient, res: Dispatcher.ResponseData, repo: string, what: string): Promise<SkiffError> {
  const text = await res.body.text().catch(() => '');
  const errors = parseErrorBody(text);
  const detail = errors.map((e) => `${e.code.toLowerCase()}: ${e.message}`).join('; ');
  switch (res.statusCode) {
    case 401:
      return new SkiffError('UNAUTHORIZED', `unauthorized: authentication required to push to ${repo} on ${client.host}${detail ? ` (${detail})` : ''}`, `log in first: skiff login ${client.host}`);
    case 403:
      return new SkiffError('DENIED', `denied: requested access to the resource is denied (${repo} on ${client.host})`, 'your account may not push to this repository');
    case 404:
      return new SkiffError('REGISTRY_ERROR', `${client.host} has no ${what} for ${repo}${detail ? `: ${detail}` : ''}`, 'the upload may have expired on the registry; push again');
    case 405:
      return new SkiffError('UNSUPPORTED', `${client.host} does not accept pushes${detail ? ` (${detail})` : ''}`, 'it may be a read-only mirror or pull-through cache; push to the registry behind it');
    default:
      return new SkiffError('REGISTRY_ERROR', `${client.host} answered ${res.statusCode} to ${what} of ${repo}${detail ? `: ${detail}` : ''}`, 'try the push again');
  }
}

/** HEAD a blob: its size when the repository has it, undefined when not. */
export async function statBlob(client: RegistryClient, repo: string, digest: Digest, signal?: AbortSignal, actions = PUSH): Promise<number | undefined> {
  const res = await client.transport.send('check', 'HEAD', `/v2/${repo}/blobs/${digest}`, { scope: scopeFor(repo, actions), signal });
  if (res.statusCode !== 200 && res.statusCode !== 404) throw await pushFailure(client, res, repo, `the check of blob ${shortId(digest)}`);
  await res.body.dump();
  return res.statusCode === 200 ? Number(res.headers['content-length'] ?? -1) : undefined;
}

export type MountResult = { mounted: true } | { mounted: false; location: string };

/**
 * Asks the registry to link a blob it holds in repository `from` into `repo` (no bytes sent). A
 * registry that cannot (the blob is not there, or we may not read `from`) opens an upload instead.
 * The token must cover both repositories: `from` with pull.
 */
export async function mountBlob(client: RegistryClient, repo: string, digest: Digest, from: string, signal?: AbortSignal): Promise<MountResult> {
  const q = new URLSearchParams({ mount: digest, from });
  const res = await client.transport.send('mount', 'POST', `/v2/${repo}/blobs/uploads/?${q}`, {
    scope: `${scopeFor(repo, PUSH)} ${scopeFor(from, ['pull'])}`, signal, attempts: 1,
    headers: { 'content-length': '0' },
  });
  if (res.statusCode === 201) {
    await res.body.dump();
    return { mounted: true };
  }
  if (res.statusCode === 202) {
    await res.body.dump();
    return { mounted: false, location: locationOf(res, client, repo) };
  }
  throw await pushFailure(client, res, repo, 'a blob mount');
}

/** Opens an upload session; returns where to send the bytes. */
export async function startUpload(client: RegistryClient, repo: string, signal?: AbortSignal): Promise<string> {
  const res = await client.transport.send('upload', 'POST', `/v2/${repo}/blobs/uploads/`, { scope: scopeFor(repo, PUSH), signal, headers: { 'content-length': '0' } });
  if (res.statusCode !== 202) throw await pushFailure(client, res, repo, 'the start of an upload');
  await res.body.dump();
  return locationOf(res, client, repo);
}

/** Sends one chunk at `offset` (Content-Range: first-last, inclusive); returns the next location. */
export async function uploadChunk(client: RegistryClient, repo: string, location: string, chunk: Buffer, offset: number, signal?: AbortSignal): Promise<string> {
  const res = await client.transport.send('upload', 'PATCH', location, {
    scope: scopeFor(repo, PUSH), signal, body: chunk, attempts: 1,
    headers: { 'content-type': 'application/octet-stream', 'content-range': `${offset}-${offset + chunk.length - 1}`, 'content-length': String(chunk.length) },
  });
  if (res.statusCode !== 202) throw await pushFailure(client, res, repo, 'a chunk upload');
  await res.body.dump();
  return locationOf(res, client, repo);
}

/** How many bytes an upload session holds (its Range header, `0-<last>`); 0 when empty. */
export async function uploadOffset(client: RegistryClient, repo: string, location: string, signal?: AbortSignal): Promise<{ offset: number; location: string }> {
  const res = await client.transport.send('upload', 'GET', location, { scope: scopeFor(repo, PUSH), signal });
  if (res.statusCode !== 204) throw await pushFailure(client, res, repo, 'the status of an upload');
  await res.body.dump();
  const m = /^(?:bytes=)?0-(\d+)$/.exec(String(res.headers.range ?? ''));
  return { offset: m ? Number(m[1]) + 1 : 0, location: locationOf(res, client, repo, location) };
}

/** Closes an upload with the digest the registry must verify; `body` is the last (or only) part. */
export async function finishUpload(client: RegistryClient, repo: string, location: string, digest: Digest, body: Buffer | undefined, signal?: AbortSignal): Promise<void> {
  const url = new URL(location, client.transport.origin + '/');
  url.searchParams.set('digest', digest);
  const res = await client.transport.send('upload', 'PUT', url.toString(), {
    scope: scopeFor(repo, PUSH), signal, attempts: body ? undefined : 1,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(body?.length ?? 0) },
    ...(body ? { body } : {}),
  });
  if (res.statusCode !== 201 && res.statusCode !== 204) throw await pushFailure(client, res, repo, `the upload of blob ${shortId(digest)}`);
  await res.body.dump();
}

/** PUTs a manifest (or index) under a tag or its digest; returns the digest the registry computed. */
export async function putManifest(client: RegistryClient, repo: string, ref: string, bytes: Buffer, mediaType: string, signal?: AbortSignal): Promise<string | undefined> {
  const res = await client.transport.send('manifest', 'PUT', `/v2/${repo}/manifests/${ref}`, {
    scope: scopeFor(repo, PUSH), signal, body: bytes,
    headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
  });
  if (res.statusCode !== 201 && res.statusCode !== 200) throw await pushFailure(client, res, repo, `the manifest ${ref}`);
  await res.body.dump();
  return res.headers['docker-content-digest'] as string | undefined;
}

/** The Location of an upload, made absolute (registries send relative or absolute URLs). */
function locationOf(res: Dispatcher.ResponseData, client: RegistryClient, repo: string, fallback?: string): string {
  const loc = res.headers.location as string | undefined;
  if (!loc) {
    if (fallback) return fallback;
    throw new SkiffError('REGISTRY_ERROR', `${client.host} opened an upload to ${repo} without saying where (no Location header)`, 'the registry is not speaking the distribution API');
  }
  return new URL(loc, client.transport.origin + '/').toString();
}
