// The system endpoints: _ping (the CLI's first question: which API version? which builder?),
// version, info (what `docker info` prints, from real numbers), system df, events — and Skiff's
// own trace, every engine event as it happens.
import fs from 'node:fs';
import os from 'node:os';
import type { EngineEvent } from '../../engine/events.ts';
import type { DaemonContext } from '../context.ts';
import { EVENT_FILTERS, eventMatches, parseEventTime } from '../docker-events.ts';
import type { Call, Route } from '../router.ts';
import { API_VERSION, filtersParam, HttpError, MIN_API_VERSION } from '../wire.ts';
import { imageSummaries } from './images.ts';

/** Go's GOARCH for this machine (Docker's /version Arch). */
export function goArch(): string {
  return ({ x64: 'amd64', ia32: '386', arm: 'arm' } as Record<string, string>)[process.arch] ?? process.arch;
}

function operatingSystem(): string {
  try {
    const text = fs.readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

function version(ctx: DaemonContext) {
  const details = { ApiVersion: API_VERSION, Arch: goArch(), BuildTime: '', Experimental: 'false', GitCommit: '', GoVersion: `node ${process.version}`, KernelVersion: os.release(), MinAPIVersion: MIN_API_VERSION, Os: 'linux' };
  return {
    Platform: { Name: 'Skiff' },
    Components: [{ Name: 'Engine', Version: ctx.version, Details: details }],
    Version: ctx.version,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: '',
    GoVersion: `node ${process.version}`,
    Os: 'linux',
    Arch: goArch(),
    KernelVersion: os.release(),
    BuildTime: '',
  };
}

async function info(ctx: DaemonContext) {
  const rt = await ctx.runtime().catch(() => undefined);
  const containers = rt ? await rt.containers.list({ all: true }) : [];
  const count = (s: string) => containers.filter((c) => c.State === s).length;
  const images = await ctx.engine.images.list();
  const controllers = rt?.cgroups?.controllers ?? [];
  const warnings: string[] = [];
  if (!rt) warnings.push('WARNING: the container runtime is not available (Skiff runs containers as root only)');
  else if (!rt.cgroups) warnings.push('WARNING: no usable cgroups: resource limits cannot be set');
  if (!ctx.engine.networks.defaultBridge) warnings.push('WARNING: the default bridge is switched off (--bridge none): containers get only their own loopback interface unless they join a network');
  const driver = rt?.driver ?? 'overlay';
  return {
    ID: ctx.engineId,
    Containers: containers.length,
    ContainersRunning: count('running'),
    ContainersPaused: count('paused'),
    ContainersStopped: containers.length - count('running') - count('paused'),
    Images: images.length,
    Driver: driver === 'overlay' ? 'overlay2' : 'vfs',
    DriverStatus: driver === 'overlay' ? [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true']] : [],
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file'] },
    MemoryLimit: controllers.includes('memory'),
    SwapLimit: controllers.includes('memory'),
    CpuCfsPeriod: controllers.includes('cpu'),
    CpuCfsQuota: controllers.includes('cpu'),
    CPUShares: controllers.includes('cpu'),
    CPUSet: false,
    PidsLimit: controllers.includes('pids'),
    OomKillDisable: false,
    IPv4Forwarding: false,
    BridgeNfIptables: false,
    BridgeNfIp6tables: false,
    Debug: false,
    NFd: fs.readdirSync('/proc/self/fd').length,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: String(rt?.cgroups?.version ?? (fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : 1)),
    NEventsListener: 0,
    KernelVersion: os.release(),
    OperatingSystem: operatingSystem(),
    OSVersion: '',
    OSType: 'linux',
    Architecture: os.machine(),
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: {
      AllowNondistributableArtifactsCIDRs: [],
      AllowNondistributableArtifactsHostnames: [],
      InsecureRegistryCIDRs: ['127.0.0.0/8'],
      IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } },
      Mirrors: [],
    },
    NCPU: os.availableParallelism(),
    MemTotal: os.totalmem(),
    GenericResources: null,
    DockerRootDir: ctx.engine.store.root,
    HttpProxy: process.env.HTTP_PROXY ?? '',
    HttpsProxy: process.env.HTTPS_PROXY ?? '',
    NoProxy: process.env.NO_PROXY ?? '',
    Name: os.hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: ctx.version,
    Runtimes: { skiff: { path: 'skiff-init' } },
    DefaultRuntime: 'skiff',
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: true,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '', Expected: '' },
    RuncCommit: { ID: '', Expected: '' },
    InitCommit: { ID: '', Expected: '' },
    SecurityOptions: ['name=no-new-privileges'],
    Warnings: warnings,
  };
}

