// The engine: the store, the event bus and the services built on them. The CLI (and the daemon)
// holds one Engine per data root. Images and volumes are ready at once; the container runtime
// (cgroups, the root filesystem driver, the init pool) is set up on first use, so `skiff images`
// stays quick and needs no root.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectCgroups } from '../kernel/cgroup/index.ts';
import type { CgroupManager } from '../kernel/cgroup/types.ts';
import { namespaceInodes } from '../kernel/namespaces.ts';
import { ExecService } from './containers/exec.ts';
import { reconcile } from './containers/reconcile.ts';
import { Runner, type RunnerDeps } from './containers/runner.ts';
import { ContainerService } from './containers/service.ts';
import { ContainerStore } from './containers/store.ts';
import { SkiffError, isSkiffError } from './errors.ts';
import { EventBus } from './events.ts';
import { ImageService } from './image/service.ts';
import { type NetworkOptions, NetworkService } from './network/service.ts';
import { offlineRegistries } from './image/offline.ts';
import { type PullOptions, type PullResult, Puller } from './image/pull.ts';
import { InitPool } from './runtime/pool.ts';
import type { InitCommand } from './runtime/shim.ts';
import { openSnapshotter, overlaySupported } from './snapshot/snapshotter.ts';
import type { SnapshotDriver } from './snapshot/types.ts';
import { Store } from './store/store.ts';
import { VolumeService } from './volumes/service.ts';

export const DEFAULT_DATA_ROOT = '/var/lib/skiff';

export interface RuntimeOptions {
  /** The built container init (dist/init.js); found beside the bundle when not given. */
  initScript?: string;
  /** Warm init processes kept ready: 0 for a one-shot command, 1 or more for the daemon. */
  poolSize?: number;
  /** overlay (default where the kernel has it) or vfs (copies; for comparison, or hosts without overlay). */
  driver?: SnapshotDriver;
  /** The directory below the engine's own cgroup that holds container cgroups. */
  cgroupParent?: string;
  /** How old leftovers of a crash must be before an engine that starts removes them (tests: 0). */
  reconcileGraceMs?: number;
  /** The default bridge (its name, or "none"; env SKIFF_BRIDGE) and its subnet (SKIFF_BRIDGE_SUBNET). */
  network?: NetworkOptions;
}

export interface Runtime {
  containers: ContainerService;
  exec: ExecService;
  runner: Runner;
  driver: SnapshotDriver;
  cgroups?: CgroupManager;
}

function defaultInitScript(): string | undefined {
  if (process.env.SKIFF_INIT_SCRIPT) return process.env.SKIFF_INIT_SCRIPT;
  // In the bundle this module is dist/skiff.js and the init dist/init.js.
  const here = fileURLToPath(import.meta.url);
  const script = path.join(path.dirname(here), 'init.js');
  return here.endsWith('.js') && fs.existsSync(script) ? script : undefined;
}

export class Engine {
  readonly events = new EventBus();
  readonly images: ImageService;
  readonly volumes: VolumeService;
  readonly containerStore: ContainerStore;
  /** Networks: the API side works without the runtime (listing needs no root). */
  readonly networks: NetworkService;
  private readonly puller: Puller;
  private runtimeReady?: Promise<Runtime>;
  private pool?: InitPool;

  private constructor(
    readonly store: Store,
    private readonly runtimeOptions: RuntimeOptions,
  ) {
    this.containerStore = new ContainerStore(store.root);
    this.containerStore.init();
    this.images = new ImageService(store, this.events);
    this.images.usedBy = (id) => this.containerStore.usersOfImage(id);
    this.volumes = new VolumeService(store.root, this.events, () => this.containerStore.volumeUsers());
    this.puller = new Puller(store, this.events);
    this.networks = new NetworkService(store.root, this.events, this.containerStore, runtimeOptions.network);
  }

  static async open(dataRoot: string = DEFAULT_DATA_ROOT, runtime: RuntimeOptions = {}): Promise<Engine> {
    return new Engine(await Store.open(dataRoot), runtime);
  }

