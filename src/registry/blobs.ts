// Blobs and uploads (distribution-spec "Pulling blobs", "Pushing blobs", "Mounting a blob from
// another repository", "Deleting blobs"):
//   GET|HEAD /v2/<name>/blobs/<digest>             → the bytes (Range: one range → 206), or 404
//   DELETE   /v2/<name>/blobs/<digest>             → 202; the repository lets go of the blob
//   POST     /v2/<name>/blobs/uploads/             → 202 + Location: an upload session
//            …?digest=<d> with a body              → 201: the whole blob in one request
//            …?mount=<d>&from=<repo>               → 201 when <repo> holds it (no bytes move), else 202
//   GET      /v2/<name>/blobs/uploads/<id>         → 204 + Range: how much arrived
//   PATCH    /v2/<name>/blobs/uploads/<id>         → 202: a chunk (Content-Range must continue it)
//   PUT      /v2/<name>/blobs/uploads/<id>?digest= → 201: verified, visible, linked
//   DELETE   /v2/<name>/blobs/uploads/<id>         → 204: cancelled
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Digest, isDigest } from '../engine/digest.ts';
import { RegistryError } from './errors.ts';
import { send } from './http.ts';
import type { PullThroughCache } from './proxy.ts';
import { parseContentRange, parseRange } from './range.ts';
import type { RegistryStorage } from './storage.ts';
import { rangeHeaders, type Upload, type Uploads } from './uploads.ts';

function checkDigest(d: string): Digest {
  if (!isDigest(d)) throw new RegistryError('DIGEST_INVALID', `invalid digest ${JSON.stringify(d)}: only sha256 is supported`, { digest: d });
  return d;
}

/** Counts what the registry sends, for the access log, tests and the classroom bench. */
export interface Traffic {
  blobBytes: number;
  blobGets: number;
}

export async function getBlob(req: IncomingMessage, res: ServerResponse, storage: RegistryStorage, cache: PullThroughCache | undefined, traffic: Traffic, name: string, ref: string): Promise<void> {
  const digest = checkDigest(ref);
  let size = await storage.blobSize(name, digest);
  let flight: Awaited<ReturnType<PullThroughCache['blob']>>;
  if (size === undefined && cache) {
    // A blob held for another repository is the same bytes: link it, do not fetch it again.
    const held = await storage.content.size(digest);
    if (held !== undefined) {
      await storage.linkBlob(name, digest);
      size = held;
    } else {
      flight = await cache.blob(name, digest);
      size = flight?.done === false ? flight.size : await storage.content.size(digest);
      if (flight?.done) flight = undefined;
    }
  }
  if (size === undefined) throw new RegistryError('BLOB_UNKNOWN', `blob unknown to registry: ${digest}`, { digest });
  const range = parseRange(req.headers.range as string | undefined, size);
  const common = { 'Docker-Content-Digest': digest, ETag: `"${digest}"`, 'Accept-Ranges': 'bytes', 'Cache-Control': 'max-age=31536000' };
  if (range === 'unsatisfiable') {
    return send(res, 416, { ...common, 'Content-Range': `bytes */${size}` });
  }
  const { start, end } = range === 'whole' ? { start: 0, end: size - 1 } : range;
  const headers: Record<string, string | number> = { ...common, 'Content-Type': 'application/octet-stream', 'Content-Length': Math.max(0, end - start + 1) };
  if (range !== 'whole') headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range === 'whole' ? 200 : 206, { 'Docker-Distribution-API-Version': 'registry/2.0', ...headers });
  if (req.method === 'HEAD' || size === 0) return void res.end();
  traffic.blobGets++;
  const source = flight ? Readable.from(flight.read(start, end)) : createReadStream(storage.content.path(digest), { start, end, highWaterMark: 1 << 20 });
  source.on('data', (c: Buffer) => (traffic.blobBytes += c.length));
  await pipeline(source, res);
}

export async function deleteBlob(res: ServerResponse, storage: RegistryStorage, name: string, ref: string): Promise<void> {
  const digest = checkDigest(ref);
  if (!(await storage.unlinkBlob(name, digest))) throw new RegistryError('BLOB_UNKNOWN', `blob unknown to registry: ${digest}`, { digest });
  send(res, 202, { 'Docker-Content-Digest': digest });
}

function created(res: ServerResponse, name: string, digest: Digest): void {
  send(res, 201, { Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest });
}

function declaredLength(req: IncomingMessage): number | undefined {
  const v = req.headers['content-length'];
  return v === undefined ? undefined : Number(v);
}

async function complete(storage: RegistryStorage, uploads: Uploads, u: Upload, digest: string): Promise<Digest> {
  const d = await uploads.finish(u, digest);
  await storage.linkBlob(u.repo, d);
  return d;
}

/** POST …/blobs/uploads/: mount, monolithic upload, or a new session. `mayMount` checks pull access to `from`. */
export async function startUpload(req: IncomingMessage, res: ServerResponse, storage: RegistryStorage, uploads: Uploads, name: string, query: URLSearchParams, mayMount: (from: string) => Promise<boolean>): Promise<void> {
  const mount = query.get('mount');
  const from = query.get('from');
  if (mount && from && isDigest(mount)) {
    // Distribution falls back to an ordinary upload whenever the mount cannot be done.
    if ((await mayMount(from)) && (await storage.blobSize(from, mount)) !== undefined) {
      await storage.linkBlob(name, mount);
      req.resume();
      return created(res, name, mount);
    }
  }
  const u = await uploads.start(name);
  const digest = query.get('digest');
  if (digest) {
    await uploads.append(u, req, undefined, declaredLength(req));
    return created(res, name, await complete(storage, uploads, u, digest));
  }
  req.resume();
  send(res, 202, rangeHeaders(u));
}

export async function upload(req: IncomingMessage, res: ServerResponse, storage: RegistryStorage, uploads: Uploads, name: string, id: string, query: URLSearchParams): Promise<void> {
  const u = uploads.get(name, id);
  switch (req.method) {
    case 'GET':
      return send(res, 204, rangeHeaders(u));
    case 'DELETE':
      await uploads.cancel(u);
      return send(res, 204);
    case 'PATCH': {
      const cr = parseContentRange(req.headers['content-range']);
      if (cr === 'invalid') throw new RegistryError('BLOB_UPLOAD_INVALID', `invalid Content-Range ${JSON.stringify(req.headers['content-range'])}`, undefined, { status: 416, headers: rangeHeaders(u) });
      const declared = declaredLength(req);
      if (cr && declared !== undefined && cr.end - cr.start + 1 !== declared) {
        throw new RegistryError('SIZE_INVALID', `Content-Range ${cr.start}-${cr.end} is not ${declared} bytes`, undefined, { status: 416, headers: rangeHeaders(u) });
      }
      await uploads.append(u, req, cr?.start, declared);
      return send(res, 202, rangeHeaders(u));
    }
    case 'PUT': {
      const digest = query.get('digest');
      if (!digest) throw new RegistryError('DIGEST_INVALID', 'the PUT that closes an upload must name the digest (?digest=sha256:…)');
      const cr = parseContentRange(req.headers['content-range']);
      await uploads.append(u, req, cr && cr !== 'invalid' ? cr.start : undefined, declaredLength(req));
      return created(res, name, await complete(storage, uploads, u, digest));
    }
    default:
      throw new RegistryError('UNSUPPORTED', `${req.method} is not allowed on an upload`);
  }
}
