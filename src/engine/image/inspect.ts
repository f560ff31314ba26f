// An image in the shape of Docker's `GET /images/{name}/json` (moby api/swagger.yaml ImageInspect),
// from what the store really holds — plus a `Skiff` part with what Docker does not show: the
// manifest, and each layer's digest, DiffID, ChainID and sizes (the layer diagram's data).
import type { ImageRecord } from './service.ts';

export function imageInspectView(img: ImageRecord, dataRoot: string, layerDirs: string[]) {
  const c = img.config;
  return {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: img.repoDigests,
    Parent: '',
    Comment: c.history?.at(-1)?.comment ?? '',
    Created: c.created ?? '',
    Container: '',
    ContainerConfig: {},
    DockerVersion: '',
    Author: c.author ?? '',
    Config: c.config ?? {},
    Architecture: c.architecture,
    ...(c.variant ? { Variant: c.variant } : {}),
    Os: c.os,
    Size: img.size,
    VirtualSize: img.size,
    GraphDriver: {
      Name: 'overlay2',
      // Overlay lists lowerdirs top first; the store keeps them bottom first.
      Data: { LowerDir: layerDirs.slice(0, -1).reverse().join(':'), UpperDir: layerDirs.at(-1) ?? '', DataRoot: dataRoot },
    },
    RootFS: { Type: 'layers', Layers: c.rootfs.diff_ids },
    Metadata: { LastTagTime: img.entries.map((e) => e.annotations['io.skiff.created']).filter(Boolean).sort().at(-1) ?? '' },
    Skiff: {
      ManifestDigest: img.entries[0]?.digest,
      ManifestMediaType: img.entries[0]?.mediaType,
      Layers: img.manifest.layers.map((l, i) => ({ Digest: l.digest, MediaType: l.mediaType, CompressedSize: l.size, DiffID: c.rootfs.diff_ids[i], ChainID: img.chainIds[i], Size: img.layerSizes[i] })),
    },
  };
}

/** One line of `history`: newest first (the image itself, then `<missing>` for the steps below). */
export interface HistoryRow {
  id: string;
  created?: string;
  createdBy: string;
  /** The layer the step made, 0 for a step that made none. */
  size: number;
  comment: string;
  tags: string[] | null;
}

/** The image's history, each entry that made a layer with that layer's size, newest first. */
export function historyRows(img: ImageRecord): HistoryRow[] {
  const entries = img.config.history?.length ? img.config.history : img.chainIds.map(() => ({ created_by: '', empty_layer: false, created: undefined, comment: undefined }));
  let layer = 0;
  const rows = entries.map((h) => ({ h, size: h.empty_layer ? 0 : (img.layerSizes[layer++] ?? 0) })).reverse();
  return rows.map(({ h, size }, i) => ({
    id: i === 0 ? img.id : '<missing>', ...(h.created ? { created: h.created } : {}), createdBy: h.created_by ?? '', size, comment: h.comment ?? '', tags: i === 0 ? img.repoTags : null,
  }));
}
