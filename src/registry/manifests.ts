// Manifests (distribution-spec "Pulling manifests", "Pushing manifests", "Deleting manifests"):
//   GET|HEAD /v2/<name>/manifests/<tag|digest>  → the bytes as they were put, with the Content-Type
//                                                 they were put with and Docker-Content-Digest
//   PUT      /v2/<name>/manifests/<tag|digest>  → 201; refused (MANIFEST_BLOB_UNKNOWN) when it names
//                                                 a blob or manifest this repository does not hold
//   DELETE   /v2/<name>/manifests/<digest|tag>  → 202
// Manifests are stored byte for byte: re-serialising JSON would change the digest.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Digest, isDigest, sha256 } from '../engine/digest.ts';
import { isIndexType, isManifestType, MediaType, type Descriptor } from '../engine/oci.ts';
import { RegistryError } from './errors.ts';
import { readBody, send } from './http.ts';
import type { PullThroughCache } from './proxy.ts';
import { isTag, type RegistryStorage, type StoredManifest } from './storage.ts';

const MAX_MANIFEST = 4 << 20;

function checkRef(ref: string): void {
  if (!isDigest(ref) && !isTag(ref)) {
    if (/^[a-z0-9]+:/.test(ref)) throw new RegistryError('DIGEST_INVALID', `invalid digest ${JSON.stringify(ref)}: only sha256 is supported`, { digest: ref });
    throw new RegistryError('MANIFEST_INVALID', `invalid tag ${JSON.stringify(ref)}`, { tag: ref });
  }
}

function manifestHeaders(m: StoredManifest): Record<string, string | number> {
  return { 'Content-Type': m.mediaType, 'Content-Length': m.bytes.length, 'Docker-Content-Digest': m.digest, ETag: `"${m.digest}"` };
}

export async function getManifest(req: IncomingMessage, res: ServerResponse, storage: RegistryStorage, cache: PullThroughCache | undefined, name: string, ref: string): Promise<void> {
  checkRef(ref);
  const m = cache ? await cache.manifest(name, ref) : await storage.manifest(name, ref);
  if (!m) throw new RegistryError('MANIFEST_UNKNOWN', `manifest unknown: ${name}${isDigest(ref) ? '@' : ':'}${ref}`, { name, reference: ref });
  if (req.headers['if-none-match'] === `"${m.digest}"`) return send(res, 304, { 'Docker-Content-Digest': m.digest, ETag: `"${m.digest}"` });
  send(res, 200, manifestHeaders(m), m.bytes);
}

/** The media type a manifest is stored and served with; refuses what is not an image manifest or index. */
export function manifestType(bytes: Buffer, contentType: string | undefined): { mediaType: string; doc: { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] } } {
  let doc: { schemaVersion?: number; mediaType?: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new RegistryError('MANIFEST_INVALID', 'manifest invalid: not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new RegistryError('MANIFEST_INVALID', 'manifest invalid: not a JSON object');
  const header = contentType?.split(';')[0]!.trim().toLowerCase();
  const known = (t: string | undefined) => isIndexType(t) || isManifestType(t);
  if (doc.mediaType && known(header) && doc.mediaType !== header) {
    throw new RegistryError('MANIFEST_INVALID', `manifest invalid: its mediaType ${doc.mediaType} does not match the Content-Type ${header}`);
  }
  const mediaType = doc.mediaType ?? (known(header) ? header! : doc.manifests ? MediaType.ociIndex : MediaType.ociManifest);
  if (!known(mediaType)) throw new RegistryError('MANIFEST_INVALID', `manifest invalid: unsupported media type ${mediaType} (only OCI and Docker schema 2 images and indexes)`);
  if (doc.schemaVersion !== 2) throw new RegistryError('MANIFEST_INVALID', `manifest invalid: schemaVersion ${doc.schemaVersion} (only 2 is supported)`);
  if (isIndexType(mediaType) ? !Array.isArray(doc.manifests) : !doc.config || !Array.isArray(doc.layers)) {
    throw new RegistryError('MANIFEST_INVALID', `manifest invalid: ${isIndexType(mediaType) ? 'an index needs "manifests"' : 'an image manifest needs "config" and "layers"'}`);
  }
  return { mediaType, doc };
}

export async function putManifest(req: IncomingMessage, res: ServerResponse, storage: RegistryStorage, name: string, ref: string): Promise<void> {
  checkRef(ref);
  const bytes = await readBody(req, MAX_MANIFEST);
  const digest = sha256(bytes);
  if (isDigest(ref) && ref !== digest) throw new RegistryError('DIGEST_INVALID', `the manifest hashes to ${digest}, not ${ref}`, { expected: ref, actual: digest });
  const { mediaType, doc } = manifestType(bytes, req.headers['content-type']);
  // Everything it names must already be in this repository (pushed or mounted before it).
  const missing: Digest[] = [];
  if (isIndexType(mediaType)) {
    for (const m of doc.manifests!) if (!isDigest(m.digest) || !(await storage.hasManifest(name, m.digest))) missing.push(m.digest);
  } else {
    for (const b of [doc.config!, ...doc.layers!]) {
      if (b.urls?.length) continue; // a foreign layer lives elsewhere
      if (!isDigest(b?.digest) || (await storage.blobSize(name, b.digest)) === undefined) missing.push(b?.digest);
    }
  }
  if (missing.length) throw new RegistryError('MANIFEST_BLOB_UNKNOWN', `manifest references ${missing.length === 1 ? 'a blob' : `${missing.length} blobs`} unknown to ${name}: ${missing[0]}`, { digests: missing });
  await storage.putManifest(name, bytes, mediaType, isDigest(ref) ? undefined : ref);
  send(res, 201, { Location: `/v2/${name}/manifests/${digest}`, 'Docker-Content-Digest': digest });
}

export async function deleteManifest(res: ServerResponse, storage: RegistryStorage, name: string, ref: string): Promise<void> {
  checkRef(ref);
  const gone = isDigest(ref) ? await storage.deleteManifest(name, ref) : await storage.deleteTag(name, ref);
  if (!gone) throw new RegistryError('MANIFEST_UNKNOWN', `manifest unknown: ${name}${isDigest(ref) ? '@' : ':'}${ref}`, { name, reference: ref });
  send(res, 202);
}
