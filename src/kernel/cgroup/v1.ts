// cgroup v1: one hierarchy per controller (or per group of co-mounted controllers, such as
// "cpu,cpuacct"), so a container's cgroup is one directory in each: memory/<...>/skiff/<id>,
// cpu/<...>/skiff/<id>, pids/<...>/skiff/<id>. A process joins by being written into each one's
// cgroup.procs. See the kernel's Documentation/admin-guide/cgroup-v1/.
import path from 'node:path';
import type { V1Hierarchy } from './detect.ts';
import { readFile, readIfExists, writeFile, type CgroupIO } from './io.ts';
import { BaseCgroup } from './base.ts';
import { checkCgroupName, listChildren, makeCgroup, removeMade } from './lifecycle.ts';
import { normalizeLimits, planV1, requireControllers } from './limits.ts';
import { parseKeyed, parseLimit, parseNumber } from './read.ts';
import type { CgroupLimits, CgroupManager, CgroupUsage, CgroupWrite, ContainerCgroup } from './types.ts';

export class V1CgroupManager implements CgroupManager {
  readonly version = 1 as const;
  readonly controllers: string[];
  readonly parents: string[];

  constructor(
    private readonly hierarchies: readonly V1Hierarchy[],
    parentName: string,
    private readonly io: CgroupIO,
  ) {
    this.controllers = hierarchies.flatMap((h) => h.controllers);
    this.parents = hierarchies.map((h) => path.join(h.ownDir, parentName));
  }

  create(name: string): ContainerCgroup {
    checkCgroupName(name, 'container cgroup name');
    return new V1Cgroup(name, this.hierarchies, this.parents, this.io);
  }

  list(): string[] {
    return listChildren(this.io, this.parents);
  }
}

class V1Cgroup extends BaseCgroup {
  readonly version = 1 as const;
  private readonly controllers: string[];

  constructor(
    name: string,
    private readonly hierarchies: readonly V1Hierarchy[],
    parents: readonly string[],
    io: CgroupIO,
  ) {
    super(name, parents, io);
    this.controllers = hierarchies.flatMap((h) => h.controllers);
  }

  get views(): { name: string; dir: string }[] {
    return this.hierarchies.map((h, i) => ({ name: h.controllers.join(','), dir: this.dirs[i]! }));
  }

  /** The directory of the hierarchy that carries a controller. */
  private dir(controller: string): string | undefined {
    const i = this.hierarchies.findIndex((h) => h.controllers.includes(controller));
    return i < 0 ? undefined : this.dirs[i];
  }

  private number(controller: string, file: string): number {
    return parseNumber(readFile(this.io, path.join(this.dir(controller)!, file)), file);
  }

  private limit(controller: string, file: string): number | undefined {
    return parseLimit(readFile(this.io, path.join(this.dir(controller)!, file)), file);
  }

  apply(limits: CgroupLimits): CgroupWrite[] {
    const wanted = normalizeLimits(limits);
    requireControllers(wanted, this.controllers, 1);
    const made: string[] = [];
    try {
      this.dirs.forEach((dir, i) => made.push(...makeCgroup(this.io, this.parents[i]!, dir)));
      const memory = this.dir('memory');
      const plan = planV1(wanted, {
        // Only with swap accounting (CONFIG_MEMCG_SWAP, swapaccount=1) does the memsw file exist.
        memsw: memory !== undefined && this.io.exists(path.join(memory, 'memory.memsw.limit_in_bytes')),
        currentMemoryLimit: memory !== undefined ? (this.limit('memory', 'memory.limit_in_bytes') ?? Infinity) : Infinity,
      });
      return plan.map((w) => writeFile(this.io, path.join(this.dir(w.controller)!, w.file), w.value));
    } catch (e) {
      removeMade(this.io, made);
      throw e;
    }
  }

  usage(): CgroupUsage {
    const has = (c: string): boolean => this.dir(c) !== undefined;
    return {
      memory: has('memory')
        ? {
            usage: this.number('memory', 'memory.usage_in_bytes'),
            limit: this.limit('memory', 'memory.limit_in_bytes'),
            peak: this.number('memory', 'memory.max_usage_in_bytes'),
          }
        : { usage: 0 },
      cpu: {
        usageNs: has('cpuacct') ? this.number('cpuacct', 'cpuacct.usage') : 0,
        quota: has('cpu') ? this.limit('cpu', 'cpu.cfs_quota_us') : undefined,
        period: has('cpu') ? this.number('cpu', 'cpu.cfs_period_us') : undefined,
      },
      // Without the pids controller, count the processes (pids.current would count threads too).
      pids: has('pids')
        ? { current: this.number('pids', 'pids.current'), limit: this.limit('pids', 'pids.max') }
        : { current: this.pids().length },
      oomKills: this.oomKills(),
    };
  }

  oomKills(): number {
    const memory = this.dir('memory');
    if (memory === undefined) return 0;
    const control = parseKeyed(readFile(this.io, path.join(memory, 'memory.oom_control')));
    const kills = control.get('oom_kill');
    if (kills !== undefined) return kills;
    // Linux < 4.13 has no oom_kill line. memory.failcnt only counts how often usage hit the limit,
    // and reclaim usually makes room without killing anyone: failcnt > 0 is a hint that the OOM
    // killer may have run, never a count. We report it as one possible kill; the engine must only
    // believe it together with the container's process having died of SIGKILL.
    const failcnt = readIfExists(this.io, path.join(memory, 'memory.failcnt'));
    return failcnt !== undefined && parseNumber(failcnt, 'memory.failcnt') > 0 ? 1 : 0;
  }
}