  /** Pull an image; Docker Hub images fall back to the offline registry a daemon on this data
   *  root announced, unless `opts.fallbacks` says otherwise. */
  pull(ref: string, opts: PullOptions = {}): Promise<PullResult> {
    return this.puller.pull(ref, { ...opts, fallbacks: opts.fallbacks ?? offlineRegistries(this.store.root) });
  }

  /** The container runtime, set up on first use. */
  runtime(): Promise<Runtime> {
    this.runtimeReady ??= this.setUpRuntime();
    return this.runtimeReady;
  }

  async containers(): Promise<ContainerService> {
    return (await this.runtime()).containers;
  }

  private async setUpRuntime(): Promise<Runtime> {
    if (process.getuid?.() !== 0) {
      throw new SkiffError('PERMISSION', 'running containers needs root: namespaces, mounts and cgroups are root-only on Linux', 'run Skiff as root, e.g. sudo npx skiff');
    }
    const initScript = this.runtimeOptions.initScript ?? defaultInitScript();
    if (!initScript) throw new SkiffError('RUNTIME', 'the container init (dist/init.js) is not built', 'run: npm run build');
    const init: InitCommand = { node: process.execPath, script: initScript };

    let driver = this.runtimeOptions.driver ?? (process.env.SKIFF_STORAGE_DRIVER as SnapshotDriver | undefined);
    if (!driver) driver = (await overlaySupported()).ok ? 'overlay' : 'vfs';
    else if (driver === 'overlay') {
      const o = await overlaySupported();
      if (!o.ok) throw new SkiffError('UNSUPPORTED', `this kernel cannot mount overlay file systems: ${o.why ?? 'unknown reason'}`, 'use the copying driver: --storage-driver vfs');
    } else if (driver !== 'vfs') throw new SkiffError('USAGE', `unknown storage driver "${driver}"`, 'use overlay or vfs');

    let cgroups: CgroupManager | undefined;
    let cgroupsUnavailable: SkiffError | undefined;
    try {
      cgroups = detectCgroups({ parentName: this.runtimeOptions.cgroupParent ?? 'skiff' });
    } catch (e) {
      if (!isSkiffError(e)) throw e;
      cgroupsUnavailable = e;
    }
    const snapshots = openSnapshotter(this.store.root, driver);
    this.pool = new InitPool(path.join(this.store.root, 'runtime', 'pool'), init, this.runtimeOptions.poolSize ?? 0);
    const hostNs = namespaceInodes('self');
    const runnerDeps: RunnerDeps = { store: this.containerStore, events: this.events, snapshots, pool: this.pool, hostNs, network: this.networks, ...(cgroups ? { cgroups } : {}), ...(cgroupsUnavailable ? { cgroupsUnavailable } : {}) };
    const runner = new Runner(runnerDeps);
    const containers = new ContainerService({ store: this.containerStore, runner, images: this.images, volumes: this.volumes, snapshots, leases: this.store.leases, events: this.events, network: this.networks });
    runnerDeps.onExit = (id) => containers.removeIfAuto(id);
    const exec = new ExecService(this.containerStore, runner, this.events, init, hostNs);
    // A crash may have left settled-but-unrecorded exits, cgroups and writable layers behind.
    await reconcile({ store: this.containerStore, runner, snapshots, leases: this.store.leases, dataRoot: this.store.root, ...(cgroups ? { cgroups } : {}), ...(this.runtimeOptions.reconcileGraceMs !== undefined ? { graceMs: this.runtimeOptions.reconcileGraceMs } : {}) });
    // A crashed engine's firewall rules go; running containers get their bridges, NAT and ports back.
    await this.networks.restore();
    return { containers, exec, runner, driver, ...(cgroups ? { cgroups } : {}) };
  }

  /** Lets go of streams and warm processes; running containers keep running. */
  async close(): Promise<void> {
    if (this.runtimeReady) {
      const rt = await this.runtimeReady.catch(() => undefined);
      rt?.runner.detachAll();
      rt?.exec.detachAll();
      if (rt) await this.networks.close().catch(() => {});
    }
    await this.pool?.close();
  }
}
