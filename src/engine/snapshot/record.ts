// Where snapshots live and how one appears and disappears, for both drivers:
//   <dataRoot>/snapshots/<key>/snapshot.json   which driver made it, on which layers
//   <dataRoot>/snapshots/<key>/...             the driver's own (upper+work, or fs+manifest.json)
// A snapshot is made in a temp directory and renamed into place (rename(2) is atomic), and
// removed by renaming it away before deleting, so a directory under snapshots/ with a key's name
// is always complete. Temp names carry the writer's pid: leftovers of a dead process are swept.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Digest } from '../digest.ts';
import { SkiffError } from '../errors.ts';
import { readJsonFile, removeTree, writeFileAtomic } from '../store/atomic.ts';
import { ownerGone } from '../store/lock.ts';
import type { SnapshotDriver } from './types.ts';

export interface SnapshotRecord {
  key: string;
  driver: SnapshotDriver;
  /** The image's layers, bottom first. */
  chainIds: Digest[];
  created: string; // RFC 3339
}

const RECORD = 'snapshot.json';
// Container IDs (64 hex) and names fit; nothing that could climb out of snapshots/.
const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function checkKey(key: string): void {
  if (!KEY.test(key)) throw new SkiffError('USAGE', `invalid snapshot key ${JSON.stringify(key)}`, 'a key is 1-128 letters, digits, "_", "." or "-", starting with a letter or digit');
}

export class SnapshotDirs {
  readonly root: string;
  private swept: Promise<void> | undefined;

  constructor(dataRoot: string) {
    this.root = path.join(dataRoot, 'snapshots');
  }

  dir(key: string): string {
    checkKey(key);
    return path.join(this.root, key);
  }

  async read(key: string): Promise<SnapshotRecord | undefined> {
    return readJsonFile<SnapshotRecord>(path.join(this.dir(key), RECORD));
  }

  /** The record of `key` when there is one, which must be of `driver`. */
  async find(key: string, driver: SnapshotDriver): Promise<SnapshotRecord | undefined> {
    const r = await this.read(key);
    if (r && r.driver !== driver) {
      throw new SkiffError('CONFLICT', `snapshot ${key} was made by the ${r.driver} storage driver, not ${driver}`, `remove the container, or use the ${r.driver} storage driver`);
    }
    return r;
  }

  /** The record of `key`, which must exist and be of `driver`. */
  async own(key: string, driver: SnapshotDriver): Promise<SnapshotRecord> {
    const r = await this.find(key, driver);
    if (!r) throw new SkiffError('STORE', `no snapshot named ${key}`, 'it was removed, or never prepared');
    return r;
  }

  /** Makes snapshot `record.key`: `fill` populates a temp directory, which then becomes the snapshot. */
  async create(record: SnapshotRecord, fill: (tmp: string) => Promise<void>): Promise<void> {
    const final = this.dir(record.key);
    await fs.mkdir(this.root, { recursive: true, mode: 0o700 }); // upper layers may hold setuid files
    await (this.swept ??= this.sweep());
    if (await exists(final)) throw conflict(record.key);
    const tmp = path.join(this.root, `.tmp-p${process.pid}-${randomBytes(8).toString('hex')}`);
    await fs.mkdir(tmp, { mode: 0o700 });
    try {
      await fill(tmp);
      await writeFileAtomic(path.join(tmp, RECORD), JSON.stringify(record, null, 2) + '\n');
      await fs.rename(tmp, final);
    } catch (e) {
      await fs.rm(tmp, { recursive: true, force: true });
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw conflict(record.key);
      throw e;
    }
  }

  async remove(key: string): Promise<void> {
    // Renamed first, so a half-deleted tree is never mistaken for a complete one.
    await removeTree(this.dir(key));
  }

  /** Every complete snapshot (what the layer garbage collector must keep). */
  async list(): Promise<SnapshotRecord[]> {
    const names = await fs.readdir(this.root).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [];
      throw e;
    });
    const out: SnapshotRecord[] = [];
    for (const name of names) {
      if (!KEY.test(name)) continue;
      const r = await this.read(name);
      if (r) out.push(r);
    }
    return out;
  }

  /** Throws away what a crashed process left half made or half removed. */
  private async sweep(): Promise<void> {
    for (const name of await fs.readdir(this.root)) {
      if (name.startsWith('.tmp-') && ownerGone(name)) await fs.rm(path.join(this.root, name), { recursive: true, force: true });
    }
  }
}

function conflict(key: string): SkiffError {
  return new SkiffError('CONFLICT', `a snapshot named ${key} already exists`, 'remove it first, or use another key');
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}
