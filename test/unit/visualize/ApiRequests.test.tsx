// The client/server diagram at 80 columns, in color and in plain text, from the requests a real
// client sent a real Skiff daemon (scripts/record-api-events.ts): connect, version, info, images,
// ps, `inspect nosuch` (404), `run --rm` (create 404, pull, create, attach 101, wait, start), a
// pull through the daemon, a detached container whose stats are polled ten times, an exec, stop, rm.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiRequestEvent, EngineEvent } from '../../../src/engine/events.ts';
import { ApiRequests, requestText, statusColor, time } from '../../../src/visualize/ApiRequests.tsx';
import { API_ROWS_KEPT, emptyApi, foldApi, reduceApi, rowMs, shortQuery, splitPath, statusClass } from '../../../src/visualize/model/api.ts';
import { DRAWING, events, widest } from './fixtures.ts';

const all = events('api');
const requests = all.filter((e): e is ApiRequestEvent => e.type === 'api.request');
const model = foldApi(all);
const frame = (el: React.ReactElement) => render(el).lastFrame() ?? '';
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const isStats = (e: ApiRequestEvent) => /\/stats\?/.test(e.path);
const stats = requests.filter(isStats);
const poller = stats[0]!.path.split('/')[3]!; // the polled container's ID
const execId = requests.find((e) => /\/exec\/[0-9a-f]{64}\/start$/.test(e.path))!.path.split('/')[3]!;

afterEach(() => {
  delete process.env.NO_COLOR;
});

describe('the API model', () => {
  it('was recorded from a real daemon: every request, the trace excluded', () => {
    expect(requests.length).toBe(all.length);
    expect(requests[0]).toMatchObject({ method: 'GET', path: '/_ping', status: 200 });
    expect(requests.some((e) => e.path.includes('/skiff/v1/trace'))).toBe(false);
    expect(stats.length).toBeGreaterThanOrEqual(10);
  });

  it('folds each request into a row: version prefix off, query apart, statuses counted', () => {
    expect(model.total).toBe(requests.length);
    expect(model.failed).toBe(requests.filter((e) => e.status >= 400).length);
    expect(model.failed).toBe(3); // inspect nosuch, the create before the pull, the DELETE after --rm
    expect(model.version).toBe('1.41');
    expect(model.dropped).toBe(0);
    expect(model.rows[0]).toEqual({ method: 'GET', path: '/_ping', query: '', status: 200, count: 1, ms: requests[0]!.ms, totalMs: requests[0]!.ms });
    expect(model.rows[1]).toMatchObject({ method: 'GET', path: '/version', query: '', version: '1.41', status: 200 });
    for (const r of model.rows) expect(r.path).not.toMatch(/^\/v\d/);
    expect(model.rows.find((r) => r.path === '/containers/nosuch/json')).toMatchObject({ method: 'GET', status: 404 });
    expect(model.rows.filter((r) => r.method === 'POST' && r.path === '/containers/create' && !r.query).map((r) => r.status)).toEqual([404, 201]);
    expect(model.rows.find((r) => r.path === `/exec/${execId}/start`)).toMatchObject({ method: 'POST', status: 101 });
    expect(model.rows.at(-1)).toMatchObject({ method: 'GET', path: '/containers/json', query: 'all=1&filters=%7B%7D', status: 200 });
  });

  it('collapses the stats polling into one row with a count, and nothing else', () => {
    const polled = model.rows.filter((r) => r.path === `/containers/${poller}/stats`);
    expect(polled).toHaveLength(1);
    expect(polled[0]).toMatchObject({ method: 'GET', query: 'stream=false&one-shot=1', status: 200, count: stats.length, ms: stats.at(-1)!.ms });
    expect(polled[0]!.totalMs).toBe(stats.reduce((n, e) => n + e.ms, 0));
    expect(rowMs(polled[0]!)).toBeCloseTo(polled[0]!.totalMs / stats.length);
    expect(model.rows).toHaveLength(requests.length - stats.length + 1);
    // The same request with other requests between stays two rows.
    expect(model.rows.filter((r) => r.path === '/containers/poller/json').map((r) => r.count)).toEqual([1, 1]);
  });

  it('ignores every other event, and is pure', () => {
    const other = events('run-volume');
    expect(foldApi(other)).toBe(emptyApi);
    expect(reduceApi(model, other[0]!)).toBe(model);
    const before = JSON.stringify(model);
    reduceApi(model, requests[0]!);
    expect(JSON.stringify(model)).toBe(before);
    // Interleaved with the engine's events, the same rows.
    const mixed: EngineEvent[] = [...other.slice(0, 5), ...all, ...other.slice(5)];
    expect(foldApi(mixed)).toEqual(model);
  });

  it(`keeps the last ${API_ROWS_KEPT} rows, counting what it let go`, () => {
    const rounds = Math.ceil((API_ROWS_KEPT * 2) / model.rows.length);
    const long = foldApi(Array.from({ length: rounds }, () => all).flat());
    expect(long.total).toBe(requests.length * rounds);
    expect(long.rows).toHaveLength(API_ROWS_KEPT);
    expect(long.dropped + long.rows.reduce((n, r) => n + r.count, 0)).toBe(long.total);
    expect(long.rows.at(-1)).toEqual(model.rows.at(-1));
  });

  it('splits paths and shortens queries for reading', () => {
    expect(splitPath('/_ping')).toEqual({ path: '/_ping', query: '' });
    const sent = requests.find((e) => e.path.includes('fromImage'))!.path;
    expect(splitPath(sent)).toEqual({ version: '1.41', path: '/images/create', query: 'fromImage=busybox%3Alatest' });
    expect(shortQuery('fromImage=busybox%3Alatest', 64)).toBe('?fromImage=busybox:latest');
    expect(shortQuery('all=1&filters=%7B%7D')).toBe('?all=1'); // an empty filter says nothing
    expect(shortQuery('fromImage=busybox%3Alatest', 10)).toBe('?fromImage=busybox:l…');
    expect(shortQuery('')).toBe('');
  });

  it('colors by class: 2xx green, 1xx and 3xx yellow, 4xx and 5xx red', () => {
    const seen = [...new Set(requests.map((e) => e.status))].sort();
    expect(seen).toEqual([101, 200, 201, 204, 404]);
    expect(seen.map(statusClass)).toEqual(['info', 'ok', 'ok', 'ok', 'error']);
    expect(seen.map(statusColor)).toEqual(['yellow', 'green', 'green', 'green', 'red']);
    expect(statusColor(304)).toBe('yellow');
    expect(statusColor(500)).toBe('red');
  });
});

