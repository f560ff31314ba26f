// The overlay snapshotter (Docker's overlay2, containerd's overlayfs): a container's root is the
// image's layer directories as read-only lowerdirs, shared by every container of the image, and
// its own empty upperdir on top. Writes land in upperdir; the first write to an image file copies
// it up first (copy-on-write), and a delete leaves a whiteout there. Preparing a container costs
// two mkdirs, whatever the size of the image.
//   <dataRoot>/snapshots/<key>/upper   the writable layer
//   <dataRoot>/snapshots/<key>/work    overlayfs's scratch directory
//   <dataRoot>/snapshots/<key>/empty   the lowerdir of an image with no layers (overlayfs needs one)
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Digest } from '../digest.ts';
import { StoredSnapshotter } from './base.ts';
import { ensureLayerLink } from './links.ts';
import { overlayMount } from './options.ts';
import { overlayChanges } from './overlay-changes.ts';
import type { SnapshotRecord } from './record.ts';
import { hostTree } from './tree.ts';
import type { Change, Snapshot } from './types.ts';
import { type Usage, usageOf, walkTree } from './usage.ts';

// Present when the running kernel's overlayfs knows the index feature (Linux 4.13+).
const INDEX_PARAM = '/sys/module/overlay/parameters/index';

export class OverlaySnapshotter extends StoredSnapshotter {
  readonly driver = 'overlay' as const;

  async prepare(key: string, chainIds: Digest[]): Promise<Snapshot> {
    const record = await this.newRecord(key, chainIds);
    const snapshot = await this.describe(record); // fails here, before anything is made, when the options are too long
    const top = chainIds.at(-1);
    await this.dirs.create(record, async (tmp) => {
      const upper = path.join(tmp, 'upper');
      await fs.mkdir(upper, { mode: 0o755 });
      if (top) {
        // The merged root shows upperdir's own mode and owner: make them the image's.
        const st = await fs.lstat(this.layers.diffDir(top));
        await fs.chown(upper, st.uid, st.gid);
        await fs.chmod(upper, st.mode & 0o7777);
      } else {
        await fs.mkdir(path.join(tmp, 'empty'), { mode: 0o755 });
      }
      await fs.mkdir(path.join(tmp, 'work'), { mode: 0o700 });
    });
    return snapshot;
  }

  async changes(key: string): Promise<Change[]> {
    const s = this.paths(await this.dirs.own(key, this.driver));
    return overlayChanges(s.upperdir, s.layers, hostTree);
  }

  async usage(key: string): Promise<Usage> {
    const { upperdir } = this.paths(await this.dirs.own(key, this.driver));
    return usageOf(upperdir, walkTree(upperdir, hostTree), hostTree);
  }

  private paths(r: SnapshotRecord) {
    const dir = this.dirs.dir(r.key);
    return {
      upperdir: path.join(dir, 'upper'),
      workdir: path.join(dir, 'work'),
      empty: path.join(dir, 'empty'),
      layers: this.layerDirs(r),
    };
  }

  protected async describe(r: SnapshotRecord): Promise<Snapshot> {
    const { upperdir, workdir, empty, layers } = this.paths(r);
    // Short links keep the option string within one page (links.ts); made again here when missing.
    await fs.mkdir(this.layers.root, { recursive: true }); // the mount's cwd, even for an image without layers
    const links: string[] = [];
    for (const c of r.chainIds) links.push(await ensureLayerLink(this.layers.root, c));
    links.reverse();
    const indexOff = await fs.access(INDEX_PARAM).then(() => true, () => false);
    const lowerdirs = layers.length > 0 ? layers : [empty];
    const mount = overlayMount({ cwd: this.layers.root, lowerdirs: links.length > 0 ? links : [empty], upperdir, workdir, indexOff });
    return { key: r.key, driver: 'overlay', mounts: [mount], lowerdirs, upperdir, workdir };
  }
}
