// The route table: each endpoint is data — a method, a path pattern and a handler — as moby's
// routers list theirs (daemon/server/router/*/…go: NewGetRoute("/containers/{name:.*}/json", …)).
// Paths arrive with a version prefix (`/v1.41/containers/json`) or without one.
import type http from 'node:http';
import type { ProcessStream } from './hijack.ts';
import { HttpError } from './wire.ts';

export interface Call {
  method: string;
  /** The path without its version prefix. */
  path: string;
  /** The pattern's placeholders, decoded, in order. */
  params: string[];
  query: URLSearchParams;
  /** The API version the client speaks (the prefix, or ours when it sent none). */
  version: string;
  headers: http.IncomingHttpHeaders;
  /** The request itself, for a body that is streamed rather than read whole (an image tar). */
  request: http.IncomingMessage;
  /** Aborted when the client goes away or the daemon shuts down: ends streams that never end by themselves. */
  signal: AbortSignal;
  /** Aborted only when the client goes away: for work that should finish even while the daemon stops (a pull). */
  gone: AbortSignal;
  /** The body as JSON (undefined when empty); 400 when it is not JSON, 413 when too large. */
  json<T = unknown>(): Promise<T | undefined>;
  /** Starts an answer the handler writes and ends itself (events, logs, pull progress, _ping). */
  stream(status: number, headers: Record<string, string>): http.ServerResponse;
  /** Turns the connection into the process's streams (101 for an upgrade request, else 200). */
  hijack(multiplexed: boolean): ProcessStream;
}

/** What a handler returns when it does not stream: a status and an optional JSON body. */
export interface Reply {
  status: number;
  json?: unknown;
}

export type Handler = (c: Call) => Promise<Reply | void>;

export interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** `/containers/{id}/json`; `{name*}` also matches slashes (image names have them). */
  path: string;
  handler: Handler;
  /** Attach and exec start: the connection may be upgraded to a raw stream. */
  hijack?: boolean;
}

interface Compiled extends Route {
  pattern: RegExp;
}

export interface Match {
  route: Route;
  params: string[];
}

function compile(path: string): RegExp {
  const source = path
    .split(/(\{[a-z]+\*?\})/i)
    .map((part) => {
      if (part.startsWith('{')) return part.endsWith('*}') ? '(.+)' : '([^/]+)';
      return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

export class Router {
  private readonly routes: Compiled[] = [];

  add(routes: Route[]): this {
    for (const r of routes) this.routes.push({ ...r, pattern: compile(r.path) });
    return this;
  }

  /** The first route whose path and method match (order matters: `/images/json` before `/images/{name*}/json`). */
  match(method: string, path: string): Match | undefined {
    const m = method === 'HEAD' ? ['HEAD', 'GET'] : [method];
    for (const r of this.routes) {
      if (!m.includes(r.method)) continue;
      const hit = r.pattern.exec(path);
      if (!hit) continue;
      try {
        return { route: r, params: hit.slice(1).map((p) => decodeURIComponent(p)) };
      } catch {
        throw new HttpError(400, `invalid escape in the path ${path}`);
      }
    }
    return undefined;
  }
}

/** Splits `/v1.41/containers/json?all=1` into version, path and query. */
export function splitTarget(target: string): { version?: string; path: string; query: URLSearchParams } {
  const q = target.indexOf('?');
  let path = q >= 0 ? target.slice(0, q) : target;
  const query = new URLSearchParams(q >= 0 ? target.slice(q + 1) : '');
  const v = /^\/v([0-9][0-9.]*)(\/.*)$/.exec(path);
  let version: string | undefined;
  if (v) {
    version = v[1]!;
    path = v[2]!;
  }
  // Docker's router cleans duplicate slashes (gorilla mux, path.Clean).
  path = path.replace(/\/{2,}/g, '/');
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return { ...(version ? { version } : {}), path, query };
}
