// A container's root filesystem, as a snapshotter describes it: the image's unpacked layers
// (read-only, shared between containers) plus the container's own writable layer, and the mounts
// that put them together — as data. Like containerd's snapshotters (core/snapshots), Skiff's never
// mount anything themselves: the container's init process performs `mounts`, inside the
// container's new mount namespace, so the host never sees a container's root filesystem mounted.
import type { Digest } from '../digest.ts';

/** One mount to perform, as mount(8) would: `mount -t <type> -o <options joined by ','> <source> <target>`. */
export interface MountSpec {
  type: string;
  source: string;
  options: string[];
  /** Perform the mount with this working directory: the overlay lowerdirs are relative to it. */
  cwd?: string;
}

export type SnapshotDriver = 'overlay' | 'vfs';

export interface Snapshot {
  key: string;
  driver: SnapshotDriver;
  mounts: MountSpec[];
  /**
   * The image's layer directories, absolute, top first — the order overlayfs lists them. For
   * overlay these are the mount's lowerdirs; for vfs they are what the tree was copied from.
   */
  lowerdirs: string[];
  /** overlay: the writable layer, where every change the container makes lands. */
  upperdir?: string;
  /** overlay: the kernel's scratch space for atomic copy-up and rename (same filesystem as upperdir). */
  workdir?: string;
  /** vfs: the container's whole tree, a full copy of the image. */
  dir?: string;
}

/** One line of `docker diff`: A added, C changed, D deleted; `path` is absolute inside the container. */
export interface Change {
  kind: 'A' | 'C' | 'D';
  path: string;
}

export interface Snapshotter {
  readonly driver: SnapshotDriver;
  /** Makes the writable layer `key` on top of these layers (bottom layer first, as in rootfs.diff_ids). */
  prepare(key: string, chainIds: Digest[]): Promise<Snapshot>;
  get(key: string): Promise<Snapshot | undefined>;
  /** Deletes the writable layer; the image's layers stay. Removing a missing snapshot is not an error. */
  remove(key: string): Promise<void>;
  /** What the container changed compared with its image, sorted by path (`docker diff`). */
  changes(key: string): Promise<Change[]>;
  /** Bytes and inodes of the writable layer only (Docker's SizeRw). */
  usage(key: string): Promise<{ size: number; inodes: number }>;
}
