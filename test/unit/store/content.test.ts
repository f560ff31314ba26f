import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../../src/engine/digest.ts';
import { ContentStore } from '../../../src/engine/store/content.ts';

let root: string;
let store: ContentStore;

beforeEach(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'skiff-content-'));
  store = new ContentStore(root);
  await store.init();
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function visible(): Promise<string[]> {
  return fs.readdir(path.join(root, 'oci', 'blobs', 'sha256'));
}

describe('content store', () => {
  it('is an OCI image layout', async () => {
    expect(JSON.parse(await fs.readFile(path.join(root, 'oci', 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
  });

  it('commits a blob whose bytes match the digest and size', async () => {
    const data = Buffer.from('hello layer');
    const w = await store.writer(sha256(data), data.length);
    await w.write(data.subarray(0, 5));
    expect(w.offset).toBe(5);
    await w.write(data.subarray(5));
    await w.commit();
    expect(await store.read(sha256(data))).toEqual(data);
    expect(await fs.readdir(path.join(root, 'ingest'))).toEqual([]);
  });

  it('refuses a blob with the wrong content and leaves nothing behind', async () => {
    const w = await store.writer(sha256('expected'), 8);
    await w.write(Buffer.from('tampered'));
    await expect(w.commit()).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(await visible()).toEqual([]);
    expect(await fs.readdir(path.join(root, 'ingest'))).toEqual([]);
  });

  it('refuses a short blob (truncated download) and one longer than promised', async () => {
    const data = Buffer.from('0123456789');
    const short = await store.writer(sha256(data), 10);
    await short.write(data.subarray(0, 4));
    await expect(short.commit()).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
    const long = await store.writer(sha256(data), 5);
    await expect(long.write(data)).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
    await long.abort();
    expect(await visible()).toEqual([]);
  });

  it('learns the digest from the content when none is expected', async () => {
    const w = await store.writer();
    await w.write(Buffer.from('abc'));
    expect(await w.commit()).toBe(sha256('abc'));
    expect(await store.has(sha256('abc'))).toBe(true);
  });

  it('put() verifies in-memory content', async () => {
    await expect(store.put(Buffer.from('x'), sha256('y'))).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(await store.put(Buffer.from('x'), sha256('x'))).toBe(sha256('x'));
    expect((await store.list()).map((b) => b.digest)).toEqual([sha256('x')]);
  });

  it('keeps the partial download of a live process and drops that of a dead one at start-up', async () => {
    const ingest = path.join(root, 'ingest');
    await fs.writeFile(path.join(ingest, `aa-p${process.pid}-1`), 'mine');
    await fs.writeFile(path.join(ingest, 'bb-p999999999-1'), 'dead');
    await new ContentStore(root).init();
    expect(await fs.readdir(ingest)).toEqual([`aa-p${process.pid}-1`]);
  });
});
