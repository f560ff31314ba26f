// cgroup v2: one hierarchy for all controllers, so a container's cgroup is one directory. A child
// cgroup gets a controller only when its parent lists it in cgroup.subtree_control, and the kernel
// lets a non-root cgroup do that only while it has no processes of its own ("no internal
// processes", cgroup-v2.rst). So the engine's own cgroup must already delegate the controllers;
// Skiff never writes it and never moves the engine. It then makes <own>/skiff (no processes,
// free to delegate), enables them there, and puts each container in <own>/skiff/<id>.
import path from 'node:path';
import { SkiffError } from '../../engine/errors.ts';
import { readFile, readIfExists, writeFile, type CgroupIO } from './io.ts';
import { BaseCgroup } from './base.ts';
import { checkCgroupName, listChildren, makeCgroup, removeMade } from './lifecycle.ts';
import { normalizeLimits, planV2, requireControllers } from './limits.ts';
import { parseKeyed, parseLimit, parseNumber } from './read.ts';
import type { CgroupLimits, CgroupManager, CgroupUsage, CgroupWrite, ContainerCgroup } from './types.ts';

export interface V2Layout {
  /** The engine's own cgroup directory. */
  ownDir: string;
  /** The controllers the hierarchy offers that Skiff uses (memory, cpu, pids). */
  controllers: string[];
}

function subtreeControl(io: CgroupIO, dir: string): string[] {
  return readFile(io, path.join(dir, 'cgroup.subtree_control')).trim().split(/\s+/).filter(Boolean);
}

export class V2CgroupManager implements CgroupManager {
  readonly version = 2 as const;
  readonly controllers: string[];
  readonly parents: string[];

  constructor(
    private readonly layout: V2Layout,
    parentName: string,
    private readonly io: CgroupIO,
  ) {
    this.controllers = [...layout.controllers];
    this.parents = [path.join(layout.ownDir, parentName)];
  }

  create(name: string): ContainerCgroup {
    checkCgroupName(name, 'container cgroup name');
    return new V2Cgroup(name, this.layout, this.parents[0]!, this.io);
  }

  list(): string[] {
    return listChildren(this.io, this.parents);
  }
}

class V2Cgroup extends BaseCgroup {
  readonly version = 2 as const;
  private readonly dir: string;
  private readonly parent: string;

  constructor(
    name: string,
    private readonly layout: V2Layout,
    parent: string,
    io: CgroupIO,
  ) {
    super(name, [parent], io);
    this.parent = parent;
    this.dir = this.dirs[0]!;
  }

  get views(): { name: string; dir: string }[] {
    return [{ name: '', dir: this.dir }];
  }

  private has(controller: string): boolean {
    return this.layout.controllers.includes(controller);
  }

  private text(file: string): string {
    return readFile(this.io, path.join(this.dir, file));
  }

  /** The engine's own cgroup must hand the controllers down (see the top of this file). */
  private checkDelegation(): void {
    const delegated = subtreeControl(this.io, this.layout.ownDir);
    const missing = this.layout.controllers.filter((c) => !delegated.includes(c));
    if (missing.length === 0) return;
    throw new SkiffError(
      'CGROUP',
      `the ${missing.join(', ')} cgroup controller${missing.length > 1 ? 's are' : ' is'} not delegated to ${this.layout.ownDir} (its cgroup.subtree_control lacks ${missing.length > 1 ? 'them' : 'it'})`,
      'cgroup v2 lets only the root cgroup hold processes and delegate controllers at once: run the engine in a cgroup with the controllers delegated, e.g. start it from the root cgroup (sh -c \'echo $$ > /sys/fs/cgroup/cgroup.procs && exec skiff daemon\')',
    );
  }

  apply(limits: CgroupLimits): CgroupWrite[] {
    const wanted = normalizeLimits(limits);
    requireControllers(wanted, this.layout.controllers, 2);
    this.checkDelegation();
    const writes: CgroupWrite[] = [];
    const enableInParent = (): void => {
      const enabled = subtreeControl(this.io, this.parent);
      const lacking = this.layout.controllers.filter((c) => !enabled.includes(c));
      if (lacking.length === 0) return;
      const file = path.join(this.parent, 'cgroup.subtree_control');
      writes.push(writeFile(this.io, file, lacking.map((c) => `+${c}`).join(' ')));
    };
    const made = makeCgroup(this.io, this.parent, this.dir, enableInParent);
    try {
      const plan = planV2(wanted, {
        // memory.swap.max exists only with swap accounting (CONFIG_MEMCG_SWAP).
        swap: this.has('memory') && this.io.exists(path.join(this.dir, 'memory.swap.max')),
        cpuMax: this.has('cpu') ? readIfExists(this.io, path.join(this.dir, 'cpu.max')) : undefined,
      });
      for (const w of plan) writes.push(writeFile(this.io, path.join(this.dir, w.file), w.value));
      return writes;
    } catch (e) {
      removeMade(this.io, made);
      throw e;
    }
  }

  usage(): CgroupUsage {
    const number = (file: string): number => parseNumber(this.text(file), file);
    const limit = (file: string): number | undefined => parseLimit(this.text(file), file);
    const peak = readIfExists(this.io, path.join(this.dir, 'memory.peak')); // Linux >= 5.19
    // cpu.stat's usage_usec is there without the cpu controller: the core accounts it for every cgroup.
    const usageUsec = parseKeyed(this.text('cpu.stat')).get('usage_usec') ?? 0;
    let quota: number | undefined;
    let period: number | undefined;
    if (this.has('cpu')) {
      const [q, p] = this.text('cpu.max').trim().split(/\s+/);
      quota = parseLimit(q ?? 'max', 'cpu.max');
      period = p !== undefined ? parseNumber(p, 'cpu.max') : undefined;
    }
    return {
      memory: this.has('memory')
        ? { usage: number('memory.current'), limit: limit('memory.max'), peak: peak !== undefined ? parseNumber(peak, 'memory.peak') : undefined }
        : { usage: 0 },
      cpu: { usageNs: usageUsec * 1000, quota, period },
      // Without the pids controller, count the processes (pids.current would count threads too).
      pids: this.has('pids') ? { current: number('pids.current'), limit: limit('pids.max') } : { current: this.pids().length },
      oomKills: this.oomKills(),
    };
  }

  oomKills(): number {
    if (!this.has('memory')) return 0;
    // memory.events counts for this cgroup and its descendants; a container has none of its own.
    return parseKeyed(this.text('memory.events')).get('oom_kill') ?? 0;
  }
}
