// Volumes in real containers: data outlives the container, a new volume is seeded from the image
// (Docker's copy-up), bind mounts can be read-only, an image's VOLUME gets an anonymous volume
// that `rm -v` removes, and tmpfs mounts are memory only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerService } from '../../../src/engine/containers/service.ts';
import { collectBaseRootfs, tarOf } from '../../../src/engine/image/base.ts';
import { importImage } from '../../../src/engine/image/import.ts';
import { canRunContainers, containerSuite, needsRoot, type TestEngine } from '../../helpers/runtime.ts';

describe.skipIf(!canRunContainers)(`volumes in containers (${needsRoot})`, () => {
  const s = containerSuite();
  let t: TestEngine;
  let c: ContainerService;
  beforeAll(() => {
    t = s.t;
    c = s.rt.containers;
  });

  async function run(cmd: string, hostConfig: Record<string, unknown> = {}, image = 'busybox'): Promise<{ id: string; code: number; out: string }> {
    const { Id } = await c.create({ Image: image, Cmd: ['sh', '-c', cmd], HostConfig: hostConfig });
    await c.start(Id);
    const code = (await c.wait(Id)).StatusCode;
    let out = '';
    for await (const e of c.logs(Id, {})) out += e.log;
    return { id: Id, code, out };
  }

  it('keeps a named volume\'s data after the container is removed', async () => {
    const a = await run('echo kept > /data/file', { Binds: ['notes:/data'] });
    expect(a.code).toBe(0);
    await c.remove(a.id);
    const b = await run('cat /data/file', { Binds: ['notes:/data'] });
    expect(b.out).toBe('kept\n');
    expect(fs.readFileSync(path.join(t.engine.volumes.mountpoint('notes'), 'file'), 'utf8')).toBe('kept\n');
    await expect(t.engine.volumes.remove('notes')).rejects.toThrow(/volume is in use/);
    await c.remove(b.id);
    await t.engine.volumes.remove('notes');
  });

  it('seeds a new volume with what the image has at that path (copy-up)', async () => {
    const r = await run('ls /bin | grep -c . ; touch /bin/extra', { Binds: ['tools:/bin'] });
    expect(Number(r.out.trim())).toBeGreaterThan(50); // busybox's applets, copied into the volume
    expect(fs.existsSync(path.join(t.engine.volumes.mountpoint('tools'), 'busybox'))).toBe(true);
    expect(fs.existsSync(path.join(t.engine.volumes.mountpoint('tools'), 'extra'))).toBe(true);
    await c.remove(r.id);
  });

  it('binds a host directory, read-only when asked', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bind-'));
    try {
      fs.writeFileSync(path.join(dir, 'in'), 'from the host\n');
      const rw = await run('cat /host/in; echo back > /host/out', { Binds: [`${dir}:/host`] });
      expect(rw.out).toBe('from the host\n');
      expect(fs.readFileSync(path.join(dir, 'out'), 'utf8')).toBe('back\n');
      const ro = await run('echo no > /host/nope', { Binds: [`${dir}:/host:ro`] });
      expect(ro.code).not.toBe(0);
      expect(ro.out).toMatch(/Read-only file system/);
      expect(fs.existsSync(path.join(dir, 'nope'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives an image VOLUME an anonymous volume seeded from the image, removed by rm -v', async () => {
    // busybox plus /srv/seed, with VOLUME /srv in its config (as a Dockerfile's VOLUME would make).
    const rootfs = collectBaseRootfs();
    const entries = [...rootfs.entries, { name: 'srv/', type: 'directory' as const, mode: 0o755 }, { name: 'srv/seed', data: Buffer.from('seed\n'), mode: 0o644 }];
    await importImage(t.engine.store, tarOf(entries), 'withvol:1', { config: { Cmd: ['/bin/sh'], Volumes: { '/srv': {} } } });
    const r = await run('cat /srv/seed; echo more > /srv/added', {}, 'withvol:1');
    expect(r.out).toBe('seed\n');
    const info = await c.inspect(r.id);
    const anon = info.Mounts.find((m) => m.Destination === '/srv');
    expect(anon).toMatchObject({ Type: 'volume', RW: true });
    expect(fs.readFileSync(path.join(anon!.Source, 'added'), 'utf8')).toBe('more\n');
    await c.remove(r.id, { volumes: true });
    expect(fs.existsSync(anon!.Source)).toBe(false);
    expect((await t.engine.volumes.list()).map((v) => v.Name)).not.toContain(anon!.Name);
  });

  it('mounts tmpfs where asked (nothing reaches the disk)', async () => {
    const r = await run('echo x > /scratch/f; grep " /scratch " /proc/mounts', { Mounts: [{ Type: 'tmpfs', Target: '/scratch' }] });
    expect(r.out).toMatch(/^tmpfs \/scratch tmpfs /);
  });
});
