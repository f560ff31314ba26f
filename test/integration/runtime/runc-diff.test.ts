// The same container run by Skiff and by runc from the OCI bundle Skiff exports: the same
// namespaces, mounts, hostname, devices, capabilities and limits. runc is the reference
// implementation of the runtime-spec (Debian package runc).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerService } from '../../../src/engine/containers/service.ts';
import { buildInit, canRunContainers, containerEngine, needsRoot, removeCgroupParent, type TestEngine } from '../../helpers/runtime.ts';

const haveRunc = spawnSync('runc', ['--version']).status === 0;

const PROBE = [
  'hostname',
  'id -u',
  'grep -E "^(CapBnd|NoNewPrivs)" /proc/self/status | tr -s "\\t" " "',
  'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max',
  'ls /dev | grep -v -e "^pts$" -e "^shm$" -e "^mqueue$" | tr "\\n" " "; echo',
  'awk \'{print $5}\' /proc/self/mountinfo | grep -v "^/sys/fs/cgroup/" | sort | tr "\\n" " "; echo',
  'for n in pid mnt uts ipc net; do readlink /proc/self/ns/$n; done',
].join('; ');

describe.skipIf(!canRunContainers || !haveRunc)(`Skiff beside runc (${needsRoot}, and runc)`, () => {
  let init: Awaited<ReturnType<typeof buildInit>>;
  let t: TestEngine;
  let c: ContainerService;
  let bundle: string;
  beforeAll(async () => {
    init = await buildInit();
    t = await containerEngine(init.script);
    c = await t.engine.containers();
    bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bundle-'));
  });
  afterAll(async () => {
    await t?.dispose();
    init?.dispose();
    fs.rmSync(bundle, { recursive: true, force: true });
    if (t) expect(removeCgroupParent(t.cgroupParent)).toEqual([]);
  });

  it('exports a bundle that runc runs to the same view of the world', async () => {
    const { Id } = await c.create({ Image: 'busybox', Cmd: ['sh', '-c', PROBE], Hostname: 'twin', HostConfig: { Memory: 48 << 20, PidsLimit: 30 } });
    await c.start(Id);
    await c.wait(Id);
    let skiff = '';
    for await (const e of c.logs(Id, {})) skiff += e.log;

    const runcId = `skiff-diff-${path.basename(bundle).slice(-6).toLowerCase()}`;
    const spec = await c.exportBundle(Id, path.join(bundle, 'b'), { cgroupsPath: `${t.cgroupParent}/${runcId}` });
    expect(spec.linux.resources).toEqual({ memory: { limit: 48 << 20 }, pids: { limit: 30 } });
    let runc: string;
    try {
      runc = execFileSync('runc', ['run', '--bundle', path.join(bundle, 'b'), runcId], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    } finally {
      spawnSync('runc', ['delete', '--force', runcId]);
    }
    const a = skiff.trim().split('\n');
    const b = runc.trim().split('\n');
    // hostname, uid, capabilities + no_new_privs, limits, devices, mounts: line for line
    expect(a.slice(0, 8)).toEqual(b.slice(0, 8));
    expect(a[0]).toBe('twin');
    expect(a.slice(4, 6)).toEqual([String(48 << 20), '30']);
    expect(a[7]).toContain('/proc/sys'); // a read-only path, mounted over itself
    // Both have all five namespaces of their own: none equals the host's, nor the other's.
    const host = ['pid', 'mnt', 'uts', 'ipc', 'net'].map((n) => fs.readlinkSync(`/proc/self/ns/${n}`));
    for (const [i, h] of host.entries()) {
      expect(a[8 + i]).not.toBe(h);
      expect(b[8 + i]).not.toBe(h);
      expect(a[8 + i]?.split(':')[0]).toBe(b[8 + i]?.split(':')[0]);
    }
  });
});
