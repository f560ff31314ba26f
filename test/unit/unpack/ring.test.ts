// The shared-memory pipe that carries a layer's tar to the unpack worker: every byte arrives once
// and in order across the ring's wrap-around, the writer waits (without blocking its thread) when
// the ring is full, and an abort reaches a reader that is waiting.
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ringMemory, RingReader, RingWriter } from '../../../src/engine/unpack/ring.ts';
import { bundleForTest } from '../../helpers/worker-build.ts';

const never = new Promise<never>(() => {});

describe('ring (one thread: the reader only reads what is there)', () => {
  it('hands bytes over in order, across the end of the ring', () => {
    const mem = ringMemory(16);
    const w = new RingWriter(mem);
    const r = new RingReader(mem);
    const got: number[] = [];
    for (let round = 0; round < 5; round++) {
      const chunk = Uint8Array.from({ length: 11 }, (_, i) => (round * 11 + i) & 0xff);
      expect(w.write(chunk, never)).toBeUndefined(); // it fits: no waiting
      for (let left = 11; left > 0; ) {
        const b = r.next();
        if (!(b instanceof Uint8Array)) throw new Error(`unexpected ${String(b)}`);
        got.push(...b);
        r.release(b.length);
        left -= b.length;
      }
    }
    expect(got).toEqual(Array.from({ length: 55 }, (_, i) => i & 0xff));
    w.close();
    expect(r.next()).toBeNull();
  });

  it('makes the writer wait while the ring is full, and go on when the reader frees room', async () => {
    const mem = ringMemory(8);
    const w = new RingWriter(mem);
    const r = new RingReader(mem);
    const pending = w.write(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), never);
    expect(pending).toBeInstanceOf(Promise);
    const first = r.next() as Uint8Array;
    expect([...first]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    r.release(8);
    await pending;
    expect([...(r.next() as Uint8Array)]).toEqual([9, 10]);
  });

  it('ends a wait for room when the reader fails', async () => {
    const w = new RingWriter(ringMemory(4));
    let fail!: (e: Error) => void;
    const stop = new Promise<never>((_, reject) => (fail = reject));
    const pending = w.write(new Uint8Array(10), stop);
    fail(new Error('reader died'));
    await expect(pending).rejects.toThrow('reader died');
  });

  it('refuses a size that is not a power of two', () => {
    expect(() => ringMemory(1000)).toThrow(RangeError);
  });
});

describe('ring (a worker thread reading)', () => {
  let worker: Awaited<ReturnType<typeof bundleForTest>>;
  beforeAll(async () => {
    worker = await bundleForTest('test/helpers/ring-sum-worker.ts', 'ring-sum-worker');
  });
  afterAll(() => worker?.dispose());

  it('carries 20 MB in random-sized chunks through a 64 KiB ring intact', async () => {
    const mem = ringMemory(64 << 10);
    const w = new RingWriter(mem);
    const t = new Worker(worker.script, { workerData: { ring: mem, maxPiece: 10_000 } });
    const done = once(t, 'message');
    const hash = createHash('sha256');
    let n = 0;
    while (n < 20 << 20) {
      const chunk = randomBytes(1 + Math.floor(Math.random() * 200_000));
      hash.update(chunk);
      n += chunk.length;
      await w.write(chunk, never);
    }
    w.close();
    const [m] = (await done) as [{ sha: string; n: number }];
    expect(m).toEqual({ sha: hash.digest('hex'), n });
    await t.terminate();
  });

  it('wakes a waiting reader on abort', async () => {
    const mem = ringMemory(1 << 10);
    const w = new RingWriter(mem);
    const t = new Worker(worker.script, { workerData: { ring: mem } });
    const done = once(t, 'message');
    await w.write(new Uint8Array(100), never);
    await new Promise((r) => setTimeout(r, 50)); // the reader is now waiting for more
    w.abort();
    const [m] = (await done) as [{ aborted: boolean }];
    expect(m.aborted).toBe(true);
    await t.terminate();
  });
});
