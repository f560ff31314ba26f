// Request bodies: read whole, within a limit (a daemon must not buffer whatever a client sends),
// and parsed as JSON the way the API expects. An upgraded request (attach, exec start) hands us the
// raw socket, so its body is cut out of the byte stream by hand: what follows it is the client's
// stdin and goes back onto the socket.
import type http from 'node:http';
import type net from 'node:net';
import { HttpError } from './wire.ts';

/** The largest JSON body accepted (a create request is a few KiB; Docker has no limit of its own). */
export const JSON_LIMIT = 1024 * 1024;

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `request body too large: the limit is ${limit} bytes`);
}

/** Reads an ordinary request's body, refusing more than `limit` bytes (413). */
export async function readBody(req: http.IncomingMessage, limit = JSON_LIMIT): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON body; empty is `undefined`; anything but JSON is a 400. */
export function parseJson(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0) return undefined;
  if (contentType && !/^application\/(.+\+)?json\b/i.test(contentType.trim())) {
    throw new HttpError(400, `unsupported Content-Type header (${contentType}): must be 'application/json'`);
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `malformed JSON in the request body: ${(e as Error).message}`);
  }
}

/**
 * Reads the body of an upgraded request from the bytes after its headers (`head`) and the socket,
 * by Content-Length or chunked encoding; the bytes after it are put back for the stream to read.
 */
export function readUpgradeBody(socket: net.Socket, head: Buffer, headers: http.IncomingHttpHeaders, limit = JSON_LIMIT): Promise<Buffer> {
  const chunked = /chunked/i.test(String(headers['transfer-encoding'] ?? ''));
  const length = Number(headers['content-length'] ?? 0);
  if (!chunked && (!Number.isFinite(length) || length < 0)) return Promise.reject(new HttpError(400, 'invalid Content-Length'));
  if (!chunked && length > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    let buf = head;
    let settled = false;
    const done = (err: Error | undefined, body?: Buffer, rest?: Buffer) => {
      settled = true;
      socket.pause();
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      if (err) return reject(err);
      if (rest && rest.length > 0) socket.unshift(rest);
      resolve(body!);
    };
    const tryParse = () => {
      if (buf.length > limit + 64 * 1024) return done(tooLarge(limit));
      if (!chunked) {
        if (buf.length >= length) done(undefined, buf.subarray(0, length), buf.subarray(length));
        return;
      }
      const r = parseChunked(buf, limit);
      if (r instanceof Error) done(r);
      else if (r) done(undefined, r.body, buf.subarray(r.consumed));
    };
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      tryParse();
    };
    const onEnd = () => done(new HttpError(400, 'the connection ended inside the request body'));
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onEnd);
    tryParse();
    if (!settled) socket.resume();
  });
}

/** Decodes a complete chunked body at the start of `buf`; undefined while more bytes are needed. */
function parseChunked(buf: Buffer, limit: number): { body: Buffer; consumed: number } | HttpError | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  let size = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const n = Number.parseInt(buf.subarray(at, eol).toString('latin1').split(';')[0]!.trim(), 16);
    if (!Number.isFinite(n) || n < 0) return new HttpError(400, 'invalid chunked encoding');
    size += n;
    if (size > limit) return tooLarge(limit);
    if (n === 0) {
      // The last chunk, then (no trailers) an empty line.
      const end = buf.indexOf('\r\n', eol + 2);
      if (end < 0) return undefined;
      return { body: Buffer.concat(parts), consumed: end + 2 };
    }
    if (buf.length < eol + 2 + n + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + n));
    at = eol + 2 + n + 2;
  }
}
