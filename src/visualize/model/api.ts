// The client/server diagram's model: the requests a client (the REPL) sent the Skiff daemon over
// its socket, as the daemon reports each one it answered (`api.request` events), newest last.
// The same request answered the same way again right after (the REPL polling a container's stats
// while the cgroups diagram is open) folds into the row before it, with a count. Pure.
import type { ApiRequestEvent, EngineEvent } from '../../engine/events.ts';

/** Rows kept: the oldest go first. */
export const API_ROWS_KEPT = 200;

export interface ApiRow {
  method: string;
  /** Without the API version prefix and without the query, e.g. /containers/json. */
  path: string;
  /** The query as sent, without the `?` ('' when none). */
  query: string;
  /** The API version the client asked for (`1.41` of /v1.41/...); none for /_ping. */
  version?: string;
  status: number;
  /** How many times in a row this request was answered so (1, or N for a repeat). */
  count: number;
  /** The last one's time, and all of them together (for the average of a repeat). */
  ms: number;
  totalMs: number;
}

export interface ApiModel {
  rows: ApiRow[];
  /** Every request seen, rows dropped or folded included. */
  total: number;
  /** Requests answered 4xx or 5xx. */
  failed: number;
  /** Requests no longer in `rows` (the oldest, dropped past API_ROWS_KEPT rows). */
  dropped: number;
  /** The API version of the last versioned request. */
  version?: string;
}

export const emptyApi: ApiModel = { rows: [], total: 0, failed: 0, dropped: 0 };

/** Splits a request's path as sent into version, path and query. */
export function splitPath(sent: string): { version?: string; path: string; query: string } {
  const q = sent.indexOf('?');
  const whole = q < 0 ? sent : sent.slice(0, q);
  const query = q < 0 ? '' : sent.slice(q + 1);
  const m = /^\/v(\d+(?:\.\d+)*)(\/.*)?$/.exec(whole);
  if (m) return { version: m[1]!, path: m[2] || '/', query };
  return { path: whole || '/', query };
}

export function reduceApi(m: ApiModel, e: EngineEvent): ApiModel {
  if (e.type !== 'api.request') return m;
  return add(m, e);
}

function add(m: ApiModel, e: ApiRequestEvent): ApiModel {
  const { version, path, query } = splitPath(e.path);
  const total = m.total + 1;
  const failed = m.failed + (e.status >= 400 ? 1 : 0);
  const v = version ?? m.version;
  const last = m.rows[m.rows.length - 1];
  if (last && last.method === e.method && last.path === path && last.query === query && last.status === e.status) {
    const folded: ApiRow = { ...last, count: last.count + 1, ms: e.ms, totalMs: last.totalMs + e.ms };
    return { ...m, rows: [...m.rows.slice(0, -1), folded], total, failed, ...(v ? { version: v } : {}) };
  }
  const row: ApiRow = { method: e.method, path, query, ...(version ? { version } : {}), status: e.status, count: 1, ms: e.ms, totalMs: e.ms };
  const rows = [...m.rows, row];
  const over = Math.max(0, rows.length - API_ROWS_KEPT);
  const dropped = m.dropped + rows.slice(0, over).reduce((n, r) => n + r.count, 0);
  return { ...m, rows: over ? rows.slice(over) : rows, total, failed, dropped, ...(v ? { version: v } : {}) };
}

export function foldApi(events: readonly EngineEvent[]): ApiModel {
  return events.reduce(reduceApi, emptyApi);
}

/** The time a row stands for: the one request's, or the average of a repeat. */
export function rowMs(r: ApiRow): number {
  return r.count > 1 ? r.totalMs / r.count : r.ms;
}

export type StatusClass = 'ok' | 'info' | 'error';

/** 2xx ok; 1xx (an upgraded attach/exec stream) and 3xx (304: nothing to do) info; 4xx, 5xx error. */
export function statusClass(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 400 || status < 100) return 'error';
  return 'info';
}

/** The reason phrases of the statuses the Engine API answers with. */
export function apiStatusText(status: number): string {
  const t: Record<number, string> = {
    101: 'Switching Protocols', 200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized',
    403: 'Forbidden', 404: 'Not Found', 406: 'Not Acceptable', 409: 'Conflict', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
  };
  return t[status] ?? '';
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * The query for reading: decoded (filters={"label":[...]}), empty values (filters={}) left out,
 * each value at most `maxValue` characters, cut with `mark`. '' when nothing is left.
 */
export function shortQuery(query: string, maxValue = 16, mark = '…'): string {
  if (!query) return '';
  const parts = query.split('&').filter(Boolean).flatMap((kv) => {
    const eq = kv.indexOf('=');
    const k = decode(eq < 0 ? kv : kv.slice(0, eq));
    const v = eq < 0 ? '' : decode(kv.slice(eq + 1));
    if (v === '{}' || v === '[]') return [];
    const short = [...v].length > maxValue ? `${[...v].slice(0, Math.max(1, maxValue - mark.length)).join('')}${mark}` : v;
    return [eq < 0 ? k : `${k}=${short}`];
  });
  return parts.length ? `?${parts.join('&')}` : '';
}
