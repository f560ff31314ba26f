// What the engine did since a lesson was opened, folded from its events as they come: per
// container (its image, limits written to its cgroup, hostname, links, ports, volumes, networks,
// namespaces, how it ended), the pulls with their handshake steps, execs, signals, builds,
// commits, pushes and the daemon's API requests. The checks (checks.ts) read these.
import type { EngineEvent, HandshakeStep } from '../engine/events.ts';
import { normalRef } from './refs.ts';

export interface ContainerFacts {
  id: string;
  name: string;
  /** The image as the user typed it. */
  image: string;
  tty?: boolean;
  networkMode?: string;
  started: boolean;
  /** Its image was pulled just before it was created (by `run`, which pulls what is missing). */
  pulledFirst: boolean;
  exit?: { code: number; oom: boolean; signal?: string };
  destroyed: boolean;
  memory?: number;
  /** --cpus as written to the cgroup: a quota of CPU time per period (cpusOf). */
  cpuQuota?: number;
  cpuPeriod?: number;
  pids?: number;
  hostname?: string;
  /** What its main process ran. */
  argv?: string[];
  links: { name: string; alias: string }[];
  ports: { hostPort: number; containerPort: number; proto: string }[];
  /** Named volumes, and the host paths of bind mounts. */
  volumes: string[];
  networks: string[];
  ns: Record<string, 'new' | 'host' | 'joined'>;
}

export interface PullFacts {
  id: string;
  /** When it began (Facts.seq): a step counts the pulls begun since it opened. */
  seq: number;
  ref: string;
  done: boolean;
  error?: string;
  /** Layers really downloaded, and layers the store had already. */
  downloaded: number;
  shared: number;
  steps: Set<HandshakeStep>;
  layers: Map<string, string>;
}

export interface Facts {
  containers: Map<string, ContainerFacts>;
  pulls: PullFacts[];
  requests: { method: string; path: string; status: number; seq: number }[];
  execs: { container: string; execId: string; exitCode?: number }[];
  signals: { container: string; action: string }[];
  volumeUses: { volume: string; container: string; at: number; removedAt?: number }[];
  builds: { id: string; finalImage?: string; cached: number; tags: string[] }[];
  commits: { ref?: string; imageId: string }[];
  pushes: { id: string; ref: string; done: boolean; error?: string }[];
  /** Events folded so far: the order of things (a volume used again after a removal). */
  seq: number;
  /** The pulls finished since the last container was created (`run` pulls before it creates). */
  pulledSince: string[];
  /** Facts.seq when the step open now was opened. */
  stepStart: number;
}

export function emptyFacts(): Facts {
  return { containers: new Map(), pulls: [], requests: [], execs: [], signals: [], volumeUses: [], builds: [], commits: [], pushes: [], seq: 0, pulledSince: [], stepStart: 0 };
}

/** The CPUs a container was given (--cpus), from its cgroup's quota and period; none when unlimited. */
export function cpusOf(c: ContainerFacts): number | undefined {
  return c.cpuQuota !== undefined && c.cpuQuota > 0 ? Math.round((c.cpuQuota / (c.cpuPeriod ?? 100000)) * 1000) / 1000 : undefined;
}

/** A container mounted a named volume (told by the volume service, and by the mount itself). */
function useVolume(f: Facts, volume: string, container: string): void {
  const owner = f.containers.get(container);
  if (owner && !owner.volumes.includes(volume)) owner.volumes.push(volume);
  if (!f.volumeUses.some((u) => u.volume === volume && u.container === container && u.removedAt === undefined)) f.volumeUses.push({ volume, container, at: f.seq });
}

/** The most requests kept (the REPL polls some while a diagram is open). */
const MAX_REQUESTS = 2000;

