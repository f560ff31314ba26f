// Volumes: directories that live outside every container's filesystem, so removing a container
// leaves its data. Docker's local-driver semantics (create, inspect, ls, rm, prune) and the
// planning of a container's -v/--mount over the volumes directory (store.ts).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describeError, isSkiffError, SkiffError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import { directorySize, isEmptyDir } from './disk.ts';
import { checkFilters, matchesFilters, type VolumeFilters } from './filters.ts';
import { ANONYMOUS_LABEL, anonymousName } from './names.ts';
import { imageVolumeTargets, mountOrder } from './plan.ts';
import { toView, type VolumeView } from './record.ts';
import { checkDuplicates, type MountRequest } from './spec.ts';
import { VolumeStore, volumeNotFound } from './store.ts';

/** Volume name → IDs of the containers that mount it. */
export type VolumeUsers = () => Promise<Map<string, string[]>>;

export interface CreateOptions {
  labels?: Record<string, string>;
  driver?: string;
}

export interface PruneReport {
  VolumesDeleted: string[];
  SpaceReclaimed: number;
}

/** One mount of a container, decided: what the runtime mounts where (it performs nothing itself). */
export interface PlannedMount {
  kind: 'volume' | 'bind' | 'tmpfs';
  /** The host directory (a volume's _data, a bind source), or "tmpfs". */
  source: string;
  destination: string;
  readOnly: boolean;
  volume?: string;
  /** Made for this container alone: `rm -v` and `--rm` remove it with the container. */
  anonymous?: boolean;
  /** Copy the image's files at `destination` into the volume before mounting (it is empty). */
  copyUp: boolean;
  tmpfsSize?: number;
  tmpfsMode?: number;
}

/** What one resolveMounts call made, so a failure can take it back. */
interface Made {
  volumes: string[];
  dirs: { first: string; leaf: string }[];
}

export class VolumeService {
  private readonly store: VolumeStore;

  constructor(
    dataRoot: string,
    events: EventBus,
    private readonly users: VolumeUsers,
  ) {
    this.store = new VolumeStore(path.join(dataRoot, 'volumes'), events);
  }

  /** <dataRoot>/volumes */
  get root(): string {
    return this.store.root;
  }

  /** Where a volume's files are: what a container mounts, and Docker's `Mountpoint`. */
  mountpoint(name: string): string {
    return this.store.mountpoint(name);
  }

  /**
   * `volume create [NAME]`. Without a name, an anonymous volume with a random 64-hex name. A name
   * that already exists is returned as it is, as Docker does (so scripts may create idempotently).
   */
  async create(name?: string, opts: CreateOptions = {}): Promise<VolumeView> {
    if (opts.driver !== undefined && opts.driver !== 'local') {
      throw new SkiffError('USAGE', `plugin "${opts.driver}" not found`, 'Skiff has only the local volume driver: leave out --driver');
    }
    const anonymous = name === undefined;
    const labels = anonymous ? { ...opts.labels, [ANONYMOUS_LABEL]: '' } : { ...opts.labels };
    const { record } = await this.store.ensure(name ?? anonymousName(), labels, anonymous);
    return toView(record, this.mountpoint(record.Name));
  }

  /** `volume inspect`; with `usage`, the bytes it holds and how many containers mount it. */
  async inspect(name: string, opts: { usage?: boolean } = {}): Promise<VolumeView> {
    const record = await this.store.read(name);
    if (!record) throw volumeNotFound(name);
    if (!opts.usage) return toView(record, this.mountpoint(name));
    const refs = (await this.users()).get(name)?.length ?? 0;
    return toView(record, this.mountpoint(name), { Size: await directorySize(this.mountpoint(name)), RefCount: refs });
  }

  /** `volume ls`, sorted by name. */
  async list(opts: { filters?: VolumeFilters } = {}): Promise<VolumeView[]> {
    const filters = opts.filters ?? {};
    checkFilters(filters);
    const users = await this.users();
    const out: VolumeView[] = [];
    for (const name of await this.store.names()) {
      const record = await this.store.read(name);
      if (!record) continue; // removed while we looked
      if (matchesFilters(record, (users.get(name)?.length ?? 0) > 0, filters)) out.push(toView(record, this.mountpoint(name)));
    }
    return out;
  }

