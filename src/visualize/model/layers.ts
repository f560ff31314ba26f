// The layer stack of an image and of a container made from it: the image's read-only layers
// (plain data from the image store: digest, size, what made it), which other images share them,
// the container's writable layer on top (from the engine's `runtime.rootfs` event) and what the
// container changed in it (`diff`).
import type { EngineEvent } from '../../engine/events.ts';

/** One layer of an image, bottom first as in the config's rootfs.diff_ids. */
export interface ImageLayerInfo {
  /** The layer's blob digest (as the manifest names it), or its diffID. */
  digest: string;
  /** Bytes: what `docker history` shows (unpacked size). */
  size: number;
  createdBy?: string;
  /** The ChainID: the layer *with everything below it*; the name of its directory in the store. */
  chainId?: string;
  diffId?: string;
}

export interface ImageInfo {
  name: string;
  id: string;
  layers: ImageLayerInfo[];
}

/** `diff` results: A added, C changed, D deleted. */
export interface ChangeList {
  A: string[];
  C: string[];
  D: string[];
}

export interface RwLayer {
  container: string;
  driver: 'overlay' | 'vfs';
  lowerdirs: string[]; // top first, as overlayfs takes them
  upperdir?: string;
  workdir?: string;
  dir?: string;
  ms: number;
  /** The overlay mount's options as the init passed them to mount(2). */
  mountData?: string;
  /** Volumes and bind mounts: these paths are not in the writable layer at all. */
  volumes: { target: string; source: string; purpose: 'volume' | 'bind' }[];
}

export interface LayersModel {
  containers: Record<string, RwLayer>;
  /** The container the last event was about. */
  last?: string;
}

export const emptyLayers: LayersModel = { containers: {} };

export function reduceLayers(m: LayersModel, e: EngineEvent): LayersModel {
  switch (e.type) {
    case 'runtime.rootfs': {
      const rw: RwLayer = {
        container: e.id, driver: e.driver, lowerdirs: e.lowerdirs, ms: e.ms, volumes: [],
        ...(e.upperdir ? { upperdir: e.upperdir } : {}), ...(e.workdir ? { workdir: e.workdir } : {}), ...(e.dir ? { dir: e.dir } : {}),
      };
      return { containers: { ...m.containers, [e.id]: rw }, last: e.id };
    }
    case 'runtime.mount': {
      const rw = m.containers[e.id];
      if (!rw) return m;
      if (e.purpose === 'rootfs') return { ...m, containers: { ...m.containers, [e.id]: { ...rw, ...(e.data ? { mountData: e.data } : {}) } } };
      if (e.purpose === 'volume' || e.purpose === 'bind') {
        return { ...m, containers: { ...m.containers, [e.id]: { ...rw, volumes: [...rw.volumes, { target: e.target, source: e.source, purpose: e.purpose }] } } };
      }
      return m;
    }
    default:
      return m;
  }
}

export function foldLayers(events: readonly EngineEvent[]): LayersModel {
  return events.reduce(reduceLayers, emptyLayers);
}

/** `diff` answers, from the engine ({kind, path}) or the Engine API ({Kind: 0|1|2, Path}). */
export function changeList(items: readonly ({ kind: 'A' | 'C' | 'D'; path: string } | { Kind: number; Path: string })[]): ChangeList {
  const out: ChangeList = { A: [], C: [], D: [] };
  // The API's numbers (moby archive.ChangeType): 0 modified, 1 added, 2 deleted.
  const API = ['C', 'A', 'D'] as const;
  for (const it of items) {
    const kind = 'kind' in it ? it.kind : API[it.Kind];
    const p = 'path' in it ? it.path : it.Path;
    if (kind) out[kind].push(p);
  }
  return out;
}

/** How many other images share each layer (bottom first). A layer is the same layer only with
 *  the same layers below it (its ChainID), so the comparison is of whole prefixes. */
export function sharedWith(image: ImageInfo, others: readonly ImageInfo[]): number[] {
  const key = (l: ImageLayerInfo) => l.chainId ?? l.diffId ?? l.digest;
  return image.layers.map((_, i) => others.filter((o) => o.id !== image.id && o.layers.length > i && image.layers.slice(0, i + 1).every((l, k) => key(l) === key(o.layers[k]!))).length);
}

export interface StackRow {
  /** 1 for the bottom layer. */
  n: number;
  layer: ImageLayerInfo;
  sharedWith: number;
  /** The overlay lowerdir that holds this layer in the container, when one is known. */
  lowerdir?: string;
}

/** The image's layers top first (as a stack is drawn), each with its sharing and lowerdir. */
export function layerStack(image: ImageInfo, others: readonly ImageInfo[] = [], rw?: RwLayer): StackRow[] {
  const shared = sharedWith(image, others);
  const rows = image.layers.map((layer, i): StackRow => {
    const hex = (layer.chainId ?? '').replace(/^sha256:/, '');
    // The store names a layer's directory by its ChainID; otherwise match by position (lowerdirs
    // are top first, layers bottom first).
    const byChain = hex ? rw?.lowerdirs.find((d) => d.includes(hex)) : undefined;
    const byPos = rw && rw.lowerdirs.length === image.layers.length ? rw.lowerdirs[image.layers.length - 1 - i] : undefined;
    const lowerdir = byChain ?? byPos;
    return { n: i + 1, layer, sharedWith: shared[i] ?? 0, ...(lowerdir ? { lowerdir } : {}) };
  });
  return rows.reverse();
}
