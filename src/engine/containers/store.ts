// Containers on disk, one directory each, so that any Skiff process (and a restarted engine) finds
// them — Docker's /var/lib/docker/containers/<id>/ in our own words:
//   <dataRoot>/containers/<id>/config.json   what was created (Docker's inspect shapes), written once
//                              state.json    where it is in its life; rewritten atomically
//                              hostname, hosts, resolv.conf   bound into the container
//                              <id>-json.log the output, one JSON object per line (Docker's json-file)
//                              exit          written by the monitor when the main process ends
//   <dataRoot>/containers/.names/<name>      the ID owning a name: created with O_EXCL, so two
//                                            creates can never take the same name
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CgroupLimits } from '../../kernel/cgroup/types.ts';
import type { NamespaceType } from '../events.ts';
import { SkiffError } from '../errors.ts';
import { readJsonFile, removeTree, writeFileAtomic } from '../store/atomic.ts';
import { ownerGone } from '../store/lock.ts';
import type { PlannedMount } from '../volumes/service.ts';
import type { ContainerConfig, ContainerState, HostConfig } from './types.ts';

export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  imageId: string;
  config: ContainerConfig & { Image: string };
  hostConfig: HostConfig;
  path: string;
  args: string[];
  driver: 'overlay' | 'vfs';
  mounts: PlannedMount[];
  limits: CgroupLimits;
}

/** What a running container's engine needs to find it again. */
export interface RunInfo {
  hostPid: number;
  /** The monitor (sh) that writes the exit code. */
  monitorPid: number;
  /** Namespace inodes of the main process: a reused PID will not match them. */
  ns: Partial<Record<NamespaceType, number>>;
  initDir: string;
  tty: boolean;
  stdin: boolean;
  /** The cgroup (its name under the engine's container parent), when one was made. */
  cgroup?: string;
  /** With -t: the process that keeps a copy of the terminal's master open (fd 3), so the
   *  terminal outlives the engine that made it. */
  ptyHolder?: number;
}

export interface StateFile {
  state: ContainerState;
  run?: RunInfo;
  restartCount: number;
}

export class ContainerStore {
  readonly root: string;
  private readonly names: string;

  constructor(dataRoot: string) {
    this.root = path.join(dataRoot, 'containers');
    this.names = path.join(this.root, '.names');
  }

  init(): void {
    fs.mkdirSync(this.names, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.root, 0o700); // logs and configs of other users' containers are private
    // A removal or a create that was cut short leaves a temp directory: finish the job.
    for (const d of fs.readdirSync(this.root)) if (d.startsWith('.tmp-') && ownerGone(d)) fs.rmSync(path.join(this.root, d), { recursive: true, force: true });
  }

  dir(id: string): string {
    return path.join(this.root, id);
  }

  ids(): string[] {
    return fs.readdirSync(this.root).filter((d) => /^[a-f0-9]{64}$/.test(d) && fs.existsSync(path.join(this.root, d, 'config.json')));
  }

  /** Makes the directory with its first files, all or nothing (temp directory, then rename). */
  async create(rec: ContainerRecord, state: StateFile, files: Record<string, string>): Promise<void> {
    const tmp = path.join(this.root, `.tmp-${rec.id}-p${process.pid}-${randomBytes(4).toString('hex')}`);
    fs.mkdirSync(tmp, { mode: 0o710 });
    try {
      for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(tmp, name), content, { mode: 0o644 });
      fs.writeFileSync(path.join(tmp, 'state.json'), JSON.stringify(state));
      await writeFileAtomic(path.join(tmp, 'config.json'), JSON.stringify(rec, null, 1));
      fs.renameSync(tmp, this.dir(rec.id));
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  async record(id: string): Promise<ContainerRecord | undefined> {
    return readJsonFile<ContainerRecord>(path.join(this.dir(id), 'config.json'));
  }

  async state(id: string): Promise<StateFile | undefined> {
    return readJsonFile<StateFile>(path.join(this.dir(id), 'state.json'));
  }

  async saveState(id: string, s: StateFile): Promise<void> {
    if (!fs.existsSync(this.dir(id))) return; // removed meanwhile (another process won the race)
    await writeFileAtomic(path.join(this.dir(id), 'state.json'), JSON.stringify(s));
  }

  /** Resolves what a user typed: a full ID, a name, or an unambiguous ID prefix. */
  resolve(input: string): string {
    const name = input.replace(/^\//, '');
    if (/^[a-f0-9]{64}$/.test(name) && fs.existsSync(path.join(this.dir(name), 'config.json'))) return name;
    try {
      const id = fs.readFileSync(path.join(this.names, name), 'utf8').trim();
      if (fs.existsSync(path.join(this.dir(id), 'config.json'))) return id;
    } catch {
      // not a name
    }
    if (/^[a-f0-9]+$/.test(name)) {
      const hits = this.ids().filter((id) => id.startsWith(name));
      if (hits.length === 1) return hits[0]!;
      if (hits.length > 1) throw new SkiffError('USAGE', `multiple containers found with provided prefix: ${name}`, 'type more characters of the ID, or use the name');
    }
    throw new SkiffError('CONTAINER_NOT_FOUND', `No such container: ${input}`, 'see the containers with: ps -a');
  }

  /** Takes a name for `id`, or says who has it (Docker's 409). A name left by a removed container is taken over. */
  reserveName(name: string, id: string): void {
    const file = path.join(this.names, name);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, id, { flag: 'wx' });
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = fs.readFileSync(file, 'utf8').trim();
      if (fs.existsSync(path.join(this.dir(owner), 'config.json')) || fs.readdirSync(this.root).some((d) => d.startsWith(`.tmp-${owner}-`))) {
        throw new SkiffError('CONFLICT', `Conflict. The container name "/${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`, `remove it first (rm -f ${name}) or choose another --name`);
      }
      fs.rmSync(file, { force: true });
    }
    throw new SkiffError('CONFLICT', `the container name "/${name}" is being taken by another command`, 'try again');
  }

  releaseName(name: string, id: string): void {
    const file = path.join(this.names, name);
    try {
      if (fs.readFileSync(file, 'utf8').trim() === id) fs.rmSync(file, { force: true });
    } catch {
      // already gone
    }
  }

  /** Removes a container's directory; true if this call did it (another process may be first). */
  remove(id: string): Promise<boolean> {
    return removeTree(this.dir(id));
  }

  /** Names of volumes → the containers using them (for `volume rm` and `volume prune`). */
  async volumeUsers(): Promise<Map<string, string[]>> {
    const users = new Map<string, string[]>();
    for (const id of this.ids()) {
      const rec = await this.record(id);
      for (const m of rec?.mounts ?? []) if (m.volume) users.set(m.volume, [...(users.get(m.volume) ?? []), id]);
    }
    return users;
  }

  /** IDs of containers made from an image (`rmi` keeps an image in use). */
  async usersOfImage(imageId: string): Promise<string[]> {
    const out: string[] = [];
    for (const id of this.ids()) if ((await this.record(id))?.imageId === imageId) out.push(id);
    return out;
  }

  logPath(id: string): string {
    return path.join(this.dir(id), `${id}-json.log`);
  }
}