  /** `volume rm`: refused while a container mounts it; `force` only forgives a missing volume. */
  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    if (!(await this.store.read(name))) {
      if (opts.force) return;
      throw volumeNotFound(name);
    }
    const ids = (await this.users()).get(name) ?? [];
    if (ids.length > 0) {
      throw new SkiffError('CONFLICT', `remove ${name}: volume is in use - [${ids.join(' ')}]`, `remove the container${ids.length > 1 ? 's' : ''} first (skiff rm ${ids.join(' ')}), then the volume`);
    }
    try {
      await this.store.destroy(name);
    } catch (e) {
      if (!(opts.force && isSkiffError(e, 'VOLUME_NOT_FOUND'))) throw e;
    }
  }

  /**
   * `volume prune`: volumes no container mounts. Since Docker 23 only anonymous ones (those with
   * the com.docker.volume.anonymous label) unless `all` — a named volume holds data on purpose.
   */
  async prune(opts: { all?: boolean } = {}): Promise<PruneReport> {
    const report: PruneReport = { VolumesDeleted: [], SpaceReclaimed: 0 };
    const users = await this.users();
    for (const v of await this.list()) {
      if ((users.get(v.Name)?.length ?? 0) > 0) continue;
      if (!opts.all && !(v.Labels && ANONYMOUS_LABEL in v.Labels)) continue;
      const size = await directorySize(v.Mountpoint);
      try {
        await this.store.destroy(v.Name);
      } catch (e) {
        if (isSkiffError(e, 'VOLUME_NOT_FOUND')) continue; // removed by someone else meanwhile
        throw e;
      }
      report.VolumesDeleted.push(v.Name);
      report.SpaceReclaimed += size;
    }
    return report;
  }

  /**
   * Decides a container's mounts from its -v/--mount requests and its image's VOLUMEs: makes the
   * named volumes it names (on first use), an anonymous volume for each anonymous request and each
   * image VOLUME no request covers, and a missing -v bind source directory. Returns them in mount
   * order. If anything fails, what this call made is removed again.
   */
  async resolveMounts(requests: readonly MountRequest[], imageVolumes: readonly string[]): Promise<PlannedMount[]> {
    checkDuplicates(requests);
    const targets = imageVolumeTargets(imageVolumes);
    await this.store.ready();
    const made: Made = { volumes: [], dirs: [] };
    try {
      const planned: PlannedMount[] = [];
      for (const r of requests) planned.push(await this.plan(r, made));
      const covered = new Set(requests.map((r) => r.destination));
      for (const destination of targets) {
        if (!covered.has(destination)) planned.push(await this.plan({ type: 'volume', destination, readOnly: false, fromFlag: 'volume' }, made));
      }
      return mountOrder(planned);
    } catch (e) {
      await this.undo(made, e);
      throw e;
    }
  }

  private async plan(r: MountRequest, made: Made): Promise<PlannedMount> {
    const base = { destination: r.destination, readOnly: r.readOnly };
    if (r.type === 'tmpfs') {
      return { kind: 'tmpfs', source: 'tmpfs', ...base, copyUp: false, ...(r.tmpfsSize !== undefined ? { tmpfsSize: r.tmpfsSize } : {}), ...(r.tmpfsMode !== undefined ? { tmpfsMode: r.tmpfsMode } : {}) };
    }
    if (r.type === 'bind') return { kind: 'bind', source: await this.bindSource(r, made), ...base, copyUp: false };
    const anonymous = r.source === undefined;
    const { record, created } = await this.store.ensure(r.source ?? anonymousName(), anonymous ? { [ANONYMOUS_LABEL]: '' } : {}, anonymous);
    if (created) made.volumes.push(record.Name);
    const source = this.mountpoint(record.Name);
    // Docker copies the image's files into a volume only while it is empty, and never with nocopy.
    const copyUp = !r.noCopy && (created || (await isEmptyDir(source)));
    return { kind: 'volume', source, ...base, volume: record.Name, anonymous, copyUp };
  }

  /** A bind source must exist for --mount; for -v Docker makes the missing directory. */
  private async bindSource(r: MountRequest, made: Made): Promise<string> {
    const source = r.source!;
    try {
      await fs.stat(source);
      return source;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (r.fromFlag === 'mount') {
      throw new SkiffError('USAGE', `invalid mount config for type "bind": bind source path does not exist: ${source}`, `create it first (mkdir -p ${source}), or use -v, which creates a missing directory`);
    }
    const first = await fs.mkdir(source, { recursive: true, mode: 0o755 });
    if (first) made.dirs.push({ first, leaf: source });
    return source;
  }

  /** Takes back what a failed resolveMounts made; a failure here is told along with the first one. */
  private async undo(made: Made, cause: unknown): Promise<void> {
    const problems: string[] = [];
    for (const name of made.volumes.reverse()) {
      await this.store.destroy(name).catch((e: unknown) => problems.push(`volume ${name}: ${describeError(e)}`));
    }
    for (const { first, leaf } of made.dirs.reverse()) {
      // Only the directories mkdir made, deepest first, and only while still empty (rmdir refuses otherwise).
      for (let d = leaf; d.startsWith(first); d = path.dirname(d)) {
        const gone = await fs.rmdir(d).then(() => true, () => false);
        if (!gone || d === first) break;
      }
    }
    if (problems.length > 0) {
      throw new SkiffError('STORE', `${describeError(cause)}; then cleaning up failed for ${problems.join(', ')}`, "remove what is left with 'skiff volume rm'", { cause });
    }
  }

  /**
   * After a container is removed: with `removeAnonymous` (`rm -v`, `run --rm`) its anonymous
   * volumes go too, unless another container mounts them. Volumes it was given by name always stay
   * (moby daemon/mounts.go removeMountPoints). `containerId` is the container being removed, in
   * case the caller's users() still lists it.
   */
  async release(planned: readonly PlannedMount[], opts: { removeAnonymous: boolean; containerId?: string }): Promise<{ removed: string[]; inUse: string[] }> {
    const result = { removed: [] as string[], inUse: [] as string[] };
    if (!opts.removeAnonymous) return result;
    const users = await this.users();
    for (const p of planned) {
      if (p.kind !== 'volume' || !p.anonymous || !p.volume) continue;
      if ((users.get(p.volume) ?? []).some((id) => id !== opts.containerId)) {
        result.inUse.push(p.volume);
        continue;
      }
      try {
        await this.store.destroy(p.volume);
        result.removed.push(p.volume);
      } catch (e) {
        if (!isSkiffError(e, 'VOLUME_NOT_FOUND')) throw e;
      }
    }
    return result;
  }
}
