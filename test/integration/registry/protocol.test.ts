// Skiff's registry spoken to by hand, request by request (distribution-spec), for what clients do
// not usually show: error codes and statuses, Range, out-of-order chunks, digests refused before
// anything is visible, catalog and tag pagination with Link, deletes. No root needed.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSkiffRegistry, type TestRegistry } from '../../helpers/skiff-registry.ts';
import { buildImage, MT } from '../../helpers/push.ts';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const code = async (res: Response) => ((await res.json()) as { errors: { code: string }[] }).errors[0]!.code;

describe('the distribution API of Skiff\'s registry', () => {
  let reg: TestRegistry;
  const url = (p: string) => `${reg.url}${p}`;
  beforeAll(async () => {
    reg = await startSkiffRegistry();
  });
  afterAll(() => reg?.stop());

  async function upload(repo: string, blob: Buffer): Promise<string> {
    const start = await fetch(url(`/v2/${repo}/blobs/uploads/`), { method: 'POST' });
    expect(start.status).toBe(202);
    const loc = new URL(start.headers.get('location')!, reg.url);
    loc.searchParams.set('digest', sha(blob));
    const put = await fetch(loc, { method: 'PUT', body: blob });
    expect(put.status).toBe(201);
    return sha(blob);
  }

  it('GET /v2/ says which API it speaks', async () => {
    const res = await fetch(url('/v2/'));
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect(await res.json()).toEqual({});
  });

  it('unknown things: MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN, NAME_INVALID, BLOB_UPLOAD_UNKNOWN', async () => {
    let res = await fetch(url('/v2/no/such/manifests/v1'));
    expect([res.status, await code(res)]).toEqual([404, 'MANIFEST_UNKNOWN']);
    res = await fetch(url(`/v2/no/such/blobs/${sha(Buffer.from('x'))}`));
    expect([res.status, await code(res)]).toEqual([404, 'BLOB_UNKNOWN']);
    res = await fetch(url('/v2/no/such/tags/list'));
    expect([res.status, await code(res)]).toEqual([404, 'NAME_UNKNOWN']);
    res = await fetch(url('/v2/Upper/Case/manifests/v1'));
    expect([res.status, await code(res)]).toEqual([400, 'NAME_INVALID']);
    res = await fetch(url('/v2/a/blobs/uploads/00000000-0000-0000-0000-000000000000'));
    expect([res.status, await code(res)]).toEqual([404, 'BLOB_UPLOAD_UNKNOWN']);
    res = await fetch(url('/v2/a/blobs/md5:abc'));
    expect([res.status, await code(res)]).toEqual([400, 'DIGEST_INVALID']);
  });

  it('a blob whose bytes do not match the digest named is refused and never becomes visible', async () => {
    const start = await fetch(url('/v2/t/liar/blobs/uploads/'), { method: 'POST' });
    const loc = new URL(start.headers.get('location')!, reg.url);
    const lie = sha(Buffer.from('something else'));
    loc.searchParams.set('digest', lie);
    const put = await fetch(loc, { method: 'PUT', body: Buffer.from('these bytes') });
    expect([put.status, await code(put)]).toEqual([400, 'DIGEST_INVALID']);
    expect(fs.existsSync(path.join(reg.root, 'oci/blobs/sha256', lie.slice(7)))).toBe(false);
    expect(fs.readdirSync(path.join(reg.root, 'ingest'))).toEqual([]);
  });

  it('chunks: in order with Content-Range, 416 for a gap, status by GET, then PUT ?digest=', async () => {
    const blob = randomBytes(3000);
    const start = await fetch(url('/v2/t/chunks/blobs/uploads/'), { method: 'POST' });
    let loc = start.headers.get('location')!;
    const patch = (from: number, to: number) => fetch(new URL(loc, reg.url), { method: 'PATCH', body: blob.subarray(from, to), headers: { 'content-range': `${from}-${to - 1}`, 'content-type': 'application/octet-stream' } });
    let res = await patch(0, 1000);
    expect(res.status).toBe(202);
    expect(res.headers.get('range')).toBe('0-999');
    loc = res.headers.get('location')!;
    res = await patch(2000, 3000);
    expect([res.status, await code(res)]).toEqual([416, 'BLOB_UPLOAD_INVALID']);
    const status = await fetch(new URL(loc, reg.url));
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-999');
    expect((await patch(1000, 2000)).status).toBe(202);
    expect((await patch(2000, 3000)).status).toBe(202);
    const put = new URL(loc, reg.url);
    put.searchParams.set('digest', sha(blob));
    res = await fetch(put, { method: 'PUT' });
    expect(res.status).toBe(201);
    expect(res.headers.get('docker-content-digest')).toBe(sha(blob));
    expect(res.headers.get('location')).toBe(`/v2/t/chunks/blobs/${sha(blob)}`);
  });

  it('blob GET with Range: 206 and the slice; past the end: 416', async () => {
    const blob = randomBytes(1000);
    const d = await upload('t/range', blob);
    let res = await fetch(url(`/v2/t/range/blobs/${d}`), { headers: { range: 'bytes=100-199' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 100-199/1000');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(blob.subarray(100, 200));
    res = await fetch(url(`/v2/t/range/blobs/${d}`), { method: 'HEAD' });
    expect([res.status, res.headers.get('content-length'), res.headers.get('docker-content-digest')]).toEqual([200, '1000', d]);
    res = await fetch(url(`/v2/t/range/blobs/${d}`), { headers: { range: 'bytes=1000-' } });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */1000');
    await res.arrayBuffer();
  });

  it('manifests: a missing blob is MANIFEST_BLOB_UNKNOWN; the Content-Type is kept; by digest; delete', async () => {
    const b = await buildImage({ layers: [{ entries: [{ name: 'f', data: 'x' }] }], format: 'docker' });
    let res = await fetch(url('/v2/t/img/manifests/v1'), { method: 'PUT', body: b.manifest, headers: { 'content-type': b.mediaType } });
    expect([res.status, await code(res)]).toEqual([400, 'MANIFEST_BLOB_UNKNOWN']);
    await upload('t/img', b.layers[0]!.blob);
    await upload('t/img', b.config);
    res = await fetch(url(`/v2/t/img/manifests/${sha(Buffer.from('other'))}`), { method: 'PUT', body: b.manifest, headers: { 'content-type': b.mediaType } });
    expect([res.status, await code(res)]).toEqual([400, 'DIGEST_INVALID']);
    res = await fetch(url('/v2/t/img/manifests/v1'), { method: 'PUT', body: b.manifest, headers: { 'content-type': MT.ociManifest } });
    expect([res.status, await code(res)]).toEqual([400, 'MANIFEST_INVALID']); // type and document disagree
    res = await fetch(url('/v2/t/img/manifests/v1'), { method: 'PUT', body: b.manifest, headers: { 'content-type': b.mediaType } });
    expect(res.status).toBe(201);
    expect(res.headers.get('docker-content-digest')).toBe(b.manifestDigest);
    for (const ref of ['v1', b.manifestDigest]) {
      res = await fetch(url(`/v2/t/img/manifests/${ref}`));
      expect(res.headers.get('content-type')).toBe(MT.dockerManifest);
      expect(res.headers.get('docker-content-digest')).toBe(b.manifestDigest);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(b.manifest);
    }
    // The blob is this repository's: from another one it is unknown, until mounted.
    res = await fetch(url(`/v2/t/elsewhere/blobs/${b.configDigest}`), { method: 'HEAD' });
    expect(res.status).toBe(404);
    res = await fetch(url(`/v2/t/elsewhere/blobs/uploads/?mount=${b.configDigest}&from=t/img`), { method: 'POST' });
    expect(res.status).toBe(201);
    res = await fetch(url(`/v2/t/elsewhere/blobs/uploads/?mount=${b.configDigest}&from=t/nothere`), { method: 'POST' });
    expect(res.status).toBe(202); // no such source: an ordinary upload instead
    res = await fetch(url(`/v2/t/img/manifests/${b.manifestDigest}`), { method: 'DELETE' });
    expect(res.status).toBe(202);
    res = await fetch(url('/v2/t/img/manifests/v1'));
    expect([res.status, await code(res)]).toEqual([404, 'MANIFEST_UNKNOWN']);
  });

  it('catalog and tags page with n and last, and say where the next page is', async () => {
    const b = await buildImage({ layers: [{ entries: [{ name: 'g', data: 'y' }] }] });
    for (const repo of ['page/a', 'page/b', 'page/c']) {
      await upload(repo, b.layers[0]!.blob);
      await upload(repo, b.config);
      for (const tag of ['1', '2', '3']) {
        const r = await fetch(url(`/v2/${repo}/manifests/${tag}`), { method: 'PUT', body: b.manifest, headers: { 'content-type': b.mediaType } });
        expect(r.status).toBe(201);
      }
    }
    // Only repositories holding a manifest are listed (t/img let go of its only one above).
    let res = await fetch(url('/v2/_catalog'));
    expect(await res.json()).toEqual({ repositories: ['page/a', 'page/b', 'page/c'] });
    res = await fetch(url('/v2/_catalog?n=1&last=page/a'));
    expect(await res.json()).toEqual({ repositories: ['page/b'] });
    expect(res.headers.get('link')).toBe('</v2/_catalog?last=page%2Fb&n=1>; rel="next"');
    res = await fetch(url('/v2/page/b/tags/list?n=2'));
    expect(await res.json()).toEqual({ name: 'page/b', tags: ['1', '2'] });
    expect(res.headers.get('link')).toBe('</v2/page/b/tags/list?last=2&n=2>; rel="next"');
    res = await fetch(url('/v2/page/b/tags/list?last=2'));
    expect(await res.json()).toEqual({ name: 'page/b', tags: ['3'] });
    expect(res.headers.get('link')).toBeNull();
    res = await fetch(url('/v2/_catalog?n=x'));
    expect([res.status, await code(res)]).toEqual([400, 'PAGINATION_NUMBER_INVALID']);
  });
});
