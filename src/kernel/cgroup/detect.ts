// Which cgroup version this host runs, and where the engine's own cgroup is in each hierarchy.
//
// Two files say it all:
//   /proc/self/mountinfo  every mount: cgroup v1 hierarchies (fstype "cgroup", the controllers in
//                         the super options, e.g. "rw,cpu,cpuacct") and the v2 one ("cgroup2").
//   /proc/self/cgroup     "hierarchy-ID:controllers:path" per hierarchy; v2 is "0::path".
// The three shapes a host can have (see systemd's docs on cgroup modes):
//   unified  only cgroup2, which has the controllers                  → v2
//   hybrid   v1 hierarchies with the controllers, plus a cgroup2 mount
//            (/sys/fs/cgroup/unified) that has none                    → v1
//   legacy   v1 hierarchies only                                       → v1
import path from 'node:path';
import { SkiffError } from '../../engine/errors.ts';

/** The controllers Skiff limits or measures containers with. v2 has no cpuacct: cpu.stat counts. */
export const V1_CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'pids'] as const;
export const V2_CONTROLLERS = ['memory', 'cpu', 'pids'] as const;

export interface MountInfoEntry {
  /** Field 4: the directory of the file system that is the root of this mount. For a cgroup file
   *  system mounted inside a cgroup namespace (or bind-mounted from below), not "/". */
  root: string;
  mountPoint: string;
  fsType: string;
  /** The file system's own options; for cgroup v1 they name the controllers. */
  superOptions: string[];
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040 ...), see proc(5). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountInfo(text: string): MountInfoEntry[] {
  const entries: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    // ID parentID major:minor root mountpoint options [optional fields...] - fstype source superoptions
    const fields = line.split(' ');
    const dash = fields.indexOf('-', 6);
    if (dash < 0 || fields.length < dash + 4) continue;
    entries.push({
      root: unescape(fields[3]!),
      mountPoint: unescape(fields[4]!),
      fsType: fields[dash + 1]!,
      superOptions: fields[dash + 3]!.split(','),
    });
  }
  return entries;
}

export interface ProcCgroupEntry {
  hierarchyId: number;
  /** Empty for the v2 line; "name=systemd" for a named v1 hierarchy without controllers. */
  controllers: string[];
  path: string;
}

export function parseProcCgroup(text: string): ProcCgroupEntry[] {
  const entries: ProcCgroupEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    entries.push({ hierarchyId: Number(m[1]), controllers: m[2] ? m[2].split(',') : [], path: m[3]! });
  }
  return entries;
}

/**
 * The directory of a cgroup seen through a mount of its hierarchy. The mount shows the hierarchy
 * from its root (mountinfo field 4) down, so the cgroup's path is taken relative to that root:
 * with root "/docker/abc" mounted on /sys/fs/cgroup/memory, cgroup /docker/abc/x is .../memory/x.
 * Undefined when the cgroup is not below the mount's root (that mount cannot reach it).
 */
export function cgroupDirThroughMount(mount: MountInfoEntry, cgroupPath: string): string | undefined {
  const rel = path.posix.relative(mount.root, cgroupPath);
  if (rel === '..' || rel.startsWith('../') || path.posix.isAbsolute(rel)) return undefined;
  return rel ? path.join(mount.mountPoint, rel) : mount.mountPoint;
}

export interface V1Hierarchy {
  /** The wanted controllers this hierarchy carries: ["cpu", "cpuacct"] when they are co-mounted. */
  controllers: string[];
  /** The engine's own cgroup in it. */
  ownDir: string;
}

export type CgroupLayout =
  | { version: 1; hierarchies: V1Hierarchy[] }
  | {
      version: 2;
      mountPoint: string;
      ownDir: string;
      /** The wanted controllers the hierarchy's root offers (cgroup.controllers at the mount). */
      controllers: string[];
    };

function notReachable(what: string, cgroupPath: string, mount: MountInfoEntry): SkiffError {
  return new SkiffError(
    'CGROUP',
    `the engine's ${what} cgroup ${cgroupPath} is outside the cgroup mount at ${mount.mountPoint} (whose root is ${mount.root})`,
    'mount the cgroup file system so that it shows the cgroup the engine runs in',
  );
}

/**
 * Decides the version and finds the engine's own cgroup directories. `rootControllers` reads the
 * cgroup.controllers file at a cgroup2 mount point (the controllers its root offers).
 */
export function detectLayout(
  mountinfo: string,
  selfCgroup: string,
  rootControllers: (mountPoint: string) => string[],
): CgroupLayout {
  const mounts = parseMountInfo(mountinfo);
  const own = parseProcCgroup(selfCgroup);
  const v1Mounts = mounts.filter((m) => m.fsType === 'cgroup');
  const v1Carries = (c: string): boolean => v1Mounts.some((m) => m.superOptions.includes(c));

  // v2 only when no v1 hierarchy holds a controller we use: a controller can be bound to one
  // hierarchy at a time, and in hybrid mode the v1 ones have them all.
  const v2Line = own.find((e) => e.hierarchyId === 0);
  if (v2Line && !V1_CONTROLLERS.some(v1Carries)) {
    for (const mount of mounts.filter((m) => m.fsType === 'cgroup2')) {
      const offered = rootControllers(mount.mountPoint);
      const controllers = V2_CONTROLLERS.filter((c) => offered.includes(c));
      if (controllers.length === 0) continue;
      const ownDir = cgroupDirThroughMount(mount, v2Line.path);
      if (ownDir === undefined) throw notReachable('v2', v2Line.path, mount);
      return { version: 2, mountPoint: mount.mountPoint, ownDir, controllers };
    }
  }

  const hierarchies: V1Hierarchy[] = [];
  for (const controller of V1_CONTROLLERS) {
    if (hierarchies.some((h) => h.controllers.includes(controller))) continue; // co-mounted, done
    const line = own.find((e) => e.controllers.includes(controller));
    const candidates = v1Mounts.filter((m) => m.superOptions.includes(controller));
    if (!line || candidates.length === 0) continue; // this host lacks it
    // The same hierarchy may be mounted more than once (bind mounts); use one that reaches us.
    const mount = candidates.find((m) => cgroupDirThroughMount(m, line.path) !== undefined);
    if (!mount) throw notReachable(controller, line.path, candidates[0]!);
    hierarchies.push({
      controllers: V1_CONTROLLERS.filter((c) => mount.superOptions.includes(c)),
      ownDir: cgroupDirThroughMount(mount, line.path)!,
    });
  }
  if (hierarchies.length === 0) {
    throw new SkiffError(
      'UNSUPPORTED',
      'this host has no cgroup file system with the memory, cpu or pids controller mounted',
      'mount cgroup2 on /sys/fs/cgroup (or the v1 controllers below it), as systemd does at boot',
    );
  }
  return { version: 1, hierarchies };
}
