// Named pipes (fifo(7)) between the engine and its containers. They have a path, so a process that
// did not create them — the container's init, or a restarted engine — can open them again.
//
// Two kernel facts shape this file:
//  - Opening a FIFO's read end while nobody has it open for writing, and reading, gives
//    end-of-file at once. So the engine opens read ends only after the other side has its write
//    end, or opens read-write while it waits.
//  - Reads must not block a thread: libuv has only a few threads for file I/O. A FIFO opened
//    O_NONBLOCK and wrapped in a net.Socket is polled with epoll like any pipe.
import fs from 'node:fs';
import net from 'node:net';
import { mknod, S_IFIFO } from '../../kernel/fs.ts';

export function mkfifo(p: string, mode = 0o600): void {
  mknod(p, S_IFIFO | mode);
}

const { O_RDONLY, O_RDWR, O_WRONLY, O_NONBLOCK } = fs.constants;

/** A readable stream over a FIFO whose writer is already there. */
export function readFifo(p: string): net.Socket {
  return new net.Socket({ fd: fs.openSync(p, O_RDONLY | O_NONBLOCK), readable: true, writable: false });
}

/**
 * A container's output FIFO, read for as long as the container lives. It is opened read-write, so
 * it never reads end-of-file early (not before the container opens it, and not if a process in it
 * closes its stdout); when the container has ended, `finish()` reads what is left and closes.
 */
export class FifoReader {
  private sock: net.Socket;
  private finished: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly onData: (chunk: Buffer) => void,
  ) {
    const fd = fs.openSync(path, O_RDWR | O_NONBLOCK);
    // What is in the pipe already (a container's output while nobody read it) is delivered at once,
    // so a reader that adopts a running container sees everything written so far.
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      let n = 0;
      try {
        n = fs.readSync(fd, buf);
      } catch {
        break; // EAGAIN: empty
      }
      if (n <= 0) break;
      onData(Buffer.from(buf.subarray(0, n)));
    }
    this.sock = new net.Socket({ fd, readable: true, writable: false });
    this.sock.on('data', onData);
  }

  /** After the last writer is gone: drain the pipe, then close. */
  finish(): Promise<void> {
    this.finished ??= new Promise<void>((resolve) => {
      // A read-only descriptor opened now sees end-of-file once the buffered bytes are read.
      let ro: net.Socket;
      try {
        ro = new net.Socket({ fd: fs.openSync(this.path, O_RDONLY | O_NONBLOCK), readable: true, writable: false });
      } catch {
        this.sock.destroy();
        resolve();
        return;
      }
      this.sock.removeAllListeners('data');
      this.sock.destroy();
      ro.on('data', this.onData);
      ro.on('end', () => {
        ro.destroy();
        resolve();
      });
      ro.on('error', () => resolve());
    });
    return this.finished;
  }

  /** Stop reading at once (the engine is shutting down; the container keeps its end). */
  close(): void {
    this.sock.destroy();
  }
}

/** A writable stream over a FIFO (opened read-write so the open never fails or blocks). */
export function writeFifo(p: string): net.Socket {
  return new net.Socket({ fd: fs.openSync(p, O_RDWR | O_NONBLOCK), readable: false, writable: true });
}

/** Writes one line to a FIFO whose reader is there; fails at once (ENXIO) when nobody reads. */
export function writeLine(p: string, line: string): void {
  const fd = fs.openSync(p, O_WRONLY | O_NONBLOCK);
  try {
    const buf = Buffer.from(line + '\n');
    // One write: the job is far below the pipe's 64 KiB, so it goes in whole or fails with EAGAIN.
    if (fs.writeSync(fd, buf) !== buf.length) throw Object.assign(new Error('short write to a FIFO'), { code: 'EIO' });
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Newline-delimited JSON messages from a FIFO, read until its writers are all gone.
 * It starts read-write (so there is no end-of-file before the writer arrives) and switches to a
 * read-only descriptor at the first message: from then on, end-of-file means the writer closed —
 * for an init, that its execve succeeded (its end is close-on-exec) or that it died.
 */
export class MessageChannel<M> {
  private sock: net.Socket;
  private buf = '';
  private switched = false;
  private queue: M[] = [];
  private ended = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly path: string) {
    this.sock = new net.Socket({ fd: fs.openSync(path, O_RDWR | O_NONBLOCK), readable: true, writable: false });
    this.listen(this.sock);
  }

  private listen(s: net.Socket): void {
    s.on('data', (chunk: Buffer) => {
      this.buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        if (line.trim()) this.queue.push(JSON.parse(line) as M);
      }
      if (!this.switched && this.queue.length > 0) {
        // The writer is here: hand over to a read-only descriptor before dropping our own write end.
        this.switched = true;
        const ro = new net.Socket({ fd: fs.openSync(this.path, O_RDONLY | O_NONBLOCK), readable: true, writable: false });
        this.sock.removeAllListeners('data');
        this.sock.destroy();
        this.sock = ro;
        this.listen(ro);
        ro.on('end', () => this.finish());
        ro.on('error', () => this.finish());
      }
      this.wake();
    });
  }

  private finish(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The next message, or undefined once the writer has gone and everything was read. */
  async next(timeoutMs?: number): Promise<M | undefined> {
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    while (this.queue.length === 0 && !this.ended) {
      await new Promise<void>((resolve, reject) => {
        this.waiters.push(resolve);
        if (deadline !== undefined) {
          const t = setTimeout(() => reject(Object.assign(new Error('timed out waiting for the container process'), { code: 'ETIMEDOUT' })), Math.max(0, deadline - Date.now()));
          this.waiters.push(() => clearTimeout(t));
        }
      });
    }
    return this.queue.shift();
  }

  close(): void {
    this.sock.destroy();
    this.finish();
  }
}
