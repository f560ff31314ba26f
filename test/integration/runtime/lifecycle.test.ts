// A container's life beyond one run: restart keeps its writable layer; a second engine on the same
// data root (a restarted engine, another skiff command) finds running containers and their exit
// codes; rm leaves nothing; the image settings and run options reach the process; the vfs driver
// and the warm init pool make the same containers; an image in use survives rmi.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import type { ContainerService } from '../../../src/engine/containers/service.ts';
import { buildInit, canRunContainers, cgroupsLeft, containerEngine, containerSuite, needsRoot, type TestEngine } from '../../helpers/runtime.ts';

async function logsOf(c: ContainerService, id: string): Promise<string> {
  let s = '';
  for await (const e of c.logs(id, {})) s += e.log;
  return s;
}

describe.skipIf(!canRunContainers)(`container lifecycle (${needsRoot})`, () => {
  const s = containerSuite();
  let t: TestEngine;
  let c: ContainerService;
  beforeAll(() => {
    t = s.t;
    c = s.rt.containers;
  });

  it('restart keeps the files of the writable layer and counts restarts', async () => {
    const { Id } = await c.create({ Image: 'busybox', Cmd: ['sh', '-c', 'echo run >> /count; wc -l < /count; sleep 30'] });
    await c.start(Id);
    await c.restart(Id, 0);
    for (let i = 0; i < 50 && !(await logsOf(c, Id)).includes('2'); i++) await new Promise((r) => setTimeout(r, 50));
    expect((await logsOf(c, Id)).split('\n').filter(Boolean)).toEqual(['1', '2']);
    expect((await c.inspect(Id)).RestartCount).toBe(1);
    await c.remove(Id, { force: true });
  });

  it('a second engine on the same data root finds a running container, its output and its exit code', async () => {
    const { Id } = await c.create({ Image: 'busybox', Cmd: ['sh', '-c', 'echo before; sleep 0.8; echo after; exit 7'] });
    await c.start(Id);
    await t.engine.close(); // the first engine lets go: the container keeps running
    const other = await Engine.open(t.root, { initScript: s.initScript, cgroupParent: t.cgroupParent });
    try {
      const c2 = await other.containers();
      expect((await c2.inspect(Id)).State.Status).toBe('running');
      expect((await c2.wait(Id)).StatusCode).toBe(7);
      expect(await logsOf(c2, Id)).toBe('before\nafter\n');
      expect((await c2.inspect(Id)).State).toMatchObject({ Status: 'exited', ExitCode: 7 });
      await c2.remove(Id);
    } finally {
      await other.close();
    }
    t.engine = await Engine.open(t.root, { initScript: s.initScript, cgroupParent: t.cgroupParent });
    t.engine.events.on((e) => t.events.push(e));
    c = await t.engine.containers();
  });

  it('rm removes the writable layer, the cgroup and the container directory', async () => {
    const { Id } = await c.create({ Image: 'busybox', Cmd: ['sleep', '30'], HostConfig: { Memory: 32 << 20 } });
    await c.start(Id);
    await expect(c.remove(Id)).rejects.toThrow(/container is running/);
    await c.remove(Id, { force: true });
    expect(fs.existsSync(`${t.root}/containers/${Id}`)).toBe(false);
    expect(fs.existsSync(`${t.root}/snapshots/${Id}`)).toBe(false);
    expect(cgroupsLeft(t.cgroupParent)).toEqual([]);
    await expect(c.inspect(Id)).rejects.toThrow(/No such container/);
  });

  it('honours the image config and the run options: env, workdir, user, hostname, read-only root', async () => {
    const { Id } = await c.create({
      Image: 'busybox', Cmd: ['sh', '-c', 'echo $GREETING $HOSTNAME $HOME; pwd; id -u; id -g; touch /x 2>&1 | head -1'],
      Env: ['GREETING=hi'], WorkingDir: '/made/for/you', User: '65534:65534', Hostname: 'box1', HostConfig: { ReadonlyRootfs: true },
    });
    await c.start(Id);
    await c.wait(Id);
    const [greet, pwd, uid, gid, touch] = (await logsOf(c, Id)).split('\n');
    expect(greet).toBe('hi box1 /nonexistent'); // HOME from the image's passwd entry for 65534 (nobody)
    expect(pwd).toBe('/made/for/you');
    expect([uid, gid]).toEqual(['65534', '65534']);
    expect(touch).toMatch(/Read-only file system|Permission denied/);
    const { Id: named } = await c.create({ Image: 'busybox', Cmd: ['id'], User: 'nobody' });
    await c.start(named);
    await c.wait(named);
    expect(await logsOf(c, named)).toMatch(/^uid=65534\(nobody\)/);
    const { Id: ghost } = await c.create({ Image: 'busybox', Cmd: ['id'], User: 'ghost' });
    await expect(c.start(ghost)).rejects.toThrow(/unable to find user ghost/);
  });

  it('shares the host network with --network host, and has only lo otherwise', async () => {
    const { Id } = await c.create({ Image: 'busybox', Cmd: ['sh', '-c', 'ls /sys/class/net | sort | tr "\\n" " "'] });
    await c.start(Id);
    await c.wait(Id);
    expect((await logsOf(c, Id)).trim()).toBe('lo');
    const { Id: host } = await c.create({ Image: 'busybox', Cmd: ['sh', '-c', 'ls /sys/class/net | sort | tr "\\n" " "'], HostConfig: { NetworkMode: 'host' } });
    await c.start(host);
    await c.wait(host);
    expect((await logsOf(c, host)).trim()).toBe(fs.readdirSync('/sys/class/net').sort().join(' '));
    const ns = t.events.filter((e) => e.type === 'runtime.namespace' && e.id === host && e.ns === 'net');
    expect(ns.at(-1)).toMatchObject({ mode: 'host' });
  });

  it('keeps an image that a container uses: rmi refuses, rmi -f leaves it dangling', async () => {
    await t.engine.images.tag('busybox', 'inuse:1');
    const { Id } = await c.create({ Image: 'inuse:1', Cmd: ['true'] });
    await t.engine.images.remove('busybox'); // another name remains: only untagged
    await expect(t.engine.images.remove('inuse:1')).rejects.toThrow(/is using its referenced image/);
    await t.engine.images.remove('inuse:1', { force: true });
    await c.start(Id); // its layers are still there
    expect((await c.wait(Id)).StatusCode).toBe(0);
    expect((await t.engine.images.list()).map((i) => i.repoTags)).toEqual([[]]); // dangling, kept for its containers
    for (const x of await c.list({ all: true })) await c.remove(x.Id, { force: true });
    await t.engine.images.prune();
    expect(await t.engine.images.list()).toEqual([]);
  });
});

