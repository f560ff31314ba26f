// A big blob is flushed to disk in the background while it is written (BlobWriter.flush): commit
// and abort must wait for a flush under way, and nothing changes about what becomes visible.
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../../src/engine/digest.ts';
import { ContentStore } from '../../../src/engine/store/content.ts';

let root: string;
let store: ContentStore;

beforeEach(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'skiff-blob-flush-'));
  store = new ContentStore(root);
  await store.init();
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('blob writer background flush', () => {
  const data = Buffer.alloc(20 << 20, 0x5a); // more than one flush interval (16 MiB)

  it('commits a blob written across flushes, and one flushed right before commit', async () => {
    const w = await store.writer(sha256(data), data.length);
    for (let at = 0; at < data.length; at += 1 << 20) await w.write(data.subarray(at, at + (1 << 20)));
    w.flush();
    w.flush(); // a second call while one runs is a no-op
    await w.commit();
    expect((await store.read(sha256(data))).equals(data)).toBe(true);
    expect(await fs.readdir(path.join(root, 'ingest'))).toEqual([]);
  });

  it('aborts cleanly while a flush is under way', async () => {
    const w = await store.writer(sha256(data), data.length);
    await w.write(data);
    w.flush();
    await w.abort();
    expect(await fs.readdir(path.join(root, 'ingest'))).toEqual([]);
    expect(await fs.readdir(path.join(root, 'oci', 'blobs', 'sha256'))).toEqual([]);
  });
});
