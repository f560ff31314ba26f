// The API server: every listener (unix socket, TCP with TLS) feeds the same handler. A request is
// checked for its API version, matched against the route table, and answered in Docker's JSON; an
// upgrade request (attach, exec start) becomes a raw stream. Nothing a client sends can crash it:
// every failure becomes an error answer, and a handler that breaks breaks only its own request.
import type http from 'node:http';
import type net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseJson, readBody, readUpgradeBody } from './body.ts';
import { type ProcessStream, responseStream, upgradeSocket } from './hijack.ts';
import { type Call, type Router, splitTarget } from './router.ts';
import { API_VERSION, checkVersion, commonHeaders, errorBody, HttpError, sendJson, sendRaw, statusOf } from './wire.ts';

export interface ServerHooks {
  version: string;
  log(line: string): void;
  /** Told of every request answered: method, path, status (the REPL's request diagram, a debug log). */
  onRequest?(method: string, path: string, status: number, ms: number): void;
}

export class ApiServer {
  private readonly stopping = new AbortController();
  private readonly inflight = new Set<Promise<void>>();
  /** Aborts the signal of each call in progress. */
  private readonly active = new Set<() => void>();
  private readonly sockets = new Set<net.Socket>();
  private readonly servers: http.Server[] = [];
  private readonly headers: Record<string, string>;

  constructor(
    private readonly router: Router,
    private readonly hooks: ServerHooks,
  ) {
    this.headers = commonHeaders(hooks.version);
  }

