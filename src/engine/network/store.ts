// Networks on disk, one JSON file each, so that every Skiff process (and a restarted engine) sees
// the same ones:
//   <dataRoot>/networks/<id>.json     the network (its name, subnet, bridge interface)
//   <dataRoot>/networks/.names/<name> the ID owning a name, created with O_EXCL: two `network
//                                     create foo` at once cannot both win
//   <dataRoot>/networks/ipam/<id>/    its address pool (ipam.ts)
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../errors.ts';
import { readJsonFile, writeFileAtomic } from '../store/atomic.ts';
import type { NetworkRecord } from './types.ts';

export const notFound = (name: string) => new SkiffError('NETWORK_NOT_FOUND', `network ${name} not found`, 'list the networks there are with: network ls');

export class NetworkStore {
  readonly root: string;
  private readonly names: string;

  constructor(dataRoot: string) {
    this.root = path.join(dataRoot, 'networks');
    this.names = path.join(this.root, '.names');
    fs.mkdirSync(this.names, { recursive: true, mode: 0o700 });
  }

  static newId(): string {
    return randomBytes(32).toString('hex');
  }

  private file(id: string): string {
    return path.join(this.root, `${id}.json`);
  }

  all(): NetworkRecord[] {
    const out: NetworkRecord[] = [];
    for (const f of fs.readdirSync(this.root)) {
      if (!/^[0-9a-f]{64}\.json$/.test(f)) continue;
      try {
        out.push(JSON.parse(fs.readFileSync(path.join(this.root, f), 'utf8')) as NetworkRecord);
      } catch {
        // removed meanwhile
      }
    }
    return out.sort((a, b) => a.Name.localeCompare(b.Name));
  }

  /** Docker's lookup order: full ID, exact name, then an unambiguous ID prefix. */
  find(input: string): NetworkRecord {
    const all = this.all();
    const hit = all.find((n) => n.Id === input) ?? all.find((n) => n.Name === input);
    if (hit) return hit;
    if (/^[0-9a-f]+$/.test(input)) {
      const byPrefix = all.filter((n) => n.Id.startsWith(input));
      if (byPrefix.length === 1) return byPrefix[0]!;
      if (byPrefix.length > 1) throw new SkiffError('USAGE', `network ${input} is ambiguous (${byPrefix.length} matches found based on ID prefix)`, 'type more characters of the ID, or use the name');
    }
    throw notFound(input);
  }

  tryFind(input: string): NetworkRecord | undefined {
    try {
      return this.find(input);
    } catch {
      return undefined;
    }
  }

  /** Saves a new network, its name taken first (409 when another network has it). */
  async create(rec: NetworkRecord): Promise<void> {
    const name = path.join(this.names, rec.Name);
    try {
      fs.writeFileSync(name, rec.Id, { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = fs.readFileSync(name, 'utf8');
      if (fs.existsSync(this.file(owner))) throw new SkiffError('CONFLICT', `network with name ${rec.Name} already exists`, 'choose another name, or remove that network first');
      fs.writeFileSync(name, rec.Id); // a leftover of a network whose removal was cut short
    }
    try {
      await writeFileAtomic(this.file(rec.Id), JSON.stringify(rec, null, 1));
    } catch (e) {
      fs.rmSync(name, { force: true });
      throw e;
    }
  }

  async save(rec: NetworkRecord): Promise<void> {
    await writeFileAtomic(this.file(rec.Id), JSON.stringify(rec, null, 1));
  }

  /** Writes a record at once (temp file, rename): the predefined networks, needed right after. */
  saveSync(rec: NetworkRecord): void {
    const tmp = path.join(this.root, `.tmp-${rec.Id}-p${process.pid}`);
    fs.writeFileSync(tmp, JSON.stringify(rec, null, 1));
    fs.renameSync(tmp, this.file(rec.Id));
  }

  /** Records a name as taken (for the predefined networks, which never compete for theirs). */
  reserveName(rec: NetworkRecord): void {
    fs.writeFileSync(path.join(this.names, rec.Name), rec.Id);
  }

  remove(rec: NetworkRecord): void {
    fs.rmSync(this.file(rec.Id), { force: true });
    const name = path.join(this.names, rec.Name);
    try {
      if (fs.readFileSync(name, 'utf8') === rec.Id) fs.rmSync(name, { force: true });
    } catch {
      // gone already
    }
  }

  async read(id: string): Promise<NetworkRecord | undefined> {
    return readJsonFile<NetworkRecord>(this.file(id));
  }
}