describe('ApiRequests', () => {
  const row = (method: string, text: string, status: number, ms: number, count = '') =>
    new RegExp(`${method.padEnd(7)}${esc(text)} +──▶│◀── ${status} +${esc(time(ms))}${count ? ` +${esc(count)}` : ' '}`);

  it('draws every request as it crossed the socket, newest last, in 80 columns', () => {
    const f = frame(<ApiRequests model={model} width={80} height={60} plain={false} />);
    expect(widest(f)).toBeLessThanOrEqual(80);
    expect(f).toMatch(new RegExp(`client ⇄ daemon +${model.total} requests, 3 failed, API 1\\.41`));
    expect(f).toContain('client (skiff REPL) ⇄ daemon (skiffd) over the unix socket');
    expect(f).toMatch(/request \(without \/v1\.41\) +daemon +answer/);
    expect(f).toMatch(row('GET', '/_ping', 200, requests[0]!.ms));
    expect(f).toMatch(row('GET', '/containers/nosuch/json', 404, model.rows.find((r) => r.path === '/containers/nosuch/json')!.ms));
    expect(f).toMatch(new RegExp(`POST +/containers/create +──▶│◀── 404[^\\n]*\\n[^\\n]*POST +/containers/create +──▶│◀── 201`));
    expect(f).toMatch(row('POST', '/images/create?fromImage=busybox:latest', 200, model.rows.find((r) => r.path === '/images/create')!.ms));
    expect(f).toMatch(row('POST', `/exec/${execId.slice(0, 12)}…/start`, 101, model.rows.find((r) => r.path === `/exec/${execId}/start`)!.ms));
    const polled = model.rows.find((r) => r.path === `/containers/${poller}/stats`)!;
    expect(f).toMatch(row('GET', `/containers/${poller.slice(0, 12)}…/stats?stream=fals…`, 200, rowMs(polled), `×${stats.length}`));
    expect(f.match(/×\d+/g)).toEqual([`×${stats.length}`]);
    expect(f).toMatch(row('DELETE', '/containers/poller', 204, model.rows.find((r) => r.method === 'DELETE' && r.path === '/containers/poller')!.ms));
    // Newest last.
    const lines = f.split('\n');
    expect(lines.at(-2)).toMatch(row('GET', '/containers/json?all=1', 200, model.rows.at(-1)!.ms));
  });

  it('fits its height: the newest rows, and how many earlier ones are not shown', () => {
    const f = frame(<ApiRequests model={model} width={80} height={14} plain={false} socket="/run/skiff/skiff.sock" />);
    expect(widest(f)).toBeLessThanOrEqual(80);
    expect(f.split('\n')).toHaveLength(14);
    expect(f).toContain('over the unix socket');
    expect(f).toContain('/run/skiff/skiff.sock');
    const drawn = f.split('\n').filter((l) => l.includes('──▶│◀──')).length;
    const shown = model.rows.slice(-drawn);
    expect(f).toContain(`… ${model.total - shown.reduce((n, r) => n + r.count, 0)} earlier requests`);
    expect(f.split('\n').at(-2)).toMatch(row('GET', '/containers/json?all=1', 200, model.rows.at(-1)!.ms));
    // By default the last 20 rows.
    expect(frame(<ApiRequests model={model} width={80} plain={false} />).split('\n').filter((l) => l.includes('──▶│◀──'))).toHaveLength(20);
  });

  it('keeps long paths whole and cuts the query, or the middle of the path', () => {
    const attach = model.rows.find((r) => r.path.endsWith('/attach'))!;
    expect(requestText(attach, false, 44)).toBe(`/containers/${attach.path.split('/')[2]!.slice(0, 12)}…/attach?stream=1&s…`);
    expect(requestText(attach, false)).toBe(`/containers/${attach.path.split('/')[2]!.slice(0, 12)}…/attach?stream=1&stdout=1&stderr=1`);
    const f = frame(<ApiRequests model={model} width={60} height={60} plain={false} />);
    expect(widest(f)).toBeLessThanOrEqual(60);
    expect(f).toMatch(/POST +\/containers\/[0-9a-f]{4}…\/wait\?… /);
    expect(f).toMatch(/POST +\/containers\/[0-9a-f]{4}…\/attach +──▶/); // no room for its query
    expect(f).toMatch(/DELETE \/containers\/[0-9a-f]{8}…\?f… /);
  });

  it('reads as sentences in plain mode', () => {
    const f = frame(<ApiRequests model={model} width={80} height={60} plain />);
    expect(f).not.toMatch(DRAWING);
    expect(widest(f)).toBeLessThanOrEqual(80);
    const text = f.replace(/\s+/g, ' ');
    expect(text).toContain(`Client and daemon. ${model.total} requests, 3 failed, API 1.41.`);
    expect(text).toContain('The client (the skiff REPL) sends requests to the daemon (skiffd) over the unix socket; each one it sent, newest last, paths without their /v1.41 prefix.');
    expect(text).toContain(`The client sent GET /_ping; the daemon answered 200 OK, in ${time(requests[0]!.ms)}.`);
    expect(text).toContain('The client sent GET /containers/nosuch/json; the daemon answered 404 Not Found, in');
    expect(text).toContain('The client sent POST /containers/create; the daemon answered 404 Not Found');
    expect(text).toContain('The client sent POST /images/create?fromImage=busybox:latest; the daemon answered 200 OK');
    const exec = model.rows.find((r) => r.path === `/exec/${execId}/start`)!;
    expect(text).toContain(`The client sent POST /exec/${execId.slice(0, 12)}/start; the daemon answered 101 Switching Protocols: the connection became the stream, open for ${time(exec.ms)}.`);
    const polled = model.rows.find((r) => r.path === `/containers/${poller}/stats`)!;
    expect(text).toContain(`The client sent GET /containers/${poller.slice(0, 12)}/stats?stream=false&one-shot=1 ${stats.length} times; the daemon answered 200 OK each time, in ${time(rowMs(polled))} on average.`);
    expect(text).toContain('The client sent DELETE /containers/poller; the daemon answered 204 No Content');
    expect(text).toMatch(/The client sent GET \/containers\/json\?all=1; the daemon answered 200 OK, in [^.]+\.\s*$/);
  });

  it('is plain under NO_COLOR, and says so when there is nothing yet', () => {
    process.env.NO_COLOR = '1';
    const f = frame(<ApiRequests model={foldApi(all.slice(0, 3))} width={80} />);
    expect(f).not.toMatch(DRAWING);
    expect(f.replace(/\s+/g, ' ')).toContain('The client sent GET /version; the daemon answered 200 OK');
    delete process.env.NO_COLOR;
    expect(frame(<ApiRequests model={emptyApi} width={80} plain={false} />)).toContain('no request yet');
    expect(frame(<ApiRequests model={emptyApi} width={80} plain />)).toContain('No request yet.');
  });
});
