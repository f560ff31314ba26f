// Skiff's registry: the distribution API (OCI distribution-spec) over Skiff's own content store.
// One server, three uses (DESIGN.md "Offline first"): a private registry you run yourself; the
// embedded default that lessons pull from when Docker Hub is out of reach (seed.ts); and a
// pull-through cache of Docker Hub or any upstream for a classroom (proxy.ts).
//
//   GET  /v2/                                   ping: 200, or 401 with the challenge
//   GET  /v2/_catalog?n=&last=                  repositories, paged (Link: …; rel="next")
//   GET  /v2/<name>/tags/list?n=&last=          tags, paged
//   …    /v2/<name>/manifests/<ref>             manifests.ts
//   …    /v2/<name>/blobs/…                     blobs.ts (blobs and uploads)
//   GET  /token?service=&scope=                 the token service (token auth only)
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import type { EventBus } from '../engine/events.ts';
import type { Credentials } from '../engine/registry/auth.ts';
import { type AuthMode, Gate } from './auth.ts';
import { deleteBlob, getBlob, startUpload, type Traffic, upload } from './blobs.ts';
import { RegistryError } from './errors.ts';
import { sendError, sendJson } from './http.ts';
import { deleteManifest, getManifest, putManifest } from './manifests.ts';
import { lexical, pageRequest, paginate } from './pagination.ts';
import { PullThroughCache } from './proxy.ts';
import { checkName, RegistryStorage } from './storage.ts';
import type { Access } from './token.ts';
import { Uploads } from './uploads.ts';

export interface RegistryOptions {
  /** Where blobs and repositories are kept. */
  root: string;
  auth?: AuthMode;
  /** Be a pull-through cache of this upstream registry (and refuse pushes, as distribution's proxy does). */
  proxy?: { upstream: string; credentials?: Credentials; dispatcher?: Dispatcher; tagTtlMs?: number };
  /** Upstream exchanges of the cache are `http` events here. */
  events?: EventBus;
  /** An access-log line per request. */
  log?: (line: string) => void;
}

export interface RunningRegistryServer {
  url: string; // http://127.0.0.1:PORT
  host: string; // 127.0.0.1:PORT
  storage: RegistryStorage;
  cache?: PullThroughCache;
  traffic: Traffic;
  close(): Promise<void>;
}

const CATALOG_DEFAULT = 100;
const PAGE_MAX = 1000;

type Route = { re: RegExp; methods: string[]; run: (m: RegExpExecArray) => Promise<void> };

