// Making, joining, listing and removing cgroup directories: the same for v1 and v2.
// A cgroup is a directory: mkdir(2) makes one (the kernel adds its control files), writing a PID to
// its cgroup.procs moves that process (all its threads) in, rmdir(2) removes it once no process is
// left in it. See Documentation/admin-guide/cgroup-v2.rst, "Basic Operations".
import { setTimeout as sleep } from 'node:timers/promises';
import { SkiffError } from '../../engine/errors.ts';
import { cgroupError, errnoCode, writeFile, type CgroupIO } from './io.ts';
import { parsePids } from './read.ts';
import type { CgroupWrite } from './types.ts';

/** Container IDs and the parent's name are single path components we create. */
export function checkCgroupName(name: string, what: string): void {
  if (!name || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || name.length > 255) {
    throw new SkiffError('USAGE', `invalid ${what} ${JSON.stringify(name)} for a cgroup directory`, 'use letters, digits, "-", "_" and "."');
  }
}

/** mkdir unless it exists; says whether it made it (so a failed apply removes only what it made). */
export function ensureDir(io: CgroupIO, dir: string): boolean {
  if (io.exists(dir)) return false;
  try {
    io.mkdir(dir);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return false; // made meanwhile (another container's start)
    throw cgroupError(e, 'make cgroup', dir);
  }
}

/**
 * Makes `<parent>/<name>`: the parent when missing (then `prepareParent` runs, e.g. v2's
 * subtree_control write), then the container's directory. Returns the directories it made. Another
 * container's destroy() may remove an empty parent between the two steps; then this tries again.
 */
export function makeCgroup(io: CgroupIO, parent: string, dir: string, prepareParent: () => void = () => {}): string[] {
  for (let attempt = 0; ; attempt++) {
    const made: string[] = [];
    if (ensureDir(io, parent)) made.push(parent);
    try {
      prepareParent();
      if (ensureDir(io, dir)) made.push(dir);
      return made;
    } catch (e) {
      const enoent = errnoCode((e as Error).cause) === 'ENOENT' && !io.exists(parent);
      if (!enoent || attempt > 0) {
        removeMade(io, made);
        throw e;
      }
    }
  }
}

/** Undoes the directories a failed apply made, newest first; the apply's own error is what counts. */
export function removeMade(io: CgroupIO, made: string[]): void {
  for (const dir of [...made].reverse()) {
    try {
      io.rmdir(dir);
    } catch {
      // Best effort: a parent another container now uses is ENOTEMPTY, and that is right.
    }
  }
}

export function joinProcess(io: CgroupIO, procsFiles: readonly string[], pid: number): CgroupWrite[] {
  if (!Number.isSafeInteger(pid) || pid < 0) throw new SkiffError('USAGE', `invalid process ID ${pid}`);
  return procsFiles.map((f) => writeFile(io, f, String(pid)));
}

/** The PIDs in any of the cgroup.procs files (they agree unless a process is being moved). */
export function readPids(io: CgroupIO, procsFiles: readonly string[]): number[] {
  const pids = new Set<number>();
  for (const f of procsFiles) {
    try {
      for (const pid of parsePids(io.read(f))) pids.add(pid);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw cgroupError(e, 'read', f);
    }
  }
  return [...pids].sort((a, b) => a - b);
}

/** The container cgroups below the parents (union over v1 hierarchies). */
export function listChildren(io: CgroupIO, parents: readonly string[]): string[] {
  const names = new Set<string>();
  for (const p of parents) {
    try {
      for (const n of io.subdirs(p)) names.add(n);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw cgroupError(e, 'list', p);
    }
  }
  return [...names].sort();
}

/** How long destroy() waits for exiting processes to leave: the kernel drops a task from its
 *  cgroup in the last steps of exit(2), a moment after a SIGKILL has been delivered. */
const BUSY_WAIT_MS = 1000;
const BUSY_STEP_MS = 20;

async function rmdirPatiently(io: CgroupIO, dir: string): Promise<void> {
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (;;) {
    try {
      io.rmdir(dir);
      return;
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() >= deadline) throw cgroupError(e, 'remove cgroup', dir);
    }
    await sleep(BUSY_STEP_MS);
  }
}

/**
 * Removes each directory (all are tried; the first failure is thrown afterwards), then each parent
 * that became empty. A parent still holding other containers stays.
 */
export async function removeDirs(io: CgroupIO, dirs: readonly string[], parents: readonly string[]): Promise<void> {
  let failure: unknown;
  for (const dir of dirs) {
    try {
      await rmdirPatiently(io, dir);
    } catch (e) {
      failure ??= e;
    }
  }
  for (const parent of parents) {
    try {
      io.rmdir(parent);
    } catch (e) {
      const code = errnoCode(e);
      if (code !== 'ENOTEMPTY' && code !== 'EBUSY' && code !== 'ENOENT') failure ??= cgroupError(e, 'remove cgroup', parent);
    }
  }
  if (failure) throw failure;
}
