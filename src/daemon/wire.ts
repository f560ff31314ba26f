// The Engine API on the wire, Docker's way (moby daemon/server/httputils, httpstatus): errors are
// JSON `{"message": "..."}` with the status code the error's kind calls for, every answer carries
// the API version headers, and query flags are read as Go's BoolValue reads them.
import type http from 'node:http';
import type net from 'node:net';
import { describeError, type ErrorCode, SkiffError } from '../engine/errors.ts';

export const API_VERSION = '1.41';
export const MIN_API_VERSION = '1.24';

/** An error of the HTTP layer itself: no such endpoint, a body too large, a bad request line. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  IMAGE_NOT_FOUND: 404,
  MANIFEST_UNKNOWN: 404,
  CONTAINER_NOT_FOUND: 404,
  EXEC_NOT_FOUND: 404,
  VOLUME_NOT_FOUND: 404,
  NETWORK_NOT_FOUND: 404,
  CONFLICT: 409,
  NOT_RUNNING: 409,
  USAGE: 400,
  INVALID_REFERENCE: 400,
  INVALID_DIGEST: 400,
};

/** Docker's status for an error: 404 for a missing thing, 409 for a conflict, 400 for a bad request, else 500. */
export function statusOf(e: unknown): number {
  if (e instanceof HttpError) return e.status;
  if (e instanceof SkiffError) return STATUS[e.code] ?? 500;
  return 500;
}

/**
 * The body of an error answer. `message` is all Docker clients read; Skiff's own client also reads
 * `code`, `hint` and `exitCode`, so an error crosses the socket without losing its kind or its fix.
 */
export function errorBody(e: unknown): { message: string; code?: string; hint?: string; exitCode?: number } {
  if (e instanceof SkiffError) {
    // A start that failed says which exit code the command gets (126 cannot execute, 127 not found).
    const exitCode = (e as SkiffError & { exitCode?: unknown }).exitCode;
    return { message: e.message, code: e.code, ...(e.hint ? { hint: e.hint } : {}), ...(typeof exitCode === 'number' ? { exitCode } : {}) };
  }
  if (e instanceof HttpError) return { message: e.message };
  return { message: describeError(e) };
}

/** Headers every answer carries (moby's VersionMiddleware and ping handler). */
export function commonHeaders(serverVersion: string): Record<string, string> {
  return {
    'Api-Version': API_VERSION,
    'Docker-Experimental': 'false',
    Ostype: 'linux',
    Server: `Skiff/${serverVersion} (linux)`,
  };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = body === undefined ? '' : JSON.stringify(body) + '\n';
  res.writeHead(status, body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const REASON: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 500: 'Internal Server Error' };

/**
 * An answer written straight onto a socket, for a request that asked to upgrade the connection
 * (attach, exec start) but gets an ordinary answer instead: an error, or a detached exec.
 */
export function sendRaw(socket: net.Socket, headers: Record<string, string>, status: number, body?: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body) + '\n';
  const lines = [`HTTP/1.1 ${status} ${REASON[status] ?? 'Error'}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (body !== undefined) lines.push('Content-Type: application/json');
  lines.push(`Content-Length: ${Buffer.byteLength(text)}`, 'Connection: close', '', '');
  // Closed whole once written: the socket may be paused, so a half-close would never complete.
  if (!socket.destroyed) socket.end(lines.join('\r\n') + text, () => socket.destroy());
}

/** Go's BoolValue: absent, "", "0", "no", "false" and "none" are false; anything else is true. */
export function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && !['', '0', 'no', 'false', 'none'].includes(v.trim().toLowerCase());
}

/** An integer query value, or `fallback` when absent; a value that is not one is a 400. */
export function intParam(q: URLSearchParams, name: string, fallback?: number): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return fallback;
  if (!/^-?\d+$/.test(v.trim())) throw new SkiffError('USAGE', `invalid value for ${name}: "${v}" is not an integer`);
  return Number(v);
}

/**
 * The `filters` query parameter: JSON mapping a key to its values, either as a list
 * (`{"status":["running"]}`) or, as the docker CLI sends it, as a set (`{"status":{"running":true}}`).
 */
export function filtersParam(q: URLSearchParams): Record<string, string[]> {
  const raw = q.get('filters');
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SkiffError('USAGE', `invalid filter: ${raw} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SkiffError('USAGE', 'invalid filter: want an object of key → values');
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(v)) out[k] = v.map(String);
    else if (typeof v === 'object' && v !== null) out[k] = Object.entries(v).filter(([, on]) => on === true).map(([name]) => name);
    else throw new SkiffError('USAGE', `invalid filter '${k}': want a list of values`);
  }
  return out;
}

/** Compares dotted versions: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Docker's versionUnsupportedError messages for a version outside what we serve. */
export function checkVersion(v: string): void {
  if (!/^\d+(\.\d+)*$/.test(v)) throw new HttpError(400, `invalid API version "${v}"`);
  if (compareVersions(v, MIN_API_VERSION) < 0) {
    throw new HttpError(400, `client version ${v} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  }
  if (compareVersions(v, API_VERSION) > 0) throw new HttpError(400, `client version ${v} is too new. Maximum supported API version is ${API_VERSION}`);
}
