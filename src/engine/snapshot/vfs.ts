// The vfs snapshotter (Docker's vfs driver): no union file system at all. Every container gets a
// full copy of its image — every layer copied in turn, bottom first, whiteouts and opaque
// directories applied — and its root is a bind mount of that copy. It works on any host and any
// file system; the price is the copy, paid in time and disk at every `create` (compare with
// overlay, which costs two mkdirs).
//   <dataRoot>/snapshots/<key>/fs              the container's tree
//   <dataRoot>/snapshots/<key>/manifest.json   what the tree held when made, for `docker diff`
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Digest } from '../digest.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { StoredSnapshotter } from './base.ts';
import { copyTree } from './copy.ts';
import { decodeManifest, diffManifests, encodeManifest, scanTree } from './manifest.ts';
import type { SnapshotRecord } from './record.ts';
import { hostTree } from './tree.ts';
import type { Change, Snapshot } from './types.ts';
import { type Usage, usageOf } from './usage.ts';

const MANIFEST = 'manifest.json';

export class VfsSnapshotter extends StoredSnapshotter {
  readonly driver = 'vfs' as const;

  async prepare(key: string, chainIds: Digest[]): Promise<Snapshot> {
    const record = await this.newRecord(key, chainIds);
    await this.dirs.create(record, async (tmp) => {
      const tree = path.join(tmp, 'fs');
      await fs.mkdir(tree, { mode: 0o755 });
      for (const c of chainIds) await copyTree(this.layers.diffDir(c), tree, { layer: true });
      await writeFileAtomic(path.join(tmp, MANIFEST), encodeManifest(scanTree(tree, hostTree)));
    });
    return this.describe(record);
  }

  async changes(key: string): Promise<Change[]> {
    await this.dirs.own(key, this.driver);
    const dir = this.dirs.dir(key);
    const before = decodeManifest(await fs.readFile(path.join(dir, MANIFEST), 'utf8'));
    return diffManifests(before, scanTree(path.join(dir, 'fs'), hostTree));
  }

  /** What the container added or changed: the whole tree is writable, but only that is its own (SizeRw). */
  async usage(key: string): Promise<Usage> {
    const written = (await this.changes(key)).filter((c) => c.kind !== 'D').map((c) => c.path.slice(1));
    return usageOf(path.join(this.dirs.dir(key), 'fs'), written, hostTree);
  }

  protected describe(r: SnapshotRecord): Snapshot {
    const dir = path.join(this.dirs.dir(r.key), 'fs');
    return {
      key: r.key,
      driver: 'vfs',
      mounts: [{ type: 'bind', source: dir, options: ['rbind'] }],
      lowerdirs: this.layerDirs(r),
      dir,
    };
  }
}