describe.skipIf(!canRunContainers)(`other drivers and the warm pool (${needsRoot})`, () => {
  let init: Awaited<ReturnType<typeof buildInit>>;
  beforeAll(async () => {
    init = await buildInit();
  });
  afterAll(() => init?.dispose());

  it('makes the same container with the copying vfs driver', async () => {
    const t = await containerEngine(init.script, { driver: 'vfs' });
    try {
      const c = await t.engine.containers();
      const { Id } = await c.create({ Image: 'busybox', Cmd: ['sh', '-c', 'echo vfs > /etc/marker; cat /etc/marker'] });
      await c.start(Id);
      await c.wait(Id);
      expect(await logsOf(c, Id)).toBe('vfs\n');
      expect((await c.inspect(Id)).GraphDriver.Name).toBe('vfs');
      expect(await c.changes(Id)).toEqual(expect.arrayContaining([{ kind: 'A', path: '/etc/marker' }]));
    } finally {
      await t.dispose();
    }
  });

  it('starts containers from warm inits, and ends the spare ones on close', async () => {
    const t = await containerEngine(init.script, { poolSize: 1 });
    try {
      const c = await t.engine.containers();
      for (let i = 0; i < 3; i++) {
        const { Id } = await c.create({ Image: 'busybox', Cmd: ['sh', '-c', 'echo $$'] });
        await c.start(Id);
        await c.wait(Id);
        expect(await logsOf(c, Id)).toBe('1\n');
      }
      await t.engine.close();
      await new Promise((r) => setTimeout(r, 200));
      const pool = `${t.root}/runtime/pool`;
      expect(fs.existsSync(pool) ? fs.readdirSync(pool) : []).toEqual([]);
    } finally {
      await t.dispose();
    }
  });
});

describe.skipIf(!canRunContainers)(`after a crash (${needsRoot})`, () => {
  it('an engine that starts removes cgroups and writable layers no container owns, and settles exits', async () => {
    const init = await buildInit();
    const t = await containerEngine(init.script);
    try {
      const rt = await t.engine.runtime();
      // What a start cut short leaves: a cgroup with limits for a container that is not running; a
      // create cut short: a writable layer with no container.
      const { Id: never } = await rt.containers.create({ Image: 'busybox', Cmd: ['true'] });
      rt.cgroups!.create(never).apply({ pidsLimit: 5 });
      rt.cgroups!.create('f'.repeat(64)).apply({ pidsLimit: 5 }); // not ours (another data root's): kept
      await (await import('../../../src/engine/snapshot/snapshotter.ts')).openSnapshotter(t.root, rt.driver).prepare('e'.repeat(64), (await t.engine.images.resolve('busybox')).image.chainIds);
      // A container that ends while no engine is around: the monitor keeps its exit code.
      const { Id } = await rt.containers.create({ Image: 'busybox', Cmd: ['sh', '-c', 'exit 4'] });
      await rt.containers.start(Id);
      await t.engine.close();
      await new Promise((r) => setTimeout(r, 300));
      expect(cgroupsLeft(t.cgroupParent).some((d) => d.endsWith(never))).toBe(true);
      t.engine = await Engine.open(t.root, { initScript: init.script, cgroupParent: t.cgroupParent, reconcileGraceMs: 0 });
      const c2 = await t.engine.containers();
      expect([...new Set(cgroupsLeft(t.cgroupParent).map((d) => path.basename(d)))]).toEqual(['f'.repeat(64)]);
      await rt.cgroups!.create('f'.repeat(64)).destroy();
      expect(fs.existsSync(`${t.root}/snapshots/${'e'.repeat(64)}`)).toBe(false);
      expect((await c2.inspect(Id)).State).toMatchObject({ Status: 'exited', ExitCode: 4 });
    } finally {
      await t.dispose();
      init.dispose();
    }
  });
});