  /** Serves the API on this (not yet listening) server. */
  serve(server: http.Server): void {
    this.servers.push(server);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.track(this.onRequest(req, res)));
    server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => this.track(this.onUpgrade(req, socket, head)));
    const remember = (s: net.Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    };
    server.on('connection', remember);
    server.on('secureConnection', remember);
    // Node's default answer to an unparsable request is a bare 400; say it Docker's way.
    server.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
      if (socket.writable && err.code !== 'ECONNRESET') sendRaw(socket, this.headers, 400, { message: `bad request: ${err.code ?? err.message}` });
      else socket.destroy();
    });
  }

  private track(p: Promise<void>): void {
    const q = p.catch((e: unknown) => this.hooks.log(`internal error: ${(e as Error)?.stack ?? String(e)}`)).finally(() => this.inflight.delete(q));
    this.inflight.add(q);
  }

  /** What every call has, ordinary or upgraded. */
  private baseCall(req: http.IncomingMessage, signals: { gone: AbortSignal; signal: AbortSignal }, body: () => Promise<Buffer>) {
    const { version, path, query } = splitTarget(req.url ?? '/');
    if (version !== undefined) checkVersion(version);
    const match = this.router.match(req.method ?? 'GET', path);
    if (!match) throw new HttpError(404, 'page not found');
    let parsed: Promise<unknown> | undefined;
    const call = {
      method: req.method ?? 'GET', path, params: match.params, query, version: version ?? API_VERSION, headers: req.headers, request: req, ...signals,
      json: <T>() => {
        parsed ??= body().then((b) => parseJson(b, req.headers['content-type']));
        return parsed as Promise<T | undefined>;
      },
    };
    return { call, route: match.route };
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const began = performance.now();
    for (const [k, v] of Object.entries(this.headers)) res.setHeader(k, v);
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const { signal, done } = this.callSignal(gone.signal);
    let status = 0;
    try {
      const { call: base, route } = this.baseCall(req, { gone: gone.signal, signal }, () => readBody(req));
      const call: Call = {
        ...base,
        stream: (s, headers) => {
          status = s;
          res.writeHead(s, headers);
          res.flushHeaders();
          return res;
        },
        hijack: (multiplexed) => {
          status = 200;
          return this.endOnStop(responseStream(req, res, multiplexed), signal);
        },
      };
      const reply = await route.handler(call);
      if (reply) {
        status = reply.status;
        sendJson(res, reply.status, reply.json);
      } else if (!res.headersSent) {
        throw new Error(`the handler of ${req.method} ${base.path} gave no answer`);
      }
    } catch (e) {
      status = statusOf(e);
      if (status >= 500) this.hooks.log(`${req.method} ${req.url}: ${(e as Error)?.stack ?? String(e)}`);
      if (!res.headersSent) sendJson(res, status, errorBody(e));
      else res.destroy();
    } finally {
      done();
      this.hooks.onRequest?.(req.method ?? '', req.url ?? '', status, performance.now() - began);
    }
  }

  /**
   * An upgrade request (`Connection: Upgrade`, `Upgrade: tcp`): Node hands us the socket. Its body
   * is read first (exec start sends one); what follows is the client's stdin.
   */
  private async onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): Promise<void> {
    const began = performance.now();
    socket.pause();
    socket.on('error', () => socket.destroy());
    const gone = new AbortController();
    socket.once('close', () => gone.abort());
    const { signal, done } = this.callSignal(gone.signal);
    let upgraded = false;
    let status = 0;
    try {
      const body = await readUpgradeBody(socket, head, req.headers);
      const { call: base, route } = this.baseCall(req, { gone: gone.signal, signal }, async () => body);
      if (!route.hijack) throw new HttpError(400, `${base.path} does not upgrade the connection (only attach and exec start do)`);
      const call: Call = {
        ...base,
        stream: () => {
          throw new HttpError(400, `${base.path} cannot answer on an upgraded connection`);
        },
        hijack: (multiplexed) => {
          upgraded = true;
          status = 101;
          return this.endOnStop(upgradeSocket(socket, this.headers, multiplexed), signal);
        },
      };
      const reply = await route.handler(call);
      if (reply && !upgraded) {
        status = reply.status;
        sendRaw(socket, this.headers, reply.status, reply.json);
      }
    } catch (e) {
      status = statusOf(e);
      if (status >= 500) this.hooks.log(`${req.method} ${req.url}: ${(e as Error)?.stack ?? String(e)}`);
      if (!upgraded) sendRaw(socket, this.headers, status, errorBody(e));
      else socket.destroy();
    } finally {
      done();
      this.hooks.onRequest?.(req.method ?? '', req.url ?? '', status, performance.now() - began);
    }
  }

  /**
   * A call's signal: aborted when the client goes away or the daemon stops. (Kept by hand rather
   * than with AbortSignal.any, whose dependants pile up on a long-lived signal in Node 20.)
   */
  private callSignal(gone: AbortSignal): { signal: AbortSignal; done(): void } {
    const c = new AbortController();
    const abort = () => c.abort();
    if (this.stopping.signal.aborted || gone.aborted) c.abort();
    this.active.add(abort);
    gone.addEventListener('abort', abort, { once: true });
    return { signal: c.signal, done: () => this.active.delete(abort) };
  }

  /** A hijacked session ends when the daemon stops (the process keeps running, as with live-restore). */
  private endOnStop(s: ProcessStream, signal: AbortSignal): ProcessStream {
    if (signal.aborted) s.end();
    else signal.addEventListener('abort', () => s.end(), { once: true });
    return s;
  }

  /**
   * Graceful stop: no new connections; streams that would never end by themselves (events, logs
   * -f, attach, wait) are ended; requests still working (a pull, a create) may finish within `graceMs`.
   */
  async close(graceMs = 10_000): Promise<void> {
    const closed = this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const s of this.servers) s.closeIdleConnections();
    this.stopping.abort();
    for (const abort of this.active) abort();
    const grace = new AbortController();
    await Promise.race([Promise.allSettled([...this.inflight]), sleep(graceMs, undefined, { signal: grace.signal }).catch(() => {})]);
    grace.abort(); // no timer may keep the process alive once everything has finished
    for (const s of this.sockets) s.destroy();
    await Promise.all(closed);
  }
}
