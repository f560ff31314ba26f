// The store under a data root, in one place:
//   <root>/oci/           OCI image layout: oci-layout, index.json (names), blobs/sha256/<hex>
//   <root>/ingest/        downloads in progress (never visible as blobs until verified)
//   <root>/layers/<hex>/  unpacked layers by ChainID: diff/ (an overlay lowerdir) + layer.json
//   <root>/leases/        what running pulls are assembling, safe from garbage collection
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../errors.ts';
import { ContentStore } from './content.ts';
import { ImageIndex } from './image-index.ts';
import { LayerStore } from './layers.ts';
import { Leases } from './leases.ts';

export class Store {
  readonly content: ContentStore;
  readonly layers: LayerStore;
  readonly index: ImageIndex;
  readonly leases: Leases;

  private constructor(readonly root: string) {
    this.content = new ContentStore(root);
    this.layers = new LayerStore(root);
    this.index = new ImageIndex(this.content.root, root);
    this.leases = new Leases(root);
  }

  static async open(root: string): Promise<Store> {
    const abs = path.resolve(root);
    try {
      await fs.mkdir(abs, { recursive: true, mode: 0o711 });
      await fs.access(abs, fs.constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        throw new SkiffError('PERMISSION', `cannot write to the data root ${abs}`, 'run as root, or choose another place with --data-root DIR');
      }
      throw e;
    }
    const s = new Store(abs);
    await s.content.init();
    await s.layers.init();
    await s.leases.init();
    return s;
  }
}
