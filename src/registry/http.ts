// Small helpers every registry route uses: answers with the API version header, error answers in
// the spec's JSON shape, bounded body reads.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, RegistryError } from './errors.ts';

/** Every answer says which API this is (distribution: clients use it to detect a v2 registry). */
export const API_HEADER = { 'Docker-Distribution-API-Version': 'registry/2.0' };

export function send(res: ServerResponse, status: number, headers: Record<string, string | number> = {}, body?: string | Buffer): void {
  const h: Record<string, string | number> = { ...API_HEADER, ...headers };
  if (body !== undefined && h['Content-Length'] === undefined) h['Content-Length'] = Buffer.byteLength(body);
  if (body === undefined && h['Content-Length'] === undefined && status !== 204 && status !== 304) h['Content-Length'] = 0;
  res.writeHead(status, h);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export function sendJson(res: ServerResponse, status: number, doc: unknown, headers: Record<string, string> = {}): void {
  send(res, status, { 'Content-Type': 'application/json; charset=utf-8', ...headers }, JSON.stringify(doc));
}

export function sendError(req: IncomingMessage, res: ServerResponse, e: unknown): void {
  const err = e instanceof RegistryError ? e : new RegistryError('UNKNOWN', e instanceof Error ? e.message : String(e));
  // A body we never read would be taken for the next request on a kept-alive connection.
  if (!req.complete) req.resume();
  if (res.headersSent) {
    res.destroy(err); // mid-stream: cutting the connection is the only honest signal left
    return;
  }
  send(res, err.status, { 'Content-Type': 'application/json; charset=utf-8', ...err.headers }, errorBody([{ code: err.code, message: err.message, detail: err.detail }]));
}

/** Reads a whole body of at most `limit` bytes (manifests: distribution caps them at 4 MiB). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new RegistryError('MANIFEST_INVALID', `the body is ${declared} bytes, more than ${limit}`, undefined, { status: 413 });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new RegistryError('MANIFEST_INVALID', `the body is more than ${limit} bytes`, undefined, { status: 413 });
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
