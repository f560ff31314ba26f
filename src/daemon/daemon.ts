// `skiff daemon`: the engine and the Engine API in one long-lived process, as dockerd is. Start-up:
// take the pidfile, open the engine with a warm container init ready, find the containers a
// previous daemon left (running ones are watched again), then listen. Stop: no new requests,
// endless streams ended, the engine let go — the containers keep running (Docker's live-restore),
// and the next daemon finds them.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_DATA_ROOT, Engine, type Runtime, type RuntimeOptions } from '../engine/engine.ts';
import { describeError } from '../engine/errors.ts';
import { announceOfflineRegistry } from '../engine/image/offline.ts';
import { seedRegistry } from '../registry/seed.ts';
import { startRegistry } from '../registry/server.ts';
import { RegistryStorage } from '../registry/storage.ts';
import type { DaemonContext } from './context.ts';
import { DockerEventMapper, EventLog } from './docker-events.ts';
import { Lifecycle } from './lifecycle.ts';
import { checkListen, DEFAULT_SOCKET, listen, type Listener, parseListenAddress, type TlsFiles } from './listen.ts';
import { acquirePidfile } from './pidfile.ts';
import { Router } from './router.ts';
import { buildRoutes } from './routes/build.ts';
import { containerRoutes } from './routes/containers.ts';
import { execRoutes } from './routes/exec.ts';
import { imageRoutes } from './routes/images.ts';
import { networkRoutes } from './routes/networks.ts';
import { systemRoutes } from './routes/system.ts';
import { volumeRoutes } from './routes/volumes.ts';
import { ApiServer } from './server.ts';
import { skiffVersion } from './version.ts';
import { API_VERSION } from './wire.ts';

export interface DaemonOptions {
  dataRoot?: string;
  /** Where to listen (-H), unix:// or tcp://; the default socket when empty. */
  hosts?: string[];
  /** The unix socket's group (default: docker when it exists, else root). */
  group?: string;
  tls?: TlsFiles;
  insecureTcp?: boolean;
  pidfile?: string;
  insecureRegistries?: string[];
  /** Mirrors tried before Docker Hub for docker.io images (dockerd's --registry-mirror), e.g. a classroom cache. */
  registryMirrors?: string[];
  /** Serve Skiff's offline registry on loopback (busybox, built from this host) and pull Docker Hub
   *  images from it when Docker Hub cannot be reached; default on. */
  offlineRegistry?: boolean;
  /** Runtime settings; the daemon keeps one warm init unless told otherwise. */
  runtime?: RuntimeOptions;
  /** The daemon's log (stderr by default). */
  log?: (line: string) => void;
  /** Told of every request answered (debug logs, the request diagram). */
  onRequest?(method: string, path: string, status: number, ms: number): void;
}

export interface RunningDaemon {
  engine: Engine;
  /** Where it listens, as clients name it (unix:///…, tcp://…). */
  urls: string[];
  close(): Promise<void>;
}

/** The pidfile: beside the default socket for the default data root, else in the data root. */
export function defaultPidfile(dataRoot: string): string {
  return path.resolve(dataRoot) === DEFAULT_DATA_ROOT ? path.join(path.dirname(DEFAULT_SOCKET), 'skiff.pid') : path.join(dataRoot, 'skiffd.pid');
}

/** A stable ID for this engine (Docker's /info ID), made once per data root. */
function engineId(dataRoot: string): string {
  const file = path.join(dataRoot, 'engine-id');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    const id = randomUUID();
    fs.writeFileSync(file, id + '\n', { mode: 0o644 });
    return id;
  }
}

