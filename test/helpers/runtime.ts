// Containers in tests: the init built from the TypeScript sources (as scripts/build.mjs builds
// dist/init.js), a temp data root with the offline busybox image, a cgroup parent of the test's
// own, and a check that nothing is left behind: no mounts, no cgroups, no processes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { Engine, type Runtime, type RuntimeOptions } from '../../src/engine/engine.ts';
import type { EngineEvent } from '../../src/engine/events.ts';
import { buildBaseImage } from '../../src/engine/image/base.ts';
import { bundleForTest } from './worker-build.ts';

export const isRoot = process.getuid?.() === 0;
export const haveUnshare = (() => {
  try {
    execFileSync('unshare', ['--version'], { stdio: 'ignore' });
    execFileSync('nsenter', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
export const canRunContainers = isRoot && haveUnshare && fs.existsSync('/bin/busybox');
export const needsRoot = 'needs root, util-linux unshare/nsenter and busybox-static';

/** The container init, built from the sources as dist/init.js is. */
export function buildInit(): Promise<{ script: string; dispose(): void }> {
  return bundleForTest('src/engine/runtime/init/main.ts', 'init');
}

export interface TestEngine {
  engine: Engine;
  root: string;
  events: EngineEvent[];
  cgroupParent: string;
  dispose(): Promise<void>;
}

/** A fresh engine with busybox:latest, its containers' cgroups under a parent of its own. */
export async function containerEngine(initScript: string, opts: RuntimeOptions = {}): Promise<TestEngine> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-rt-'));
  const cgroupParent = `skiff-test-${path.basename(root).slice(-6)}`;
  const engine = await Engine.open(root, { initScript, cgroupParent, ...opts });
  const events: EngineEvent[] = [];
  engine.events.on((e) => events.push(e));
  await buildBaseImage(engine.store, 'busybox:latest');
  return {
    engine, root, events, cgroupParent,
    async dispose() {
      const rt = await engine.runtime().catch(() => undefined);
      if (rt) {
        for (const c of await rt.containers.list({ all: true })) await rt.containers.remove(c.Id, { force: true, volumes: true }).catch(() => {});
      }
      await engine.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Mount points under a directory, from /proc/self/mountinfo (the host's view). */
export function mountsUnder(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(dir));
}

/** Where a /proc/self/cgroup line's hierarchy is mounted: v1 per controller, v2 (hybrid or unified). */
function hierarchyMount(ctrls: string | undefined): string {
  if (ctrls) return `/sys/fs/cgroup/${ctrls.replace(/^name=/, '')}`;
  return fs.existsSync('/sys/fs/cgroup/unified') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup';
}

/** Container cgroup directories left under a test's parent, in every v1 hierarchy or v2. */
export function cgroupsLeft(parent: string): string[] {
  const out: string[] = [];
  const self = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter(Boolean);
  for (const line of self) {
    const [, ctrls, p] = line.split(':');
    const dir = path.join(hierarchyMount(ctrls), p ?? '', parent);
    if (fs.existsSync(dir)) out.push(...fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name)));
  }
  return out;
}

/**
 * Removes a test's cgroup parent directory in every hierarchy this process is in, once empty:
 * runc makes its container's cgroup in all of them (blkio, devices, freezer...) and removes only
 * the leaf. Returns the directories that could not be removed.
 */
export function removeCgroupParent(parent: string): string[] {
  const kept: string[] = [];
  for (const line of fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter(Boolean)) {
    const [, ctrls, p] = line.split(':');
    const dir = path.join(hierarchyMount(ctrls), p ?? '', parent);
    if (!fs.existsSync(dir)) continue;
    try {
      fs.rmdirSync(dir);
    } catch {
      kept.push(dir);
    }
  }
  return kept;
}

/** Processes whose command line names a path under `dir` (monitors, inits): none may outlive a test. */
export function processesUsing(dir: string): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(dir)) out.push(`${pid}: ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export interface ContainerSuite {
  readonly initScript: string;
  readonly t: TestEngine;
  readonly rt: Runtime;
}

/**
 * For a describe block: an engine with busybox:latest before its tests; after them every container
 * removed and nothing left behind — no mounts under the data root, no cgroups, no processes.
 */
export function containerSuite(opts: RuntimeOptions = {}): ContainerSuite {
  let init: Awaited<ReturnType<typeof buildInit>> | undefined;
  let t: TestEngine | undefined;
  let rt: Runtime | undefined;
  beforeAll(async () => {
    init = await buildInit();
    t = await containerEngine(init.script, opts);
    rt = await t.engine.runtime();
  }, 120_000);
  afterAll(async () => {
    await t?.dispose();
    init?.dispose();
    if (!t) return;
    expect(mountsUnder(t.root)).toEqual([]);
    expect(cgroupsLeft(t.cgroupParent)).toEqual([]);
    expect(processesUsing(t.root)).toEqual([]);
    expect(removeCgroupParent(t.cgroupParent)).toEqual([]);
  }, 60_000);
  return {
    get initScript() {
      return init!.script;
    },
    get t() {
      return t!;
    },
    get rt() {
      return rt!;
    },
  };
}
