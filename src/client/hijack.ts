// The client's side of a hijacked connection (attach, exec start), as moby's client/hijack.go does
// it: the request goes out with `Connection: Upgrade` and `Upgrade: tcp`; a `101 UPGRADED` answer
// leaves a raw socket carrying the process's streams both ways. Without a TTY the output is
// multiplexed — [stream, 0, 0, 0, size uint32 BE] then the bytes — and is split apart again here.
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { AttachedStream, OutputChunk } from './api.ts';

export interface HijackRequest {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * Sends an upgrade request through undici and resolves with the raw socket after `101`. Any other
 * answer is an error: its status and body go to `toError`, so the daemon's message reaches the user.
 */
export function hijack(dispatcher: Dispatcher, req: HijackRequest, toError: (status: number, body: string) => Error): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const chunks: Buffer[] = [];
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {},
      onRequestUpgrade(_controller, statusCode, _headers, socket) {
        if (statusCode !== 101) {
          socket.destroy();
          return reject(toError(statusCode, ''));
        }
        resolve(socket);
      },
      onResponseStart(_controller, statusCode) {
        status = statusCode;
      },
      onResponseData(_controller, chunk) {
        chunks.push(Buffer.from(chunk));
      },
      onResponseEnd() {
        reject(toError(status, Buffer.concat(chunks).toString('utf8')));
      },
      onResponseError(_controller, err) {
        reject(err);
      },
    };
    dispatcher.dispatch({ origin: req.origin, path: req.path, method: 'POST', headers: req.headers, ...(req.body !== undefined ? { body: req.body } : {}), upgrade: 'tcp' }, handler);
  });
}

const STREAMS = ['stdout', 'stdout', 'stderr'] as const; // 0 (stdin, echoed back by some daemons) shows as stdout

/** Splits multiplexed frames; a frame may arrive in pieces, several may arrive at once. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(data: Buffer): OutputChunk[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    const out: OutputChunk[] = [];
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      out.push({ stream: STREAMS[this.buf[0]!] ?? 'stdout', data: this.buf.subarray(8, 8 + size) });
      this.buf = this.buf.subarray(8 + size);
    }
    return out;
  }
}

/** A stream of output chunks from a byte stream: demultiplexed, or all stdout (a TTY). */
export async function* outputOf(source: AsyncIterable<Buffer | Uint8Array>, multiplexed: boolean): AsyncGenerator<OutputChunk> {
  const frames = new FrameDecoder();
  for await (const b of source) {
    const buf = Buffer.from(b);
    if (multiplexed) yield* frames.push(buf);
    else if (buf.length > 0) yield { stream: 'stdout', data: buf };
  }
}

/** An upgraded socket as an AttachedStream. */
export function attachedStream(socket: Duplex, multiplexed: boolean): AttachedStream {
  let closed = false;
  socket.on('error', () => {}); // a reset after close() is no news
  async function* output(): AsyncGenerator<OutputChunk> {
    try {
      yield* outputOf(socket, multiplexed);
    } catch (e) {
      if (!closed) throw e;
    }
  }
  return {
    output: output(),
    write: (d) => void (socket.writable && socket.write(d)),
    end: () => void socket.end(), // half-close: the daemon gives the process end-of-file on stdin
    close: () => {
      closed = true;
      socket.destroy();
    },
  };
}
