// Container cgroups on this host: finds the cgroup version and the engine's own cgroup, and returns
// the manager (v1 or v2) that makes container cgroups below it.
import path from 'node:path';
import { detectLayout } from './detect.ts';
import { nodeCgroupIO, readFile, type CgroupIO } from './io.ts';
import { checkCgroupName } from './lifecycle.ts';
import type { CgroupManager } from './types.ts';
import { V1CgroupManager } from './v1.ts';
import { V2CgroupManager } from './v2.ts';

export type { CgroupLimits, CgroupManager, CgroupUsage, CgroupWrite, ContainerCgroup } from './types.ts';
export type { CgroupIO } from './io.ts';
export { cpuSharesToWeight, MIN_MEMORY } from './limits.ts';

export interface DetectCgroupsOptions {
  /** Default /proc/self/mountinfo. */
  mountinfo?: string;
  /** Default /proc/self/cgroup. */
  selfCgroup?: string;
  /** The directory below the engine's own cgroup that holds the containers' cgroups; default "skiff". */
  parentName?: string;
  /** The file operations; tests pass one that behaves like the kernel over a temporary tree. */
  io?: CgroupIO;
}

export function detectCgroups(opts: DetectCgroupsOptions = {}): CgroupManager {
  const io = opts.io ?? nodeCgroupIO;
  const parentName = opts.parentName ?? 'skiff';
  checkCgroupName(parentName, 'cgroup parent name');
  const layout = detectLayout(
    readFile(io, opts.mountinfo ?? '/proc/self/mountinfo'),
    readFile(io, opts.selfCgroup ?? '/proc/self/cgroup'),
    (mountPoint) => {
      const file = path.join(mountPoint, 'cgroup.controllers');
      return io.exists(file) ? readFile(io, file).trim().split(/\s+/).filter(Boolean) : [];
    },
  );
  return layout.version === 1
    ? new V1CgroupManager(layout.hierarchies, parentName, io)
    : new V2CgroupManager(layout, parentName, io);
}
