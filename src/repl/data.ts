// What the diagrams need besides events, fetched the way any client would: the images' layers
// from the image store, a container's `diff` and its cgroup usage (`stats`) from the Engine API.
import type { EngineApi } from '../client/api.ts';
import { HttpEngineApi } from '../client/http.ts';
import type { Engine } from '../engine/engine.ts';
import { changeList, sampleFromStats, type ChangeList, type CgroupsModel, type ImageInfo, type UsageSample } from '../visualize/index.ts';
import { limitsOf } from '../visualize/model/cgroups.ts';

/** Every image as the layers diagram draws it: each layer's digest, size and the step that made it. */
export async function fetchImages(engine: () => Promise<Engine>): Promise<ImageInfo[]> {
  const list = await (await engine()).images.list();
  return list.map((img) => {
    const history = (img.config.history ?? []).filter((h) => !h.empty_layer);
    return {
      name: img.repoTags[0] ?? img.id,
      id: img.id,
      layers: img.manifest.layers.map((l, k) => ({
        digest: l.digest, size: img.layerSizes[k] ?? 0, createdBy: history[k]?.created_by ?? '',
        ...(img.chainIds[k] ? { chainId: img.chainIds[k] } : {}), ...(img.config.rootfs.diff_ids[k] ? { diffId: img.config.rootfs.diff_ids[k] } : {}),
      })),
    };
  });
}

/** Every image's names, asked of the daemon as `images` asks it (of the engine in this process without one). */
export async function imageNames(api: EngineApi, engine: () => Promise<Engine>): Promise<string[]> {
  const tags = api instanceof HttpEngineApi ? (await api.imageList()).flatMap((i) => i.RepoTags ?? []) : (await (await engine()).images.list()).flatMap((i) => i.repoTags);
  return tags.filter((t) => t !== '<none>:<none>');
}

/** Every volume's name, asked as `volume ls` asks. */
export async function volumeNames(api: EngineApi, engine: () => Promise<Engine>): Promise<string[]> {
  return (api instanceof HttpEngineApi ? await api.volumeList() : await (await engine()).volumes.list()).map((v) => v.Name);
}

export async function fetchChanges(api: EngineApi, id: string): Promise<ChangeList> {
  return changeList(await api.containerChanges(id));
}

/** How often the cgroups gauges read a running container's usage. */
export const STATS_INTERVAL_MS = 500;
const MAX_SAMPLES = 120;

/** Reads `stats` of one running container about twice a second, while the cgroups diagram shows. */
export class StatsPoller {
  private id: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private samples: UsageSample[] = [];
  private busy = false;

  constructor(
    private readonly api: () => EngineApi | undefined,
    private readonly onSamples: (samples: UsageSample[]) => void,
    private readonly cgroups: () => CgroupsModel | undefined = () => undefined,
  ) {}

  /** Polls `id` (a new container starts a new series); undefined, or one that exited, stops. */
  watch(id: string | undefined, exited: ReadonlySet<string>): void {
    const live = id !== undefined && !exited.has(id);
    if (id !== this.id) {
      this.id = id;
      this.samples = [];
      this.onSamples([]);
    }
    if (!live) {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), STATS_INTERVAL_MS);
      void this.poll();
    }
  }

  private async poll(): Promise<void> {
    const api = this.api();
    const id = this.id;
    if (!api || !id || this.busy) return;
    this.busy = true;
    try {
      const s = await api.containerStats(id);
      if (id !== this.id) return;
      const c = this.cgroups()?.containers[id];
      const cpus = c ? limitsOf(c).cpus : undefined;
      // The CPU limit as the gauges want it: quota over period (the period Docker uses, 100 ms).
      this.samples = [...this.samples, sampleFromStats(s, cpus ? { quota: cpus * 100_000, period: 100_000 } : {})].slice(-MAX_SAMPLES);
      this.onSamples(this.samples);
    } catch {
      // gone (removed, exited between two reads): the exit event stops the polling
    } finally {
      this.busy = false;
    }
  }
}
