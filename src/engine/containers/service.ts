// Containers, Docker's way: create (an ID, a name, a writable layer over the image, volumes, the
// files a container needs), start, attach, wait, stop, kill, restart, rm, ps, inspect, logs — in the
// Engine API's shapes. The live side (processes, streams, exits) is runner.ts; exec is exec.ts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { CgroupUsage } from '../../kernel/cgroup/types.ts';
import { effectiveCaps } from '../../kernel/capabilities.ts';
import { SkiffError } from '../errors.ts';
import type { EngineEvent, EventBus } from '../events.ts';
import type { ImageService } from '../image/service.ts';
import type { NetworkService } from '../network/service.ts';
import { summaryPorts } from '../network/ports.ts';
import { FALLBACK_NAMESERVERS, HOSTS_HEADER, DEFAULT_STOP_TIMEOUT } from '../runtime/defaults.ts';
import type { ContainerNetwork } from '../network/types.ts';
import type { Snapshotter, Change } from '../snapshot/types.ts';
import type { Leases } from '../store/leases.ts';
import type { VolumeService } from '../volumes/service.ts';
import { type MountRequest, parseMountFlags } from '../volumes/spec.ts';
import type { Attachment } from './attach.ts';
import { exportBundle, type OciSpec } from './bundle.ts';
import { freshState, limitsOf, mergeConfig, statusText } from './config.ts';
import { type LogEntry, type LogQuery, readLogs } from './logs.ts';
import { checkContainerName, generateName, newContainerId } from './names.ts';
import { type ExitInfo, normalizeSignal, type Runner } from './runner.ts';
import type { ContainerRecord, ContainerStore, StateFile } from './store.ts';
import type { ContainerInspect, ContainerSummary, CreateRequest, HostConfig, MountPoint } from './types.ts';

