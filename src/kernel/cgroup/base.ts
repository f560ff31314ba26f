// What a container cgroup is in either version: its directories (one per v1 hierarchy, one in v2),
// their cgroup.procs files, and the operations that are the same for both: join, list, remove.
// v1.ts and v2.ts add what differs: the limits and the usage files.
import path from 'node:path';
import type { CgroupIO } from './io.ts';
import { joinProcess, readPids, removeDirs } from './lifecycle.ts';
import type { CgroupLimits, CgroupUsage, CgroupWrite, ContainerCgroup } from './types.ts';

export abstract class BaseCgroup implements ContainerCgroup {
  abstract readonly version: 1 | 2;
  readonly dirs: string[];
  readonly procsFiles: string[];
  abstract readonly views: { name: string; dir: string }[];

  constructor(
    readonly name: string,
    /** `<own cgroup>/<parentName>` per directory, in the same order. */
    protected readonly parents: readonly string[],
    protected readonly io: CgroupIO,
  ) {
    this.dirs = parents.map((p) => path.join(p, name));
    this.procsFiles = this.dirs.map((d) => path.join(d, 'cgroup.procs'));
  }

  abstract apply(limits: CgroupLimits): CgroupWrite[];
  abstract usage(): CgroupUsage;
  abstract oomKills(): number;

  join(pid: number): CgroupWrite[] {
    return joinProcess(this.io, this.procsFiles, pid);
  }

  pids(): number[] {
    return readPids(this.io, this.procsFiles);
  }

  destroy(): Promise<void> {
    return removeDirs(this.io, this.dirs, this.parents);
  }
}
