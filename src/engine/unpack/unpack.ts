// Unpacking a layer tar into a directory in overlayfs form, streaming (the tar may still be
// downloading). Layer semantics per image-spec layer.md; the overlay form and the safety rules are
// in writer.ts, which does the file system work.
//
// Two threads share the work when they can: this one parses the tar (and, in a pull, hashes and
// downloads), while a worker thread makes the files, in order — so parsing and the thousands of
// file-creating system calls run on two cores at once, as `tar -xzf` does with gzip and tar. Where
// the worker's script is not built (tests run the TypeScript sources), the writer runs here.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import tarStream from 'tar-stream';
import { SkiffError } from '../errors.ts';
import { type Header, LayerWriter, type UnpackStats } from './writer.ts';

export type { UnpackStats } from './writer.ts';

export interface UnpackOptions {
  onEntry?: (name: string, size: number) => void;
  signal?: AbortSignal;
  /** Where to run the file writer: a worker thread when its script exists (default), or here. */
  thread?: 'worker' | 'here';
  /** The worker's built script, when not beside this module (tests of the worker path). */
  workerScript?: string;
}

/** The messages the worker understands, sent in batches. */
export type WriterOp = { op: 'begin'; h: Header } | { op: 'data'; b: Uint8Array } | { op: 'end' };

interface Sink {
  begin(h: Header): void;
  data(b: Buffer): void;
  end(): void;
  /** Lets the writer catch up when it is far behind (bounded memory). */
  drain(): Promise<void>;
  finish(): Promise<UnpackStats>;
  dispose(): void;
}

class HereSink implements Sink {
  constructor(private readonly w: LayerWriter) {}
  begin(h: Header): void {
    this.w.begin(h);
  }
  data(b: Buffer): void {
    this.w.data(b);
  }
  end(): void {
    this.w.end();
  }
  async drain(): Promise<void> {}
  async finish(): Promise<UnpackStats> {
    this.w.finish();
    return this.w.stats;
  }
  dispose(): void {
    this.w.abandon();
  }
}

const BATCH_BYTES = 1 << 20;
const MAX_BEHIND = 32 << 20;

function workerScript(): string | undefined {
  // In the bundle this module is dist/skiff.js and the worker dist/unpack-worker.js.
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.js')) return undefined;
  const script = path.join(path.dirname(here), 'unpack-worker.js');
  return existsSync(script) ? script : undefined;
}

class WorkerSink implements Sink {
  private readonly worker: Worker;
  private batch: WriterOp[] = [];
  private batchBytes = 0;
  private sent = 0;
  private done = 0;
  private failure: unknown;
  private waiters: (() => void)[] = [];
  private result: Promise<UnpackStats>;

  constructor(script: string, dest: string, startedEmpty: boolean) {
    this.worker = new Worker(script, { workerData: { dest, startedEmpty } });
    this.result = new Promise((resolve, reject) => {
      this.worker.on('message', (m: { ack?: number; stats?: UnpackStats; error?: { code: string; message: string; hint?: string; errno?: string } }) => {
        if (m.ack !== undefined) {
          this.done = m.ack;
          this.wake();
        }
        if (m.stats) resolve(m.stats);
        if (m.error) {
          const e = m.error.code === 'ERRNO'
            ? Object.assign(new Error(m.error.message), { code: m.error.errno, syscall: 'unpack' })
            : new SkiffError(m.error.code as never, m.error.message, m.error.hint);
          this.failure = e;
          this.wake();
          reject(e);
        }
      });
      this.worker.on('error', (e) => {
        this.failure = e;
        this.wake();
        reject(e);
      });
    });
    this.result.catch(() => {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private push(op: WriterOp, bytes: number): void {
    if (this.failure) throw this.failure;
    this.batch.push(op);
    this.batchBytes += bytes + 64;
    if (this.batchBytes >= BATCH_BYTES || this.batch.length >= 512) this.flush();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    this.sent += this.batchBytes;
    this.worker.postMessage({ ops: this.batch, upto: this.sent });
    this.batch = [];
    this.batchBytes = 0;
  }

  begin(h: Header): void {
    const { pax, ...rest } = h as Header & { pax?: Record<string, string> | null };
    this.push({ op: 'begin', h: { ...rest, ...(pax ? { pax } : {}) } as Header }, 0);
  }
  data(b: Buffer): void {
    this.push({ op: 'data', b }, b.length);
  }
  end(): void {
    this.push({ op: 'end' }, 0);
  }
  async drain(): Promise<void> {
    while (!this.failure && this.sent - this.done > MAX_BEHIND) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
  }
  async finish(): Promise<UnpackStats> {
    this.flush();
    this.worker.postMessage({ finish: true });
    try {
      return await this.result;
    } finally {
      void this.worker.terminate();
    }
  }
  dispose(): void {
    void this.worker.terminate();
  }
}

export async function unpackLayer(tar: AsyncIterable<Buffer> | NodeJS.ReadableStream, dest: string, opts: UnpackOptions = {}): Promise<UnpackStats> {
  const extract = tarStream.extract();
  const source = tar instanceof Readable ? tar : Readable.from(tar as AsyncIterable<Buffer>);
  source.on('error', (e) => extract.destroy(e));
  source.pipe(extract);
  const abs = path.resolve(dest);
  const startedEmpty = readdirSync(abs).length === 0;
  const script = opts.thread === 'here' ? undefined : (opts.workerScript ?? workerScript());
  const sink: Sink = script ? new WorkerSink(script, abs, startedEmpty) : new HereSink(new LayerWriter(abs, startedEmpty));
  try {
    for await (const entry of extract) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      const h = entry.header as Header;
      opts.onEntry?.(h.name, h.size ?? 0);
      sink.begin(h);
      for await (const chunk of entry as AsyncIterable<Buffer>) sink.data(chunk);
      sink.end();
      await sink.drain();
    }
    return await sink.finish();
  } catch (e) {
    source.unpipe(extract);
    extract.destroy();
    sink.dispose();
    if (e instanceof SkiffError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOSPC') throw new SkiffError('STORE', 'the disk is full while unpacking a layer', 'free some space (skiff image prune -a) and pull again', { cause: e });
    if (err.syscall || err.code) throw e;
    throw new SkiffError('LAYER_FORMAT', `the layer is not a valid tar archive: ${err.message}`, 'the image is corrupt; try pulling it again', { cause: e });
  }
}
