// Unpacking a layer tar into a directory in overlayfs form, streaming (the tar may still be
// downloading). Layer semantics per image-spec layer.md; tar.ts reads the archive and writer.ts
// makes the files, with the overlay form and the safety rules.
//
// Where the work runs: a layer is thousands of file-creating system calls, the longest part of a
// pull. So by default a worker thread parses the tar and makes the files while this thread
// downloads, decompresses and hashes — two cores at once, as `tar -xzf` runs gzip and tar. The
// bytes reach the worker through shared memory (ring.ts). Where the worker's script is not built
// (tests run the TypeScript sources), everything runs here, in the same order.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SkiffError } from '../errors.ts';
import { ringMemory, RingWriter } from './ring.ts';
import { TarReader } from './tar.ts';
import { LayerWriter, type UnpackStats } from './writer.ts';

export type { UnpackStats } from './writer.ts';

export interface UnpackOptions {
  signal?: AbortSignal;
  /** Where to parse and write: a worker thread when its script exists (default), or here. */
  thread?: 'worker' | 'here';
  /** The worker's built script, when not beside this module (tests of the worker path). */
  workerScript?: string;
  /** Sees every byte of the tar, in order, before it is unpacked (for the DiffID hash). */
  tap?: (chunk: Buffer) => void;
}

/** Takes the tar's bytes in order; write() returns a promise only when the caller must wait. */
interface Unpacker {
  write(chunk: Buffer): Promise<void> | undefined;
  finish(): Promise<UnpackStats>;
  /** Stops, and resolves only when nothing more will be written (the caller may then delete). */
  dispose(): Promise<void>;
}

class HereUnpacker implements Unpacker {
  private readonly writer: LayerWriter;
  private readonly tar: TarReader;
  constructor(dest: string, startedEmpty: boolean) {
    this.writer = new LayerWriter(dest, startedEmpty);
    this.tar = new TarReader(this.writer);
  }
  write(chunk: Buffer): undefined {
    this.tar.write(chunk);
  }
  async finish(): Promise<UnpackStats> {
    this.tar.close();
    this.writer.finish();
    return this.writer.stats;
  }
  async dispose(): Promise<void> {
    this.writer.abandon();
  }
}

/** How far the worker may fall behind the decompressor (a stretch of tiny files is slow to make)
 *  before the decompressor waits. The memory is touched once and reused for every layer byte. */
const RING_BYTES = 8 << 20;

function builtWorkerScript(): string | undefined {
  // In the bundle this module is dist/skiff.js and the worker dist/unpack-worker.js.
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.js')) return undefined;
  const script = path.join(path.dirname(here), 'unpack-worker.js');
  return existsSync(script) ? script : undefined;
}

type WorkerError = { code: string; message: string; hint?: string; errno?: string; syscall?: string };

class WorkerUnpacker implements Unpacker {
  private readonly ring = new RingWriter(ringMemory(RING_BYTES));
  private readonly worker: Worker;
  private readonly result: Promise<UnpackStats>;
  /** Rejects when the worker fails; never resolves. Ends a wait for room in the ring. */
  private readonly failed: Promise<never>;
  private failure: unknown;

  constructor(script: string, dest: string, startedEmpty: boolean) {
    this.worker = new Worker(script, { workerData: { dest, startedEmpty, ring: this.ring.memory } });
    this.result = new Promise((resolve, reject) => {
      const fail = (e: unknown) => {
        this.failure ??= e;
        reject(e);
      };
      this.worker.on('message', (m: { stats?: UnpackStats; error?: WorkerError }) => {
        if (m.stats) resolve(m.stats);
        if (m.error) {
          const e = m.error;
          fail(e.code === 'ERRNO'
            ? Object.assign(new Error(e.message), { code: e.errno, syscall: e.syscall ?? 'unpack' })
            : new SkiffError(e.code as never, e.message, e.hint));
        }
      });
      this.worker.on('error', fail);
      // After a result this changes nothing; without one, it is the worker dying silently.
      this.worker.on('exit', (code) => fail(new Error(`the unpack worker stopped without a result (exit code ${code})`)));
    });
    this.failed = new Promise<never>((_, reject) => void this.result.catch(reject));
    this.result.catch(() => {});
    this.failed.catch(() => {});
  }

  write(chunk: Buffer): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    return this.ring.write(chunk, this.failed);
  }
  async finish(): Promise<UnpackStats> {
    this.ring.close();
    try {
      return await this.result;
    } finally {
      void this.worker.terminate();
    }
  }
  async dispose(): Promise<void> {
    this.ring.abort();
    // A file system call under way finishes first; after exit, the worker writes nothing more.
    await this.worker.terminate();
  }
}

/**
 * Feeds every chunk of `source` to the unpacker, pausing the source while the unpacker is full.
 *
 * A chunk is taken on in a microtask, not in the 'data' event itself: zlib emits its output before
 * it hands the next piece of input to its thread, so work done inside the event (hashing, copying)
 * would keep the decompressor waiting; a microtask runs just after, while it decompresses.
 */
function feed(source: Readable, u: Unpacker, opts: UnpackOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const queue: Buffer[] = [];
    let scheduled = false;
    let waiting: Promise<void> | undefined; // the unpacker is full until this settles
    let ended = false;
    let done = false;
    const fail = (e: unknown) => {
      if (done) return;
      done = true;
      queue.length = 0;
      source.off('data', onData);
      source.pause();
      reject(e);
    };
    const take = () => {
      scheduled = false;
      try {
        while (!done && !waiting && queue.length) {
          if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
          const chunk = queue.shift()!;
          opts.tap?.(chunk);
          const wait = u.write(chunk);
          if (wait) {
            source.pause();
            waiting = wait.then(() => {
              waiting = undefined;
              take();
              if (!done && !waiting) source.resume();
            });
            waiting.catch(fail);
          }
        }
        if (!done && ended && !waiting && queue.length === 0) {
          done = true;
          resolve();
        }
      } catch (e) {
        fail(e);
      }
    };
    // 'data' events rather than async iteration: read() would join chunks that arrive together.
    const onData = (chunk: Buffer) => {
      queue.push(chunk);
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(take);
      }
    };
    source.on('data', onData);
    source.on('error', fail);
    source.once('end', () => {
      ended = true;
      if (!scheduled) take();
    });
  });
}

export async function unpackLayer(tar: AsyncIterable<Buffer> | NodeJS.ReadableStream, dest: string, opts: UnpackOptions = {}): Promise<UnpackStats> {
  const source = tar instanceof Readable ? tar : Readable.from(tar as AsyncIterable<Buffer>);
  const abs = path.resolve(dest);
  const startedEmpty = readdirSync(abs).length === 0;
  const script = opts.thread === 'here' ? undefined : (opts.workerScript ?? builtWorkerScript());
  const unpacker: Unpacker = script ? new WorkerUnpacker(script, abs, startedEmpty) : new HereUnpacker(abs, startedEmpty);
  try {
    await feed(source, unpacker, opts);
    return await unpacker.finish();
  } catch (e) {
    // The source is the caller's: it stops being read here, and the caller decides what else.
    await unpacker.dispose();
    if (e instanceof SkiffError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOSPC') throw new SkiffError('STORE', 'the disk is full while unpacking a layer', 'free some space (skiff image prune -a) and pull again', { cause: e });
    if (err.syscall || err.code) throw e;
    throw new SkiffError('LAYER_FORMAT', `the layer is not a valid tar archive: ${err.message}`, 'the image is corrupt; try pulling it again', { cause: e });
  }
}