export interface ContainerServiceDeps {
  store: ContainerStore;
  runner: Runner;
  images: ImageService;
  volumes: VolumeService;
  snapshots: Snapshotter;
  leases: Leases;
  events: EventBus;
  network: NetworkService;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/** /etc/resolv.conf for a container: the host's, without nameservers that only work on the host. */
export function containerResolvConf(host: string): string {
  const lines = host.split('\n').filter((l) => l.trim() !== '' && !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
  if (!lines.some((l) => /^\s*nameserver\s/.test(l))) lines.push(...FALLBACK_NAMESERVERS.map((n) => `nameserver ${n}`));
  return lines.join('\n').trim() + '\n';
}

function mountRequests(h: HostConfig): MountRequest[] {
  const fromMounts: MountRequest[] = (h.Mounts ?? []).map((m) => ({
    type: m.Type, destination: m.Target, readOnly: m.ReadOnly === true, fromFlag: 'mount' as const,
    ...(m.Source ? { source: m.Source } : {}), ...(m.VolumeOptions?.NoCopy ? { noCopy: true } : {}),
  }));
  return [...parseMountFlags({ volumes: h.Binds ?? [] }), ...fromMounts];
}

export class ContainerService {
  private readonly removedWaiters = new Map<string, Set<() => void>>();

  constructor(private readonly d: ContainerServiceDeps) {}

  /** Resolves an ID, ID prefix or name to the full ID. */
  resolve(input: string): string {
    return this.d.store.resolve(input);
  }

  private async load(input: string): Promise<{ id: string; rec: ContainerRecord; sf: StateFile }> {
    const id = this.resolve(input);
    const rec = await this.d.store.record(id);
    const raw = await this.d.store.state(id);
    if (!rec || !raw) throw new SkiffError('CONTAINER_NOT_FOUND', `No such container: ${input}`, 'see the containers with: ps -a');
    const sf = await this.d.runner.refresh(id, raw);
    // Whoever looks at a running container whose starter is gone collects its output meanwhile,
    // so nothing it prints is lost when it ends (a one-shot `run -d`, then `stop`).
    this.d.runner.adopt(id, sf);
    return { id, rec, sf };
  }

  async create(req: CreateRequest, opts: { name?: string } = {}): Promise<{ Id: string; Warnings: string[] }> {
    const t0 = performance.now();
    if (!req.Image) throw new SkiffError('USAGE', 'No image specified', 'give an image name, e.g. create busybox');
    const { image } = await this.d.images.resolve(req.Image);
    const id = newContainerId();
    const hostConfig: HostConfig = { NetworkMode: 'default', ...(req.HostConfig ?? {}) };
    const merged = mergeConfig(req, image.config.config, { hostname: id.slice(0, 12), imageName: req.Image });
    const limits = limitsOf(hostConfig);
    effectiveCaps(hostConfig.CapAdd ?? [], hostConfig.CapDrop ?? []); // unknown capability names fail now, not at start
    const warnings: string[] = [];
    this.d.network.endpoints.resolveMode(hostConfig); // an unknown network fails now, before anything is made

    let name = opts.name ? checkContainerName(opts.name) : generateName();
    for (let retry = 1; ; retry++) {
      try {
        this.d.store.reserveName(name, id);
        break;
      } catch (e) {
        if (opts.name || retry > 10) throw e;
        name = generateName(retry);
      }
    }
    let mounts: Awaited<ReturnType<VolumeService['resolveMounts']>> = [];
    let lease: { release(): Promise<void> } | undefined;
    let net: ContainerNetwork | undefined;
    let netEvents: EngineEvent[] = [];
    try {
      // The image's layers must outlive `rmi` while this container exists (Docker keeps a used image).
      lease = await this.d.leases.take({ blobs: [image.id, image.entries[0]!.digest, ...image.manifest.layers.map((l) => l.digest)], chains: image.chainIds }, `container-${id}`);
      mounts = await this.d.volumes.resolveMounts(mountRequests(hostConfig), Object.keys(merged.config.Volumes ?? {}));
      // The network: an address from the pool (and the links checked) — Docker's "IP from a pool".
      const attached = this.d.network.endpoints.attachAtCreate(id, name, merged.config.Hostname ?? id.slice(0, 12), hostConfig, req.NetworkingConfig ?? undefined);
      net = attached.net;
      netEvents = attached.events;
      if (attached.links.length) hostConfig.Links = attached.links;
      const snap = await this.d.snapshots.prepare(id, image.chainIds);
      const rec: ContainerRecord = {
        id, name, created: new Date().toISOString(), imageId: image.id, config: merged.config, hostConfig,
        path: merged.path, args: merged.args, driver: snap.driver, mounts, limits,
      };
      const hosts = net.mode === 'networks' ? attached.hosts : [...HOSTS_HEADER, ''].join('\n');
      let hostResolv = '';
      try {
        hostResolv = fs.readFileSync('/etc/resolv.conf', 'utf8');
      } catch {
        // no resolv.conf on the host: the fallback servers
      }
      await this.d.store.create(rec, { state: freshState(), restartCount: 0 }, {
        hostname: `${merged.config.Hostname}\n`, hosts, 'resolv.conf': containerResolvConf(hostResolv), 'network.json': JSON.stringify(net),
      });
    } catch (e) {
      if (net) this.d.network.endpoints.releaseUnborn(id, net);
      await this.d.snapshots.remove(id).catch(() => {});
      await this.d.volumes.release(mounts, { removeAnonymous: true, containerId: id }).catch(() => {});
      await lease?.release().catch(() => {});
      this.d.store.releaseName(name, id);
      throw e;
    }
    this.d.events.emit({ type: 'container.create', id, name, image: req.Image, imageId: image.id, tty: merged.config.Tty === true, ...(hostConfig.NetworkMode ? { networkMode: hostConfig.NetworkMode } : {}) });
    this.d.network.emit(netEvents);
    // Everyone on its user-defined networks can now find it by name.
    this.d.network.endpoints.refreshPeers(id, Object.values(net?.endpoints ?? {}).map((e) => e.NetworkID));
    this.d.events.emit({ type: 'runtime.step', id, step: 'create', ms: performance.now() - t0 });
    return { Id: id, Warnings: warnings };
  }

  /** Starts it; false when it was running already (the API's 304). */
  async start(input: string, opts: { size?: { rows: number; cols: number } } = {}): Promise<boolean> {
    const { id, rec, sf } = await this.load(input);
    if (sf.state.Status === 'running') return false;
    await this.d.runner.start(rec, sf, opts);
    return true;
  }

  async wait(input: string, condition: WaitCondition = 'not-running', signal?: AbortSignal): Promise<ExitInfo> {
    const id = this.resolve(input);
    if (condition === 'removed') {
      const removed = new Promise<void>((resolve) => {
        const set = this.removedWaiters.get(id) ?? new Set();
        set.add(resolve);
        this.removedWaiters.set(id, set);
      });
      // Not started yet (how `run --rm` asks, before start): its coming exit, then its removal.
      const { sf } = await this.load(id);
      const exit = await this.d.runner.waitExit(id, { next: sf.state.Status === 'created', ...(signal ? { signal } : {}) });
      const poll = (async () => {
        while (fs.existsSync(this.d.store.dir(id)) && !signal?.aborted) await new Promise((r) => setTimeout(r, 100));
      })();
      await Promise.race([removed, poll]);
      return exit;
    }
    await this.load(id);
    return this.d.runner.waitExit(id, { next: condition === 'next-exit', ...(signal ? { signal } : {}) });
  }

  async stop(input: string, timeout?: number): Promise<boolean> {
    const { id, rec, sf } = await this.load(input);
    if (sf.state.Status !== 'running') return false;
    const t = timeout ?? rec.config.StopTimeout ?? DEFAULT_STOP_TIMEOUT;
    await this.d.runner.stop(id, sf, normalizeSignal(rec.config.StopSignal, 'SIGTERM'), t);
    return true;
  }

  async kill(input: string, signal?: string): Promise<void> {
    const { id, sf } = await this.load(input);
    const sig = normalizeSignal(signal, 'SIGKILL');
    this.d.events.emit({ type: 'container.signal', id, signal: sig, action: 'kill' });
    this.d.runner.signal(sf, id, sig);
  }

  async restart(input: string, timeout?: number): Promise<void> {
    const id = this.resolve(input);
    await this.stop(id, timeout);
    const { rec, sf } = await this.load(id);
    this.d.events.emit({ type: 'container.signal', id, signal: 'start', action: 'restart' });
    sf.restartCount += 1;
    await this.d.runner.start(rec, sf);
  }

  async remove(input: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const { id, rec, sf } = await this.load(input);
    if (sf.state.Status === 'running') {
      if (!opts.force) {
        throw new SkiffError('CONFLICT', `cannot remove container "/${rec.name}": container is running: stop the container before removing or force remove`, `stop it first, or use rm -f ${rec.name}`);
      }
      this.d.runner.signal(sf, id, 'SIGKILL');
      await this.d.runner.waitExit(id);
    }
    await this.d.snapshots.remove(id);
    await this.d.runner.removeCgroup(id);
    this.d.network.endpoints.release(id); // its addresses go back to their pools
    if (!(await this.d.store.remove(id))) return; // another process removed it first
    this.d.store.releaseName(rec.name, id);
    await this.d.leases.release(`container-${id}`);
    await this.d.volumes.release(rec.mounts, { removeAnonymous: opts.volumes === true, containerId: id });
    this.d.events.emit({ type: 'container.destroy', id });
    for (const w of this.removedWaiters.get(id) ?? []) w();
    this.removedWaiters.delete(id);
  }

  /** `--rm` (HostConfig.AutoRemove): once it has exited the engine removes it, anonymous
   *  volumes too, as dockerd does — whoever started it, and even with nobody attached. */
  async removeIfAuto(id: string): Promise<void> {
    const rec = await this.d.store.record(id);
    if (rec?.hostConfig.AutoRemove) await this.autoRemove(id);
  }

  /** Removes an exited container with its anonymous volumes; one already gone is fine. */
  async autoRemove(id: string): Promise<void> {
    await this.remove(id, { force: true, volumes: true }).catch((e) => {
      if (!(e instanceof SkiffError && e.code === 'CONTAINER_NOT_FOUND')) throw e;
    });
  }

  private summary(rec: ContainerRecord, sf: StateFile, now: number): ContainerSummary {
    const net = this.d.network.endpoints.summary(rec.id, rec, sf.state.Status === 'running');
    return {
      Id: rec.id,
      Names: [`/${rec.name}`],
      Image: rec.config.Image,
      ImageID: rec.imageId,
      // moby daemon/list.go: arguments with a space in single quotes.
      Command: [rec.path, ...rec.args.map((a) => (a.includes(' ') ? `'${a}'` : a))].join(' '),
      Created: Math.floor(Date.parse(rec.created) / 1000),
      Ports: summaryPorts(net.ports),
      Labels: rec.config.Labels ?? {},
      State: sf.state.Status,
      Status: statusText(sf.state, now),
      HostConfig: { NetworkMode: rec.hostConfig.NetworkMode ?? 'default' },
      NetworkSettings: { Networks: net.networks },
      Mounts: this.mountPoints(rec),
    };
  }

  private mountPoints(rec: ContainerRecord): MountPoint[] {
    return rec.mounts.map((m) => ({
      Type: m.kind, ...(m.volume ? { Name: m.volume, Driver: 'local' } : {}), Source: m.source, Destination: m.destination,
      Mode: m.readOnly ? 'ro' : '', RW: !m.readOnly, Propagation: m.kind === 'bind' ? 'rprivate' : '',
    }));
  }

  /** `ps`: newest first; without `all`, only running ones. */
  async list(opts: { all?: boolean; filters?: Record<string, string[]>; size?: boolean } = {}): Promise<ContainerSummary[]> {
    const now = Date.now();
    for (const key of Object.keys(opts.filters ?? {})) if (!FILTERS.includes(key)) throw new SkiffError('USAGE', `invalid filter '${key}'`, `filters: ${FILTERS.join(', ')}`);
    const out: { s: ContainerSummary; created: string }[] = [];
    for (const id of this.d.store.ids()) {
      let loaded;
      try {
        loaded = await this.load(id);
      } catch {
        continue; // removed while we looked
      }
      const { rec, sf } = loaded;
      if (!opts.all && sf.state.Status !== 'running' && !opts.filters?.status) continue;
      if (!matches(rec, sf, opts.filters ?? {})) continue;
      const s = this.summary(rec, sf, now);
      if (opts.size) s.SizeRw = (await this.d.snapshots.usage(id).catch(() => ({ size: 0 }))).size;
      out.push({ s, created: rec.created });
    }
    return out.sort((a, b) => b.created.localeCompare(a.created)).map((x) => x.s);
  }

  async inspect(input: string): Promise<ContainerInspect> {
    const { id, rec, sf } = await this.load(input);
    const dir = this.d.store.dir(id);
    const snap = await this.d.snapshots.get(id).catch(() => undefined);
    const graph: Record<string, string> = {};
    if (snap?.upperdir) graph.UpperDir = snap.upperdir;
    if (snap?.workdir) graph.WorkDir = snap.workdir;
    if (snap?.lowerdirs.length) graph.LowerDir = snap.lowerdirs.join(':');
    if (snap?.dir) graph.Dir = snap.dir;
    return {
      Id: id, Created: rec.created, Path: rec.path, Args: rec.args, State: sf.state, Image: rec.imageId,
      ResolvConfPath: path.join(dir, 'resolv.conf'), HostnamePath: path.join(dir, 'hostname'), HostsPath: path.join(dir, 'hosts'),
      LogPath: this.d.store.logPath(id), Name: `/${rec.name}`, RestartCount: sf.restartCount, Driver: rec.driver === 'overlay' ? 'overlay2' : 'vfs',
      Platform: 'linux', MountLabel: '', ProcessLabel: '', AppArmorProfile: '', HostConfig: rec.hostConfig,
      GraphDriver: { Name: rec.driver === 'overlay' ? 'overlay2' : 'vfs', Data: graph },
      Mounts: this.mountPoints(rec), Config: rec.config,
      NetworkSettings: this.d.network.endpoints.settings(id, rec, sf),
    };
  }

  /** The log, as `docker logs` reads it; with follow, until the container stops. */
  async *logs(input: string, q: LogQuery): AsyncGenerator<LogEntry> {
    const { id, sf } = await this.load(input);
    const stopped = sf.state.Status === 'running' ? this.d.runner.waitExit(id).catch(() => undefined) : Promise.resolve(undefined);
    yield* readLogs(this.d.store.logPath(id), { ...q, stopped });
  }

  /** A client's connection to the streams (before start, as `run` does, or while it runs). */
  async attach(input: string, want: { stdin: boolean; stdout: boolean; stderr: boolean }): Promise<Attachment> {
    const { id } = await this.load(input); // a running container whose starter is gone is adopted first
    return this.d.runner.attach(id, want);
  }

  /** `top`: the host's `ps -ef`, kept to the container's processes (what Docker does). */
  async top(input: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    const pids = new Set((await this.pids(input)).map(String));
    const text = execFileSync('ps', ['-ef'], { encoding: 'utf8' });
    const [header = '', ...lines] = text.trimEnd().split('\n');
    const titles = header.trim().split(/\s+/);
    const pidCol = titles.indexOf('PID');
    const rows = lines.map((l) => {
      const f = l.trim().split(/\s+/);
      return [...f.slice(0, titles.length - 1), f.slice(titles.length - 1).join(' ')];
    });
    return { Titles: titles, Processes: rows.filter((r) => pids.has(r[pidCol]!)) };
  }

  async resize(input: string, rows: number, cols: number): Promise<void> {
    const id = this.resolve(input);
    this.d.runner.io(id)?.resize(rows, cols);
  }

  /** `diff`: what the container changed in its writable layer. The mount points the runtime
   *  makes (the files bound over /etc/hosts and the rest) are not the container's changes: Docker
   *  keeps them in a separate "init" layer, so they never show. */
  async changes(input: string): Promise<Change[]> {
    const id = this.resolve(input);
    const all = await this.d.snapshots.changes(id);
    const made = new Set(RUNTIME_MOUNT_POINTS);
    const rest = all.filter((c) => !(c.kind === 'A' && made.has(c.path)));
    // A directory marked changed only because of those mount points is not changed either.
    return rest.filter((c) => c.kind !== 'C' || !all.some((x) => made.has(x.path) && x.path.startsWith(c.path + '/')) || rest.some((x) => x !== c && x.path.startsWith(c.path + '/')));
  }

  /** The container as an OCI runtime bundle in `dest` (rootfs/ and config.json), for runc & co. */
  async exportBundle(input: string, dest: string, opts: { cgroupsPath?: string } = {}): Promise<OciSpec> {
    const { id, rec } = await this.load(input);
    const snap = await this.d.snapshots.get(id);
    if (!snap) throw new SkiffError('RUNTIME', `the root filesystem of container ${id.slice(0, 12)} is missing`, 'remove the container and create it again');
    return exportBundle(rec, snap, this.d.store.dir(id), dest, opts);
  }

  /** The cgroup's live numbers, for `stats` and the gauges. */
  async usage(input: string): Promise<CgroupUsage | undefined> {
    const { id, sf } = await this.load(input);
    if (sf.state.Status !== 'running') return undefined;
    return this.d.runner.cgroupOf(id, sf.run)?.usage();
  }

  /** The host PIDs of the container's processes (its cgroup, or its main process alone). */
  async pids(input: string): Promise<number[]> {
    const { id, sf } = await this.load(input);
    if (sf.state.Status !== 'running' || !sf.run) throw new SkiffError('NOT_RUNNING', `Container ${id.slice(0, 12)} is not running`, 'start it first');
    return this.d.runner.cgroupOf(id, sf.run)?.pids() ?? [sf.run.hostPid];
  }
}

const FILTERS = ['status', 'name', 'id', 'ancestor', 'label', 'exited'];

/** Where the runtime puts mount points into a container's tree (plan.ts). */
const RUNTIME_MOUNT_POINTS = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/dev', '/proc', '/sys', '/dev/console'];

function matches(rec: ContainerRecord, sf: StateFile, filters: Record<string, string[]>): boolean {
  for (const [key, values] of Object.entries(filters)) {
    if (values.length === 0) continue;
    const ok = values.some((v) => {
      switch (key) {
        case 'status':
          return sf.state.Status === v;
        case 'name':
          return rec.name.includes(v.replace(/^\//, ''));
        case 'id':
          return rec.id.startsWith(v);
        case 'ancestor':
          return rec.config.Image === v || rec.imageId.includes(v);
        case 'label': {
          const [k, val] = v.split('=', 2);
          return rec.config.Labels?.[k!] !== undefined && (val === undefined || rec.config.Labels[k!] === val);
        }
        case 'exited':
          return sf.state.Status === 'exited' && String(sf.state.ExitCode) === v;
        default:
          return false;
      }
    });
    if (!ok) return false;
  }
  return true;
}
