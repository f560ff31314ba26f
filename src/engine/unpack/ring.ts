// A one-way byte pipe from this thread to a worker thread, in shared memory: the layer's tar bytes
// go through it to the worker that parses them and makes the files.
//
// Why not postMessage: a message copies its bytes twice (serialise, then deserialise into fresh
// memory the worker's garbage collector must later free) — for a 200 MB layer, 0.2 s of CPU on a
// host with two. Here the bytes are copied once, into a ring buffer that is reused, so its memory
// stays mapped and warm.
//
// Two counters in shared memory say how many bytes were ever written and read (modulo 2^32, which
// is why the ring's size is a power of two below 2^31). The writer never blocks its thread: when the
// ring is full it awaits Atomics.waitAsync. The reader is a worker with nothing else to do, so it
// blocks in Atomics.wait until there is something to read.

const WRITTEN = 0; // bytes written so far (mod 2^32)
const READ = 1; // bytes read so far (mod 2^32)
const SEQ = 2; // bumped on every change the reader may be waiting for
const STATE = 3; // 0 while the writer is still writing
const CLOSED = 1; // the writer has written everything
const ABORTED = 2; // the writer gave up: the reader stops without finishing

// Atomics.waitAsync is in Node >= 16 (V8 8.7); TypeScript lists it only from lib es2024.
type WaitAsync = (a: Int32Array, index: number, value: number, timeout?: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

export interface RingMemory {
  data: SharedArrayBuffer;
  control: SharedArrayBuffer;
}

export function ringMemory(size: number): RingMemory {
  if (size & (size - 1) || size > 1 << 30) throw new RangeError('ring size must be a power of two up to 1 GiB');
  return { data: new SharedArrayBuffer(size), control: new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT) };
}

/** The writing end (the thread that downloads and decompresses). */
export class RingWriter {
  private readonly data: Uint8Array;
  private readonly ctl: Int32Array;
  private written = 0;

  constructor(readonly memory: RingMemory) {
    this.data = new Uint8Array(memory.data);
    this.ctl = new Int32Array(memory.control);
  }

  private room(): number {
    return this.data.length - ((this.written - Atomics.load(this.ctl, READ)) >>> 0);
  }

  /**
   * Copies `chunk` into the ring. Returns nothing when it all fitted, else a promise that settles
   * when the rest is in; `stop` rejecting ends that wait (the reader died).
   */
  write(chunk: Uint8Array, stop: Promise<never>): Promise<void> | undefined {
    const at = this.copy(chunk, 0);
    return at === chunk.length ? undefined : this.writeRest(chunk, at, stop);
  }

  private async writeRest(chunk: Uint8Array, at: number, stop: Promise<never>): Promise<void> {
    while (at < chunk.length) {
      const read = Atomics.load(this.ctl, READ);
      if (this.room() === 0) {
        // A timeout too, so that a wait never outlives a reader that vanished without a word.
        const w = waitAsync(this.ctl, READ, read, 1000);
        if (w.async) await Promise.race([w.value, stop]);
      }
      at = this.copy(chunk, at);
    }
  }

  /** Copies what fits now (in up to two runs, around the ring's end); returns the new offset. */
  private copy(chunk: Uint8Array, at: number): number {
    const size = this.data.length;
    const start = at;
    for (let room = this.room(); room > 0 && at < chunk.length; room = this.room()) {
      const pos = this.written & (size - 1);
      const n = Math.min(chunk.length - at, room, size - pos);
      this.data.set(chunk.subarray(at, at + n), pos);
      at += n;
      this.written = (this.written + n) >>> 0;
      Atomics.store(this.ctl, WRITTEN, this.written | 0);
    }
    if (at > start) this.wake();
    return at;
  }

  /** No more bytes will come: the reader finishes what is in the ring and then sees the end. */
  close(): void {
    Atomics.store(this.ctl, STATE, CLOSED);
    this.wake();
  }

  /** The reader should stop now, whatever is left. */
  abort(): void {
    Atomics.store(this.ctl, STATE, ABORTED);
    this.wake();
  }

  private wake(): void {
    Atomics.add(this.ctl, SEQ, 1);
    Atomics.notify(this.ctl, SEQ);
  }
}

/** The reading end, for a worker thread: next() blocks until there are bytes, the end, or an abort. */
export class RingReader {
  private readonly data: Uint8Array;
  private readonly ctl: Int32Array;
  private read = 0;

  constructor(memory: RingMemory, private readonly maxPiece = 1 << 20) {
    this.data = new Uint8Array(memory.data);
    this.ctl = new Int32Array(memory.control);
  }

  /**
   * A view of the next unread bytes (valid until release()), null at the end of the data, or
   * 'aborted'. The view is never wrapped around the ring's end; a large run comes in pieces.
   */
  next(): Uint8Array | null | 'aborted' {
    for (;;) {
      const seq = Atomics.load(this.ctl, SEQ);
      // STATE before WRITTEN: the writer stores its last WRITTEN before CLOSED, so when CLOSED is
      // seen here, `written` below already counts every byte.
      const state = Atomics.load(this.ctl, STATE);
      const written = Atomics.load(this.ctl, WRITTEN) >>> 0;
      if (state === ABORTED) return 'aborted';
      if (written !== this.read) {
        const pos = this.read & (this.data.length - 1);
        const n = Math.min((written - this.read) >>> 0, this.data.length - pos, this.maxPiece);
        return this.data.subarray(pos, pos + n);
      }
      if (state === CLOSED) return null;
      Atomics.wait(this.ctl, SEQ, seq);
    }
  }

  /** The bytes of the last view are used: the writer may overwrite them. */
  release(n: number): void {
    this.read = (this.read + n) >>> 0;
    Atomics.store(this.ctl, READ, this.read | 0);
    Atomics.notify(this.ctl, READ);
  }
}
