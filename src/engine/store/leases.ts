// A lease protects content from garbage collection — containerd's leases, as files:
//   <root>/leases/p<pid>-<rand>.json   what an operation is still assembling (a pull that has stored
//                                      blobs and layers but not yet named the image); honoured while
//                                      its process is alive
//   <root>/leases/container-<id>.json  the image a container was made from: kept, even when `rmi -f`
//                                      takes its name away, until the container is removed
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readJsonFile, writeFileAtomic } from './atomic.ts';
import { ownerGone } from './lock.ts';

export interface LeaseContent {
  blobs: string[];
  chains: string[];
}

export class Leases {
  private readonly dir: string;

  constructor(dataRoot: string) {
    this.dir = path.join(dataRoot, 'leases');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
  }

  /** A lease for as long as this process lives — or, with a `name`, until release(name). */
  async take(content: LeaseContent, name?: string): Promise<{ release(): Promise<void> }> {
    const file = path.join(this.dir, name ? `${name}.json` : `p${process.pid}-${randomBytes(6).toString('hex')}.json`);
    await writeFileAtomic(file, JSON.stringify(content));
    return { release: () => fs.rm(file, { force: true }) };
  }

  async release(name: string): Promise<void> {
    await fs.rm(path.join(this.dir, `${name}.json`), { force: true });
  }

  /** Everything held by live leases; stale lease files are removed on the way. */
  async held(): Promise<LeaseContent> {
    const out: LeaseContent = { blobs: [], chains: [] };
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return out;
    }
    for (const n of names) {
      const file = path.join(this.dir, n);
      if (!n.startsWith('container-') && ownerGone(n)) {
        await fs.rm(file, { force: true });
        continue;
      }
      const l = await readJsonFile<LeaseContent>(file).catch(() => undefined);
      if (l) {
        out.blobs.push(...l.blobs);
        out.chains.push(...l.chains);
      }
    }
    return out;
  }
}
