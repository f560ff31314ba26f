// The plan meets the kernel: what resolveMounts returns really mounts, in a private mount
// namespace (util-linux unshare) so the host's mount table is never touched. The point learners
// see: a file written through the mount lives in the volume after the "container" is gone, and a
// read-only bind refuses writes (EROFS).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/engine/events.ts';
import { VolumeService } from '../../../src/engine/volumes/service.ts';
import { parseMountFlags } from '../../../src/engine/volumes/spec.ts';
import { isRoot } from '../../helpers/world.ts';

let root: string;
let svc: VolumeService;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'skiff-volumes-mount-'));
  svc = new VolumeService(path.join(root, 'data'), new EventBus(), async () => new Map());
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Runs a shell script in a new mount namespace whose mounts vanish when it exits. */
function inMountNamespace(script: string): { code: number; out: string; err: string } {
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-ec', script], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe.skipIf(!isRoot)('planned mounts on a real kernel (needs root: mount(2) in a new mount namespace)', () => {
  it('keeps what a container wrote in its volume, and a read-only bind refuses writes', async () => {
    const hostDir = path.join(root, 'site');
    await fs.mkdir(hostDir);
    await fs.writeFile(path.join(hostDir, 'index.html'), 'hello\n');
    const planned = await svc.resolveMounts(parseMountFlags({ volumes: ['notes:/notes', `${hostDir}:/www:ro`] }), []);
    const rootfs = path.join(root, 'rootfs');
    const lines = planned.map((p) => {
      const target = path.join(rootfs, p.destination);
      return `mkdir -p ${target}; mount --bind ${p.source} ${target}${p.readOnly ? `; mount -o remount,bind,ro ${target}` : ''}`;
    });
    const r = inMountNamespace([
      ...lines,
      `echo written-inside > ${rootfs}/notes/today`,
      `cat ${rootfs}/www/index.html`,
      `if touch ${rootfs}/www/new 2>/dev/null; then echo WRITABLE; else echo read-only; fi`,
    ].join('\n'));
    expect(r.err).toBe('');
    expect(r.out).toBe('hello\nread-only\n');
    // The namespace is gone and nothing is mounted any more; the volume kept the file.
    expect(await fs.readdir(path.join(rootfs, 'notes'))).toEqual([]);
    expect(await fs.readFile(path.join(svc.mountpoint('notes'), 'today'), 'utf8')).toBe('written-inside\n');
    expect(await fs.readdir(hostDir)).toEqual(['index.html']);
  });
});
