// A hijacked connection: `attach` and `exec start` stop speaking HTTP and carry a process's
// streams both ways (moby daemon/server/router/container: "101 UPGRADED", then raw bytes).
//  - With a TTY there is one stream, sent as it is (application/vnd.docker.raw-stream).
//  - Without, stdout and stderr are multiplexed: each piece is prefixed by an 8-byte header
//    [stream, 0, 0, 0, size as uint32 big-endian] with stream 1 = stdout, 2 = stderr
//    (application/vnd.docker.multiplexed-stream; moby pkg/stdcopy).
//  - What the client writes is the process's stdin; when the client half-closes its side
//    (shutdown(SHUT_WR)), stdin reaches end-of-file.
import type http from 'node:http';
import type net from 'node:net';
import { SkiffError } from '../engine/errors.ts';

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MUX_STREAM = 'application/vnd.docker.multiplexed-stream';

const STREAM_NUMBER = { stdin: 0, stdout: 1, stderr: 2 } as const;

/** One multiplexed frame: the 8-byte header, then the bytes. */
export function frame(stream: keyof typeof STREAM_NUMBER, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = STREAM_NUMBER[stream];
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

export interface ProcessStream {
  /** Output from the process; framed unless the stream is raw (a TTY). */
  send(stream: 'stdout' | 'stderr', data: Buffer): void;
  /** Input from the client, as it comes; `null` when the client has no more (half-close). */
  onInput(listener: (data: Buffer | null) => void): void;
  /** The process's output has ended: flush and close the connection. */
  end(): void;
  /** Resolves when the connection is gone (ended by us, or the client went away). */
  readonly closed: Promise<void>;
}

function streamOn(write: (b: Buffer) => void, multiplexed: boolean): ProcessStream['send'] {
  return (stream, data) => {
    if (data.length > 0) write(multiplexed ? frame(stream, data) : data);
  };
}

/**
 * Answers an upgrade request with 101 and turns its socket into a ProcessStream. The socket stays
 * paused until someone listens for input, so no byte of stdin is lost.
 */
export function upgradeSocket(socket: net.Socket, headers: Record<string, string>, multiplexed: boolean): ProcessStream {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.setNoDelay(true);
  socket.setTimeout(0);
  socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${multiplexed ? MUX_STREAM : RAW_STREAM}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n${extra}\r\n`);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => socket.destroy());
  return {
    send: streamOn((b) => {
      if (!socket.destroyed && socket.writable) socket.write(b);
    }, multiplexed),
    onInput(listener) {
      socket.on('data', (d: Buffer) => listener(d));
      socket.once('end', () => listener(null));
      socket.resume();
    },
    end() {
      // Whole close once the output is flushed; the client's copy loop sees end-of-file.
      if (!socket.destroyed) socket.destroySoon();
    },
    closed,
  };
}

/**
 * For a client that did not ask to upgrade (curl, old clients): a 200 answer whose body is the
 * output; the request body, if the client streams one, is stdin.
 */
export function responseStream(req: http.IncomingMessage, res: http.ServerResponse, multiplexed: boolean): ProcessStream {
  res.writeHead(200, { 'Content-Type': multiplexed ? MUX_STREAM : RAW_STREAM });
  res.flushHeaders();
  const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
  return {
    send: streamOn((b) => {
      if (!res.writableEnded) res.write(b);
    }, multiplexed),
    onInput(listener) {
      req.on('data', (d: Buffer) => listener(d));
      req.once('end', () => listener(null));
    },
    end() {
      if (!res.writableEnded) res.end();
    },
    closed,
  };
}

const CTRL_SYMBOLS: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 };

/** "ctrl-p,ctrl-q" → [0x10, 0x11] (moby/term ToBytes). */
export function detachKeyBytes(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',').map((p) => p.trim().toLowerCase())) {
    const m = /^ctrl-(.)$/.exec(part);
    if (m) {
      const c = m[1]!;
      // ctrl-a … ctrl-z are 1 … 26; ctrl-@ is 0, ctrl-[ ctrl-\ ctrl-] ctrl-^ ctrl-_ are 27 … 31.
      const code = c >= 'a' && c <= 'z' ? c.charCodeAt(0) - 96 : CTRL_SYMBOLS[c];
      if (code === undefined) throw new SkiffError('USAGE', `Invalid detach keys (${spec}) provided`, 'use e.g. ctrl-p,ctrl-q');
      out.push(code);
    } else if (part.length === 1) {
      out.push(part.charCodeAt(0));
    } else {
      throw new SkiffError('USAGE', `Invalid detach keys (${spec}) provided`, 'use e.g. ctrl-p,ctrl-q');
    }
  }
  return out;
}

/**
 * Watches a TTY's input for the detach sequence (Ctrl-P Ctrl-Q by default): bytes that may begin
 * it are held back; when it completes the client detaches, when it breaks they are passed on.
 */
export class DetachWatch {
  private held: number[] = [];

  constructor(private readonly keys: number[]) {}

  /** The bytes to pass to the process, and whether the client asked to detach. */
  feed(data: Buffer): { pass: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { pass: data, detach: false };
    const pass: number[] = [];
    for (const b of data) {
      if (b === this.keys[this.held.length]) {
        this.held.push(b);
        if (this.held.length === this.keys.length) return { pass: Buffer.from(pass), detach: true };
        continue;
      }
      pass.push(...this.held);
      this.held = [];
      if (b === this.keys[0]) this.held.push(b);
      else pass.push(b);
    }
    return { pass: Buffer.from(pass), detach: false };
  }
}
