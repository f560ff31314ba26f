// A layer larger than the ring that carries it to the unpack worker (8 MiB), fed in uneven chunks
// as a decompressor gives them: every file arrives whole, in both threads. Needs no root.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unpackInBothThreads } from '../helpers/worker-build.ts';
import { makeTar, type TarEntry } from '../helpers/tar.ts';

const { modes, unpack } = unpackInBothThreads();
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-unpack-large-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function unevenChunks(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < b.length; ) {
    const n = 1 + Math.floor(Math.random() * 300_000);
    out.push(b.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe.each(modes)('a layer larger than the worker ring [writer: %s]', (mode) => {
  it('unpacks every file whole', async () => {
    const entries: TarEntry[] = [{ name: 'data/', type: 'directory' }];
    for (let i = 0; i < 400; i++) entries.push({ name: `data/f${i}`, data: randomBytes(Math.floor(Math.random() * 40_000)) });
    entries.push({ name: 'data/big', data: randomBytes(6 << 20) });
    const tar = await makeTar(entries);
    expect(tar.length).toBeGreaterThan(12 << 20);
    const dest = path.join(dir, 'diff');
    fs.mkdirSync(dest);
    const stats = await unpack(mode, Readable.from(unevenChunks(tar)), dest);
    expect(stats.files).toBe(entries.length);
    for (const e of entries.slice(1)) expect(fs.readFileSync(path.join(dest, e.name)).equals(e.data as Buffer)).toBe(true);
  });
});