/** Folds one event in, in place (facts are the runner's own, and events come thousands a second). */
export function foldFact(f: Facts, e: EngineEvent): void {
  f.seq++;
  const c = 'id' in e && typeof e.id === 'string' ? f.containers.get(e.id) : undefined;
  switch (e.type) {
    case 'api.request':
      f.requests.push({ method: e.method, path: e.path, status: e.status, seq: f.seq });
      if (f.requests.length > MAX_REQUESTS) f.requests.splice(0, f.requests.length - MAX_REQUESTS);
      break;
    case 'pull.start':
      f.pulls.push({ id: e.pullId, seq: f.seq, ref: e.ref, done: false, downloaded: 0, shared: 0, steps: new Set(), layers: new Map() });
      break;
    case 'http': {
      const p = e.pullId ? f.pulls.find((x) => x.id === e.pullId) : undefined;
      if (p && e.status > 0) p.steps.add(e.step);
      break;
    }
    case 'pull.layer': {
      const p = f.pulls.find((x) => x.id === e.pullId);
      if (!p) break;
      const before = p.layers.get(e.digest);
      if (e.phase === 'exists' && before !== 'exists') p.shared++;
      if ((e.phase === 'downloading' || e.phase === 'complete') && before !== 'downloading' && before !== 'complete') p.downloaded++;
      if (e.phase !== 'waiting') p.layers.set(e.digest, e.phase);
      break;
    }
    case 'pull.done': {
      const p = f.pulls.find((x) => x.id === e.pullId);
      if (p) p.done = true;
      f.pulledSince.push(normalRef(e.ref));
      break;
    }
    case 'pull.error': {
      const p = f.pulls.find((x) => x.id === e.pullId);
      if (p) p.error = e.message;
      break;
    }
    case 'container.create':
      f.containers.set(e.id, {
        id: e.id, name: e.name, image: e.image, ...(e.tty !== undefined ? { tty: e.tty } : {}), ...(e.networkMode ? { networkMode: e.networkMode } : {}),
        started: false, pulledFirst: f.pulledSince.includes(normalRef(e.image)), destroyed: false, links: [], ports: [], volumes: [], networks: [], ns: {},
      });
      f.pulledSince = [];
      break;
    case 'container.start':
      if (c) {
        c.started = true;
        delete c.exit;
      }
      break;
    case 'runtime.process':
      if (e.execId) f.execs.push({ container: e.id, execId: e.execId });
      else if (c) {
        c.started = true;
        c.argv = e.argv;
      }
      break;
    case 'exec.exit': {
      const x = f.execs.find((y) => y.execId === e.execId);
      if (x) x.exitCode = e.exitCode;
      else f.execs.push({ container: e.id, execId: e.execId, exitCode: e.exitCode });
      break;
    }
    case 'container.exit':
      if (c) c.exit = { code: e.exitCode, oom: e.oomKilled, ...(e.signal ? { signal: e.signal } : {}) };
      break;
    case 'container.destroy':
      if (c) c.destroyed = true;
      for (const u of f.volumeUses) if (u.container === e.id && u.removedAt === undefined) u.removedAt = f.seq;
      break;
    case 'container.signal':
      f.signals.push({ container: e.id, action: e.action });
      break;
    case 'runtime.cgroup': {
      if (!c) break;
      const file = e.file.slice(e.file.lastIndexOf('/') + 1);
      const n = Number(e.value);
      if ((file === 'memory.limit_in_bytes' || file === 'memory.max') && Number.isFinite(n) && n > 0 && n < 2 ** 62) c.memory = n;
      if (file === 'pids.max' && Number.isFinite(n)) c.pids = n;
      // --cpus is a quota per period: v1 writes the two files, v2 one "quota period" line.
      if (file === 'cpu.cfs_period_us' && n > 0) c.cpuPeriod = n;
      if (file === 'cpu.cfs_quota_us') c.cpuQuota = n;
      if (file === 'cpu.max') {
        const [q, p] = e.value.split(' ');
        c.cpuQuota = q === 'max' ? -1 : Number(q);
        if (Number(p) > 0) c.cpuPeriod = Number(p);
      }
      break;
    }
    case 'runtime.hostname':
      if (c) c.hostname = e.hostname;
      break;
    case 'runtime.namespace':
      if (c) c.ns[e.ns] = e.mode;
      break;
    case 'runtime.mount': {
      if (c && e.purpose === 'bind' && !c.volumes.includes(e.source)) c.volumes.push(e.source);
      // A named volume's directory in the data root (<root>/volumes/NAME/_data) mounted into it.
      const named = e.purpose === 'volume' ? /\/volumes\/([^/]+)\/_data$/.exec(e.source)?.[1] : undefined;
      if (named) useVolume(f, named, e.id);
      break;
    }
    case 'volume.mount':
      if (e.container) useVolume(f, e.name, e.container);
      break;
    case 'network.connect':
      if (c && !c.networks.includes(e.network)) c.networks.push(e.network);
      break;
    case 'network.link':
      if (c) c.links.push({ name: e.name, alias: e.alias });
      break;
    case 'network.port':
      if (c && e.action === 'start' && !c.ports.some((p) => p.hostPort === e.hostPort && p.proto === e.proto)) {
        c.ports.push({ hostPort: e.hostPort, containerPort: e.containerPort, proto: e.proto });
      }
      break;
    case 'build.step': {
      let b = f.builds.find((x) => x.id === e.buildId);
      if (!b) f.builds.push((b = { id: e.buildId, cached: 0, tags: [] }));
      if (e.cached && e.keyword !== 'FROM') b.cached++;
      if (e.step === e.total && e.imageId) b.finalImage = e.imageId;
      break;
    }
    case 'image.tag':
      for (const b of f.builds) if (b.finalImage === e.imageId && !b.tags.includes(e.ref)) b.tags.push(e.ref);
      break;
    case 'image.commit':
      f.commits.push({ imageId: e.imageId, ...(e.ref ? { ref: e.ref } : {}) });
      break;
    case 'push.start':
      f.pushes.push({ id: e.pushId, ref: e.ref, done: false });
      break;
    case 'push.done': {
      const p = f.pushes.find((x) => x.id === e.pushId);
      if (p) p.done = true;
      break;
    }
    case 'push.error': {
      const p = f.pushes.find((x) => x.id === e.pushId);
      if (p) p.error = e.message;
      break;
    }
    default:
      break;
  }
}
