// The shapes of image data (OCI image-spec manifest.md, image-index.md, config.md) and the Docker
// schema2 media types that mean the same thing. Registries serve both; Skiff reads both.
import type { Digest } from './digest.ts';

export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

/** What Skiff asks a registry for, most specific last (the order Docker sends them in). */
export const MANIFEST_ACCEPT = [MediaType.ociIndex, MediaType.dockerList, MediaType.ociManifest, MediaType.dockerManifest];

export function isIndexType(mt: string | undefined): boolean {
  return mt === MediaType.ociIndex || mt === MediaType.dockerList;
}

export function isManifestType(mt: string | undefined): boolean {
  return mt === MediaType.ociManifest || mt === MediaType.dockerManifest;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string; variant?: string; 'os.version'?: string };
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndexDoc {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  /** SHELL: what runs the shell form of RUN, CMD and ENTRYPOINT in builds FROM this image. */
  Shell?: string[];
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
}
