// The volumes directory on disk: <dataRoot>/volumes/<name>/{_data,volume.json}.
//
// A volume appears whole or not at all: it is assembled in a temporary directory and renamed into
// place (rename(2) is atomic, and fails with ENOTEMPTY when the name already exists — which is how
// two `skiff` processes creating one name at once agree on one volume). Removal renames it out of
// sight first, then deletes, so a half-deleted volume is never listed.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import { fsyncDir, readJsonFile, writeFileAtomic } from '../store/atomic.ts';
import { ownerGone } from '../store/lock.ts';
import { checkVolumeName, isVolumeName } from './names.ts';
import { rfc3339, type VolumeRecord } from './record.ts';

const TEMP = '.tmp-';

export function volumeNotFound(name: string): SkiffError {
  return new SkiffError('VOLUME_NOT_FOUND', `No such volume: ${name}`, "list the volumes there are with 'skiff volume ls'");
}

export class VolumeStore {
  private prepared?: Promise<void>;

  constructor(
    /** <dataRoot>/volumes */
    readonly root: string,
    private readonly events: EventBus,
  ) {}

  /** Where a volume's files are: what a container mounts, and Docker's `Mountpoint`. */
  mountpoint(name: string): string {
    return path.join(this.root, name, '_data');
  }

  /** Creates the volumes directory once, and sweeps what crashed processes left half-made. */
  ready(): Promise<void> {
    this.prepared ??= (async () => {
      // 0701: others may reach a mount point they know, but cannot list the volumes (as Docker).
      await fs.mkdir(this.root, { recursive: true, mode: 0o701 });
      for (const name of await fs.readdir(this.root)) {
        if (name.startsWith(TEMP) && ownerGone(name)) await fs.rm(path.join(this.root, name), { recursive: true, force: true });
      }
    })();
    return this.prepared;
  }

  private temp(): string {
    return path.join(this.root, `${TEMP}p${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /** Every volume's name, sorted (temporary directories are not names). */
  async names(): Promise<string[]> {
    await this.ready();
    return (await fs.readdir(this.root)).filter(isVolumeName).sort();
  }

  /** The volume's record, or undefined when there is no such volume (or no such name could be). */
  async read(name: string): Promise<VolumeRecord | undefined> {
    if (!isVolumeName(name)) return undefined;
    await this.ready();
    return readJsonFile<VolumeRecord>(path.join(this.root, name, 'volume.json'));
  }

  /** Returns the volume, making it first when it does not exist; `created` says which happened. */
  async ensure(name: string, labels: Record<string, string>, anonymous: boolean): Promise<{ record: VolumeRecord; created: boolean }> {
    checkVolumeName(name);
    const existing = await this.read(name);
    if (existing) return { record: existing, created: false };
    const record: VolumeRecord = { Name: name, Driver: 'local', CreatedAt: rfc3339(new Date()), Labels: labels, Options: {}, Anonymous: anonymous };
    const tmp = this.temp();
    try {
      await fs.mkdir(path.join(tmp, '_data'), { recursive: true, mode: 0o755 });
      await writeFileAtomic(path.join(tmp, 'volume.json'), JSON.stringify(record, null, 2) + '\n');
      await fs.rename(tmp, path.join(this.root, name));
    } catch (e) {
      await fs.rm(tmp, { recursive: true, force: true });
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      // Another process made it between our look and our rename: theirs is the volume.
      const theirs = await this.read(name);
      if (!theirs) throw new SkiffError('STORE', `volume ${name} is damaged: ${path.join(this.root, name)} has no volume.json`, 'remove that directory by hand, then try again');
      return { record: theirs, created: false };
    }
    await fsyncDir(this.root);
    this.events.emit({ type: 'volume.create', name });
    return { record, created: true };
  }

  /** Takes a volume away: out of sight by rename first, then its files. */
  async destroy(name: string): Promise<void> {
    if (!isVolumeName(name)) throw volumeNotFound(name);
    const tmp = this.temp();
    try {
      await fs.rename(path.join(this.root, name), tmp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw volumeNotFound(name);
      throw e;
    }
    await fsyncDir(this.root);
    this.events.emit({ type: 'volume.destroy', name });
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