async function diskUsage(ctx: DaemonContext) {
  const rt = await ctx.runtime().catch(() => undefined);
  const containers = rt ? await rt.containers.list({ all: true, size: true }) : [];
  const usage = await ctx.engine.images.df();
  // Shared size: bytes of an image's layers that another image uses too (`docker system df -v`).
  const images = (await imageSummaries(ctx, containers)).map((i) => ({ ...i, SharedSize: usage.perImage.find((p) => p.id === i.Id)?.shared ?? -1 }));
  const users = await ctx.engine.containerStore.volumeUsers();
  const volumes = [];
  for (const v of await ctx.engine.volumes.list()) volumes.push(await ctx.engine.volumes.inspect(v.Name, { usage: true }).catch(() => ({ ...v, UsageData: { Size: -1, RefCount: users.get(v.Name)?.length ?? 0 } })));
  return {
    LayersSize: usage.layers.size,
    Images: images,
    Containers: containers.map((c) => ({ ...c, SizeRootFs: (c.SizeRw ?? 0) + (images.find((i) => i.Id === c.ImageID)?.Size ?? 0) })),
    Volumes: volumes,
    BuildCache: [],
  };
}

/** `GET /events`: the kept events since `since`, then new ones until `until` or the client leaves. */
async function events(ctx: DaemonContext, c: Call): Promise<void> {
  const filters = filtersParam(c.query);
  for (const k of Object.keys(filters)) if (!EVENT_FILTERS.includes(k)) throw new HttpError(400, `invalid filter '${k}'`);
  const since = parseEventTime(c.query.get('since'));
  const until = parseEventTime(c.query.get('until'));
  const res = c.stream(200, { 'Content-Type': 'application/json' });
  const send = (e: Parameters<typeof eventMatches>[0]) => {
    if (until !== undefined && e.timeNano > until) return;
    if (eventMatches(e, filters)) res.write(JSON.stringify(e) + '\n');
  };
  const off = ctx.events.follow(send);
  try {
    if (since !== undefined) for (const e of ctx.events.since(since)) send(e);
    const end = new Promise<void>((resolve) => {
      c.signal.addEventListener('abort', () => resolve(), { once: true });
      if (c.signal.aborted) resolve();
      if (until !== undefined) setTimeout(resolve, Math.max(0, until / 1e6 - Date.now())).unref();
    });
    await end;
  } finally {
    off();
    res.end();
  }
}

/**
 * `GET /skiff/v1/trace`: every engine event as one JSON line (NDJSON) — HTTP exchanges of a pull,
 * layer progress, runtime steps, mounts, namespaces, cgroup writes — what the REPL's diagrams draw.
 * `?type=pull.,runtime.` keeps only events whose type starts with one of the prefixes.
 */
async function trace(ctx: DaemonContext, c: Call): Promise<void> {
  const prefixes = (c.query.get('type') ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const res = c.stream(200, { 'Content-Type': 'application/x-ndjson' });
  const off = ctx.engine.events.on((e: EngineEvent) => {
    if (prefixes.length === 0 || prefixes.some((p) => e.type.startsWith(p))) res.write(JSON.stringify(e) + '\n');
  });
  try {
    await new Promise<void>((resolve) => {
      if (c.signal.aborted) resolve();
      c.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    off();
    res.end();
  }
}

export function systemRoutes(ctx: DaemonContext): Route[] {
  return [
    {
      method: 'GET',
      path: '/_ping',
      async handler(c) {
        // Builder-Version 1: the classic builder (POST /build); BuildKit (2) is not spoken here.
        const head = c.method === 'HEAD';
        const res = c.stream(200, {
          'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': head ? '0' : '2',
          'Builder-Version': '1', Swarm: 'inactive', 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache',
        });
        res.end(head ? undefined : 'OK');
      },
    },
    { method: 'GET', path: '/version', handler: async () => ({ status: 200, json: version(ctx) }) },
    { method: 'GET', path: '/info', handler: async () => ({ status: 200, json: await info(ctx) }) },
    { method: 'GET', path: '/system/df', handler: async () => ({ status: 200, json: await diskUsage(ctx) }) },
    { method: 'GET', path: '/events', handler: (c) => events(ctx, c) },
    { method: 'GET', path: '/skiff/v1/trace', handler: (c) => trace(ctx, c) },
  ];
}
