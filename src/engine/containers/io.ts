// A running container's standard streams, in the engine: where the output goes (the log, and every
// client attached right now) and where input comes from. Without -t, stdout and stderr are two
// FIFOs (kept apart all the way to `logs`); with -t, one pseudo-terminal whose master we hold.
import fs from 'node:fs';
import path from 'node:path';
import type net from 'node:net';
import type tty from 'node:tty';
import { closeFd, dupFd, masterStream, openPty, resizePty } from '../../kernel/pty.ts';
import { FifoReader, mkfifo, writeFifo } from '../runtime/fifo.ts';
import type { ProcessSpec } from '../runtime/protocol.ts';
import { LogWriter, type StreamName } from './logs.ts';

export type OutputListener = (stream: StreamName, chunk: Buffer) => void;

export interface IoOptions {
  tty: boolean;
  stdin: boolean;
  size?: { rows: number; cols: number };
  /** The json-file log to append to (exec output is not logged, as in Docker). */
  log?: string;
  /** Read the FIFOs a running container already has (its starter is gone) instead of making new ones. */
  adopt?: boolean;
  /** With a terminal: the master of the container's existing pty (taken back after a restart). */
  master?: number;
}

export class ContainerIO {
  private readonly listeners = new Set<OutputListener>();
  private readonly log?: LogWriter;
  private readers: FifoReader[] = [];
  private master?: { fd: number; stream: tty.ReadStream; ended: Promise<void> };
  private masterClosed = false;
  private stdinSock?: net.Socket;
  private finished?: Promise<void>;
  private isStarted = false;
  private endPending = false;
  /** What the init opens: FIFO paths, or the pty slave. */
  readonly stdio: ProcessSpec['stdio'];

  constructor(dir: string, readonly opts: IoOptions) {
    if (!opts.adopt) {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    }
    if (opts.log) this.log = new LogWriter(opts.log);
    if (opts.tty) {
      const pty = opts.master !== undefined ? { master: opts.master, slave: '' } : openPty(opts.size);
      // The stream reads a copy of the master's descriptor (and closes it when it ends); the
      // master itself stays ours until finish().
      let reopened = 0;
      let resolveEnded: () => void = () => {};
      const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
      const read = (): tty.ReadStream => {
        const stream = masterStream(dupFd(pty.master));
        stream.on('data', (b: Buffer) => this.emit('stdout', b));
        // When the last process holding the slave exits, reads fail with EIO: that is the end.
        stream.on('error', () => resolveEnded());
        // A read of 0 bytes is not the end: the kernel answers one while it hangs up a terminal
        // (n_tty_read, TTY_HUPPING), with output maybe still on its way. Read on with a fresh
        // stream until EIO says the last holder of the slave is gone (a bounded number of times).
        stream.on('end', () => {
          if (this.masterClosed || !this.master || ++reopened > 20) return resolveEnded();
          stream.destroy();
          this.master.stream = read();
        });
        return stream;
      };
      this.master = { fd: pty.master, stream: read(), ended };
      this.stdio = { terminal: pty.slave };
      return;
    }
    const p = (n: string) => path.join(dir, n);
    if (!opts.adopt) {
      mkfifo(p('stdout'));
      mkfifo(p('stderr'));
    }
    this.readers = [new FifoReader(p('stdout'), (b) => this.emit('stdout', b)), new FifoReader(p('stderr'), (b) => this.emit('stderr', b))];
    if (opts.stdin && !opts.adopt) {
      mkfifo(p('stdin'));
      this.stdinSock = writeFifo(p('stdin'));
      this.stdinSock.on('error', () => {});
    }
    this.stdio = { stdout: p('stdout'), stderr: p('stderr'), ...(opts.stdin ? { stdin: p('stdin') } : {}) };
  }

  private emit(stream: StreamName, chunk: Buffer): void {
    this.log?.write(stream, chunk);
    for (const l of this.listeners) l(stream, chunk);
  }

  /** Receive output from now on; returns the way to stop. */
  listen(l: OutputListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  writeStdin(chunk: Buffer | string): void {
    if (this.master) this.master.stream.write(chunk);
    else this.stdinSock?.write(chunk);
  }

  /**
   * The client's input ended: the container reads end-of-file (a terminal gets nothing: it stays
   * open). Not before its process has opened the pipe, though: opening a FIFO for reading waits
   * for a writer, and ours would be gone.
   */
  endStdin(): void {
    if (!this.isStarted) {
      this.endPending = true;
      return;
    }
    this.stdinSock?.end();
    this.stdinSock = undefined;
  }

  /** The process has its streams open: input may end now. */
  started(): void {
    this.isStarted = true;
    if (this.endPending) this.endStdin();
  }

  resize(rows: number, cols: number): void {
    if (this.master) resizePty(this.master.fd, rows, cols);
  }

  /** The pty master's descriptor (a holder process keeps a copy, see runner.ts). */
  get masterFd(): number | undefined {
    return this.master?.fd;
  }

  get isTty(): boolean {
    return this.master !== undefined;
  }

  /** The container has ended: read what is left, close the log. Safe to call more than once. */
  finish(): Promise<void> {
    this.finished ??= (async () => {
      this.stdinSock?.destroy();
      await Promise.all(this.readers.map((r) => r.finish()));
      if (this.master) {
        // The end comes (EIO) once the last holder of the slave is gone, just after the exit; what
        // the process wrote last reaches the master a moment later (the kernel flushes a pty's
        // buffer in a work item). The time-out is only for a background process that kept the
        // slave open: a loaded machine must not cut the last line off.
        await Promise.race([this.master.ended, new Promise((r) => setTimeout(r, 2000))]);
        this.closeMaster();
      }
      this.log?.close();
      this.listeners.clear();
    })();
    return this.finished;
  }

  private closeMaster(): void {
    if (!this.master || this.masterClosed) return;
    this.masterClosed = true;
    this.master.stream.destroy();
    closeFd(this.master.fd);
  }

  /** Stop without draining (start failed, or the engine shuts down and leaves the container running). */
  abandon(): void {
    for (const r of this.readers) r.close();
    this.stdinSock?.destroy();
    this.closeMaster();
    this.log?.close();
  }
}
