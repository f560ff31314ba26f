// What the two snapshotters share: snapshots kept under <dataRoot>/snapshots (record.ts), made
// on layers of the layer store, found and removed the same way. Each driver says how to fill a
// snapshot, how to describe its mounts, and how to read its changes.
import type { Digest } from '../digest.ts';
import { SkiffError } from '../errors.ts';
import { LayerStore } from '../store/layers.ts';
import { type SnapshotRecord, SnapshotDirs } from './record.ts';
import type { Change, Snapshot, SnapshotDriver, Snapshotter } from './types.ts';
import type { Usage } from './usage.ts';

export abstract class StoredSnapshotter implements Snapshotter {
  abstract readonly driver: SnapshotDriver;
  protected readonly dirs: SnapshotDirs;
  protected readonly layers: LayerStore;

  constructor(dataRoot: string) {
    this.dirs = new SnapshotDirs(dataRoot);
    this.layers = new LayerStore(dataRoot);
  }

  abstract prepare(key: string, chainIds: Digest[]): Promise<Snapshot>;
  abstract changes(key: string): Promise<Change[]>;
  abstract usage(key: string): Promise<Usage>;
  protected abstract describe(r: SnapshotRecord): Snapshot | Promise<Snapshot>;

  /** The record of a new snapshot, once every layer it needs is known to be in the store. */
  protected async newRecord(key: string, chainIds: readonly Digest[]): Promise<SnapshotRecord> {
    for (const c of chainIds) {
      if (!(await this.layers.has(c))) throw new SkiffError('STORE', `layer ${c.slice(7, 19)} of the image is not in the store`, 'pull the image again');
    }
    return { key, driver: this.driver, chainIds: [...chainIds], created: new Date().toISOString() };
  }

  async get(key: string): Promise<Snapshot | undefined> {
    const r = await this.dirs.find(key, this.driver);
    return r && this.describe(r);
  }

  remove(key: string): Promise<void> {
    return this.dirs.remove(key);
  }

  /** The image's layer directories, top first, as overlayfs lists lowerdirs. */
  protected layerDirs(r: SnapshotRecord): string[] {
    return r.chainIds.map((c) => this.layers.diffDir(c)).reverse();
  }
}
