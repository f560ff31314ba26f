// Choosing a snapshotter, as dockerd chooses its storage driver at start-up: overlay where the
// host can (supported.ts answers that), vfs everywhere else.
import { OverlaySnapshotter } from './overlay.ts';
import type { SnapshotDriver, Snapshotter } from './types.ts';
import { VfsSnapshotter } from './vfs.ts';

export function openSnapshotter(dataRoot: string, driver: SnapshotDriver): Snapshotter {
  return driver === 'overlay' ? new OverlaySnapshotter(dataRoot) : new VfsSnapshotter(dataRoot);
}

export { overlaySupported } from './supported.ts';
export type { Change, MountSpec, Snapshot, SnapshotDriver, Snapshotter } from './types.ts';