/** The request handler (for tests that want their own server); `close` ends the upload sessions. */
export async function registryHandler(o: RegistryOptions): Promise<{ handle: (req: IncomingMessage, res: ServerResponse) => void; storage: RegistryStorage; cache?: PullThroughCache; traffic: Traffic; close(): Promise<void> }> {
  const storage = await RegistryStorage.open(o.root);
  const uploads = new Uploads(storage.content);
  const gate = new Gate(o.auth ?? { kind: 'none' });
  const cache = o.proxy ? new PullThroughCache(storage, { ...o.proxy, ...(o.events ? { events: o.events } : {}) }) : undefined;
  const traffic: Traffic = { blobBytes: 0, blobGets: 0 };
  const repo = (name: string, ...actions: string[]): Access[] => [{ type: 'repository', name, actions }];
  const noPush = () => {
    if (cache) throw new RegistryError('UNSUPPORTED', 'this registry is a pull-through cache: it takes no pushes or deletes');
  };

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry.invalid');
    const path = url.pathname;
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    const named = (m: RegExpExecArray): string => {
      const name = decodeURIComponent(m[1]!);
      checkName(name);
      return name;
    };
    const routes: Route[] = [
      { re: /^\/token$/, methods: ['GET'], run: async () => {
        const t = await gate.token(req, q);
        sendJson(res, t.status, t.body, t.headers);
      } },
      { re: /^\/v2\/?$/, methods: ['GET', 'HEAD'], run: async () => {
        await gate.check(req, []);
        sendJson(res, 200, {});
      } },
      { re: /^\/v2\/_catalog$/, methods: ['GET'], run: async () => {
        await gate.check(req, [{ type: 'registry', name: 'catalog', actions: ['*'] }]);
        const page = paginate(await storage.repositories(), { n: CATALOG_DEFAULT, ...pageRequest(q, PAGE_MAX) }, '/v2/_catalog');
        sendJson(res, 200, { repositories: page.items }, page.link ? { Link: page.link } : {});
      } },
      { re: /^\/v2\/(.+)\/tags\/list$/, methods: ['GET'], run: async (m) => {
        const name = named(m);
        await gate.check(req, repo(name, 'pull'));
        const tags = await storage.tags(name);
        if (!tags) throw new RegistryError('NAME_UNKNOWN', `repository name not known to registry: ${name}`, { name });
        const page = paginate(lexical(tags), pageRequest(q, PAGE_MAX), `/v2/${name}/tags/list`);
        sendJson(res, 200, { name, tags: page.items }, page.link ? { Link: page.link } : {});
      } },
      { re: /^\/v2\/(.+)\/manifests\/([^/]+)$/, methods: ['GET', 'HEAD', 'PUT', 'DELETE'], run: async (m) => {
        const name = named(m);
        const ref = decodeURIComponent(m[2]!);
        if (method === 'PUT') {
          noPush();
          await gate.check(req, repo(name, 'pull', 'push'));
          return putManifest(req, res, storage, name, ref);
        }
        if (method === 'DELETE') {
          noPush();
          await gate.check(req, repo(name, 'delete'));
          return deleteManifest(res, storage, name, ref);
        }
        await gate.check(req, repo(name, 'pull'));
        return getManifest(req, res, storage, cache, name, ref);
      } },
      { re: /^\/v2\/(.+)\/blobs\/uploads\/?$/, methods: ['POST'], run: async (m) => {
        const name = named(m);
        noPush();
        await gate.check(req, repo(name, 'pull', 'push'));
        const mayMount = (from: string) => gate.check(req, repo(from, 'pull')).then(() => true, () => false);
        return startUpload(req, res, storage, uploads, name, q, async (from) => {
          try {
            checkName(from);
          } catch {
            return false;
          }
          return mayMount(from);
        });
      } },
      { re: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, methods: ['GET', 'PATCH', 'PUT', 'DELETE'], run: async (m) => {
        const name = named(m);
        noPush();
        await gate.check(req, repo(name, 'pull', 'push'));
        return upload(req, res, storage, uploads, name, decodeURIComponent(m[2]!), q);
      } },
      { re: /^\/v2\/(.+)\/blobs\/([^/]+)$/, methods: ['GET', 'HEAD', 'DELETE'], run: async (m) => {
        const name = named(m);
        const ref = decodeURIComponent(m[2]!);
        if (method === 'DELETE') {
          noPush();
          await gate.check(req, repo(name, 'delete'));
          return deleteBlob(res, storage, name, ref);
        }
        await gate.check(req, repo(name, 'pull'));
        return getBlob(req, res, storage, cache, traffic, name, ref);
      } },
    ];
    for (const r of routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      if (!r.methods.includes(method)) throw new RegistryError('UNSUPPORTED', `${method} is not allowed on ${path}`, undefined, { headers: { Allow: r.methods.join(', ') } });
      return r.run(m);
    }
    throw new RegistryError('UNSUPPORTED', `no such endpoint: ${method} ${path}`, undefined, { status: 404 });
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    if (o.log) {
      res.once('close', () => {
        const user = (req.headers.authorization ?? '').split(' ')[0] || '-';
        o.log!(`${req.socket.remoteAddress ?? '-'} ${user} "${req.method} ${req.url}" ${res.statusCode} ${res.getHeader('content-length') ?? '-'} ${Math.round(performance.now() - started)}ms`);
      });
    }
    dispatch(req, res).catch((e: unknown) => sendError(req, res, e));
  };
  return { handle, storage, ...(cache ? { cache } : {}), traffic, close: () => uploads.close() };
}

/** Parses --addr HOST:PORT (default 127.0.0.1:5000; port 0 picks a free one). */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr) ?? /^()()(\d+)$/.exec(addr);
  if (!m) throw new RegistryError('UNKNOWN', `--addr must be HOST:PORT, got ${JSON.stringify(addr)}`);
  return { host: m[1] || m[2] || '127.0.0.1', port: Number(m[3]) };
}

/** Starts the registry listening on `addr` (default 127.0.0.1:5000). */
export async function startRegistry(o: RegistryOptions & { addr?: string }): Promise<RunningRegistryServer> {
  const h = await registryHandler(o);
  const { host, port } = parseAddr(o.addr ?? '127.0.0.1:5000');
  const server = http.createServer({ keepAliveTimeout: 30_000 }, h.handle);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  }).catch(async (e) => {
    await h.close();
    throw e;
  });
  const a = server.address() as AddressInfo;
  const shown = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  return {
    url: `http://${shown}`, host: shown, storage: h.storage, traffic: h.traffic, ...(h.cache ? { cache: h.cache } : {}),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
      await h.close();
    },
  };
}