export async function startDaemon(opts: DaemonOptions = {}): Promise<RunningDaemon> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dataRoot = opts.dataRoot ?? DEFAULT_DATA_ROOT;
  const hosts = opts.hosts?.length ? opts.hosts : [`unix://${DEFAULT_SOCKET}`];
  // A bad -H, group or TLS setting fails before anything starts.
  const addresses = hosts.map((h) => parseListenAddress(h, opts.tls !== undefined));
  for (const a of addresses) checkListen(a, opts);
  const releasePid = acquirePidfile(opts.pidfile ?? defaultPidfile(dataRoot));
  const cleanups: (() => void | Promise<void>)[] = [releasePid];
  const undo = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  };
  try {
    const engine = await Engine.open(dataRoot, { poolSize: 1, ...opts.runtime });
    cleanups.push(() => engine.close());
    const version = skiffVersion();

    // Docker's /events from the engine's events, kept for --since.
    const events = new EventLog();
    const mapper = new DockerEventMapper((id) => {
      try {
        const rec = JSON.parse(fs.readFileSync(path.join(engine.containerStore.dir(id), 'config.json'), 'utf8')) as { name: string; config: { Image: string; Labels?: Record<string, string> } };
        return { name: rec.name, image: rec.config.Image, ...(rec.config.Labels ? { labels: rec.config.Labels } : {}) };
      } catch {
        return undefined;
      }
    });
    cleanups.push(engine.events.on((e) => mapper.map(e).forEach((d) => events.publish(d))));

    // The runtime comes up now (a warm init, the cgroup parent), not at the first `run`.
    const runtime: Promise<Runtime & { lifecycle: Lifecycle }> = engine.runtime().then(async (rt) => {
      const lifecycle = new Lifecycle(engine, rt.containers);
      const found = await lifecycle.recover();
      if (found.running + found.stopped > 0) log(`found ${found.running} running and ${found.stopped} stopped container(s) in ${dataRoot}`);
      return { ...rt, lifecycle };
    });
    runtime.catch((e: unknown) => log(`containers cannot run here: ${describeError(e)}`));
    await runtime.catch(() => undefined);

    // Offline first (DESIGN.md): a registry of our own on loopback, seeded with the busybox this host
    // can build, is where Docker Hub images come from when Docker Hub is out of reach.
    if (opts.offlineRegistry !== false) {
      try {
        const root = path.join(dataRoot, 'registry');
        const storage = await RegistryStorage.open(root);
        if (!(await storage.manifest('library/busybox', 'latest'))) await seedRegistry(root);
        const offline = await startRegistry({ root, addr: '127.0.0.1:0' });
        cleanups.push(() => offline.close());
        cleanups.push(await announceOfflineRegistry(dataRoot, offline.url));
        log(`offline registry on ${offline.url}: Docker Hub images come from it when Docker Hub cannot be reached (it has busybox)`);
      } catch (e) {
        log(`no offline registry: ${describeError(e)}`);
      }
    }

    const ctx: DaemonContext = {
      engine, runtime: () => runtime, events, version, log,
      announce: (id, action) => events.publish(mapper.containerAction(id, action)),
      engineId: engineId(dataRoot),
      insecureRegistries: opts.insecureRegistries ?? [],
      registryMirrors: opts.registryMirrors ?? [],
    };
    const router = new Router().add([...systemRoutes(ctx), ...imageRoutes(ctx), ...containerRoutes(ctx), ...execRoutes(ctx), ...volumeRoutes(ctx), ...networkRoutes(ctx), ...buildRoutes(ctx)]);
    // Every answered request is an event too (the REPL's client/server diagram), but the trace's own.
    const onRequest = (method: string, p: string, status: number, ms: number) => {
      opts.onRequest?.(method, p, status, ms);
      if (!/^(\/v[\d.]+)?\/skiff\/v1\/trace/.test(p)) engine.events.emit({ type: 'api.request', method, path: p, status, ms: Math.round(ms) });
    };
    const api = new ApiServer(router, { version, log, onRequest });
    const listeners: Listener[] = [];
    cleanups.push(async () => {
      await api.close();
      for (const l of listeners) l.cleanup();
    });
    for (const a of addresses) {
      listeners.push(await listen(a, { ...(opts.group !== undefined ? { group: opts.group } : {}), ...(opts.tls ? { tls: opts.tls } : {}), insecureTcp: opts.insecureTcp === true, warn: log }, (s) => api.serve(s)));
    }
    const urls = listeners.map((l) => l.url);
    log(`Skiff daemon ${version} (pid ${process.pid}), data root ${dataRoot}; Engine API v${API_VERSION} on ${urls.join(', ')}`);
    let closing: Promise<void> | undefined;
    return {
      engine,
      urls,
      close() {
        closing ??= (async () => {
          await undo();
          log('daemon stopped; containers keep running (as Docker with live-restore) and the next daemon finds them');
        })();
        return closing;
      },
    };
  } catch (e) {
    await undo();
    throw e;
  }
}
