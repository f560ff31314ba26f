// Unpacked layers, one directory per ChainID (digest.ts explains ChainIDs), each already in
// overlayfs form so that it can be a lowerdir as it is. Two images with the same layer stack below
// share the directories; a layer is unpacked into a temp directory and renamed into place only after
// its DiffID was verified, so a directory under layers/ is always complete.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Digest, hexOf, isDigest } from '../digest.ts';
import { readJsonFile, removeTree, writeFileAtomic } from './atomic.ts';
import { ownerGone } from './lock.ts';

export interface LayerMeta {
  chainId: Digest;
  diffId: Digest;
  parent?: Digest; // ChainID of the layer below
  blob?: Digest; // the compressed blob it came from
  size: number; // bytes of regular files, as `docker images` counts
  files: number;
  created: string;
}

export interface PreparedLayer {
  /** Unpack into this directory. */
  diff: string;
  commit(meta: LayerMeta): Promise<void>;
  abort(): Promise<void>;
}

export class LayerStore {
  readonly root: string;

  constructor(dataRoot: string) {
    this.root = path.join(dataRoot, 'layers');
  }

  async init(): Promise<void> {
    // 0700: layers keep setuid binaries and device nodes; host users have no business in them
    // (containers see them through overlay, which reads lower layers with the mounter's rights).
    await fs.mkdir(this.root, { recursive: true, mode: 0o700 });
    await fs.chmod(this.root, 0o700);
    // Unpacks cut off by a crash are never resumed: throw away those whose process is gone.
    for (const f of await fs.readdir(this.root)) {
      if (f.startsWith('.tmp-') && ownerGone(f)) await fs.rm(path.join(this.root, f), { recursive: true, force: true });
    }
  }

  dir(chainId: Digest): string {
    return path.join(this.root, hexOf(chainId));
  }

  /** The directory an overlay mount uses as a lowerdir. */
  diffDir(chainId: Digest): string {
    return path.join(this.dir(chainId), 'diff');
  }

  async has(chainId: Digest): Promise<boolean> {
    try {
      await fs.access(path.join(this.dir(chainId), 'layer.json'));
      return true;
    } catch {
      return false;
    }
  }

  meta(chainId: Digest): Promise<LayerMeta | undefined> {
    return readJsonFile<LayerMeta>(path.join(this.dir(chainId), 'layer.json'));
  }

  async prepare(): Promise<PreparedLayer> {
    const tmp = path.join(this.root, `.tmp-p${process.pid}-${randomBytes(8).toString('hex')}`);
    const diff = path.join(tmp, 'diff');
    await fs.mkdir(diff, { recursive: true, mode: 0o755 });
    const abort = () => fs.rm(tmp, { recursive: true, force: true });
    return {
      diff,
      abort,
      commit: async (meta: LayerMeta) => {
        await writeFileAtomic(path.join(tmp, 'layer.json'), JSON.stringify(meta, null, 2) + '\n');
        try {
          await fs.rename(tmp, this.dir(meta.chainId));
        } catch (e) {
          // Someone else committed the same ChainID first: theirs is identical by construction.
          await abort();
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
        }
      },
    };
  }

  async remove(chainId: Digest): Promise<void> {
    // Renamed first, so a half-deleted tree is never mistaken for a complete one.
    await removeTree(this.dir(chainId));
  }

  async list(): Promise<LayerMeta[]> {
    const out: LayerMeta[] = [];
    for (const name of await fs.readdir(this.root)) {
      const id = `sha256:${name}`;
      if (!isDigest(id)) continue;
      const m = await this.meta(id);
      if (m) out.push(m);
    }
    return out;
  }
}
