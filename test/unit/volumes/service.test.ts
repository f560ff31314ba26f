import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSkiffError, type SkiffError } from '../../../src/engine/errors.ts';
import { type EngineEvent, EventBus } from '../../../src/engine/events.ts';
import { VolumeService } from '../../../src/engine/volumes/service.ts';
import { parseMountFlags } from '../../../src/engine/volumes/spec.ts';

let root: string;
let events: EngineEvent[];
let users: Map<string, string[]>;
let svc: VolumeService;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'skiff-volumes-'));
  events = [];
  users = new Map();
  const bus = new EventBus();
  bus.on((e) => events.push(e));
  svc = new VolumeService(root, bus, async () => users);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function rejection(p: Promise<unknown>): Promise<SkiffError> {
  try {
    await p;
  } catch (e) {
    if (isSkiffError(e)) return e;
    throw e;
  }
  throw new Error('expected a SkiffError');
}

const volumeDirs = async () => (await fs.readdir(path.join(root, 'volumes'))).sort();

describe('create, inspect, list', () => {
  it('lays a named volume out as <root>/volumes/<name>/{_data,volume.json} and shows it as Docker does', async () => {
    const view = await svc.create('web-data', { labels: { env: 'dev' } });
    expect(view).toEqual({
      CreatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      Driver: 'local',
      Labels: { env: 'dev' },
      Mountpoint: path.join(root, 'volumes', 'web-data', '_data'),
      Name: 'web-data',
      Options: null,
      Scope: 'local',
    });
    expect(Object.keys(view)).toEqual(['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
    expect((await fs.stat(view.Mountpoint)).isDirectory()).toBe(true);
    const record = JSON.parse(await fs.readFile(path.join(root, 'volumes', 'web-data', 'volume.json'), 'utf8'));
    expect(record).toEqual({ Name: 'web-data', Driver: 'local', CreatedAt: view.CreatedAt, Labels: { env: 'dev' }, Options: {}, Anonymous: false });
    expect(events).toEqual([{ type: 'volume.create', name: 'web-data' }]);
    expect(await svc.inspect('web-data')).toEqual(view);
    expect(await volumeDirs()).toEqual(['web-data']); // no temporary directory left
  });

  it('returns an existing volume as it is, without a second create event', async () => {
    const first = await svc.create('db', { labels: { a: '1' } });
    await fs.writeFile(path.join(first.Mountpoint, 'keep'), 'x');
    expect(await svc.create('db', { labels: { b: '2' } })).toEqual(first);
    expect(await fs.readFile(path.join(first.Mountpoint, 'keep'), 'utf8')).toBe('x');
    expect(events.filter((e) => e.type === 'volume.create')).toHaveLength(1);
  });

  it('names an anonymous volume with 64 hex digits and labels it as Docker ≥ 23 does', async () => {
    const v = await svc.create();
    expect(v.Name).toMatch(/^[0-9a-f]{64}$/);
    expect(v.Labels).toEqual({ 'com.docker.volume.anonymous': '' });
  });

  it('agrees on one volume when many creates of one name race', async () => {
    const views = await Promise.all(Array.from({ length: 8 }, () => svc.create('shared')));
    expect(new Set(views.map((v) => v.CreatedAt)).size).toBe(1);
    expect(await volumeDirs()).toEqual(['shared']);
  });

  it.each(['x', 'a b', '../etc', '-lead', 'a/b', '.hidden'])('refuses the name %j', async (name) => {
    const e = await rejection(svc.create(name));
    expect(e.code).toBe('USAGE');
    expect(e.message).toContain(`"${name}" includes invalid characters for a local volume name`);
    expect(await fs.readdir(root)).toEqual([]); // nothing made, in volumes/ or beside it
  });

  it('refuses another driver', async () => {
    expect((await rejection(svc.create('a1', { driver: 'nfs' }))).message).toBe('plugin "nfs" not found');
  });

  it('says "No such volume" for a missing or impossible name', async () => {
    for (const name of ['nope', '../..']) {
      const e = await rejection(svc.inspect(name));
      expect([e.code, e.message]).toEqual(['VOLUME_NOT_FOUND', `No such volume: ${name}`]);
    }
  });

  it('reports usage when asked: bytes (hard links once) and how many containers mount it', async () => {
    const v = await svc.create('sized');
    await fs.writeFile(path.join(v.Mountpoint, 'a'), Buffer.alloc(1000));
    await fs.mkdir(path.join(v.Mountpoint, 'sub'));
    await fs.writeFile(path.join(v.Mountpoint, 'sub', 'b'), Buffer.alloc(234));
    await fs.link(path.join(v.Mountpoint, 'a'), path.join(v.Mountpoint, 'sub', 'a-again'));
    users.set('sized', ['c1', 'c2']);
    expect((await svc.inspect('sized', { usage: true })).UsageData).toEqual({ Size: 1234, RefCount: 2 });
  });

  it('lists by name and filters like docker volume ls', async () => {
    await svc.create('zeta', { labels: { env: 'prod', tier: 'db' } });
    await svc.create('alpha', { labels: { env: 'dev' } });
    const anon = (await svc.create()).Name;
    users.set('zeta', ['c1']);
    const names = async (filters: Record<string, string[]>) => (await svc.list({ filters })).map((v) => v.Name);
    expect(await names({})).toEqual([anon, 'alpha', 'zeta'].sort());
    expect(await names({ dangling: ['true'] })).toEqual([anon, 'alpha'].sort());
    expect(await names({ dangling: ['false'] })).toEqual(['zeta']);
    expect(await names({ name: ['lph'] })).toEqual(['alpha']);
    expect(await names({ name: ['alpha', 'zeta'] })).toEqual(['alpha', 'zeta']);
    expect(await names({ label: ['env'] })).toEqual(['alpha', 'zeta']);
    expect(await names({ label: ['env=prod'] })).toEqual(['zeta']);
    expect(await names({ label: ['env=prod', 'tier=web'] })).toEqual([]);
    expect(await names({ label: ['com.docker.volume.anonymous'] })).toEqual([anon]);
    expect(await names({ driver: ['local'], dangling: ['1'] })).toEqual([anon, 'alpha'].sort());
    expect((await rejection(svc.list({ filters: { colour: ['red'] } }))).message).toBe("invalid filter 'colour'");
    expect((await rejection(svc.list({ filters: { dangling: ['maybe'] } }))).message).toBe("invalid filter 'dangling=maybe'");
  });

  it('sweeps what a dead process left half-made, never a live one\'s', async () => {
    await fs.mkdir(path.join(root, 'volumes', '.tmp-p999999999-abc', '_data'), { recursive: true });
    await fs.mkdir(path.join(root, 'volumes', `.tmp-p${process.pid}-def`));
    expect(await svc.list()).toEqual([]);
    expect(await volumeDirs()).toEqual([`.tmp-p${process.pid}-def`]);
  });
});

describe('remove and prune', () => {
  it('removes a volume and its files, with an event', async () => {
    const v = await svc.create('gone');
    await fs.writeFile(path.join(v.Mountpoint, 'f'), 'data');
    await svc.remove('gone');
    expect(await volumeDirs()).toEqual([]);
    expect(events.at(-1)).toEqual({ type: 'volume.destroy', name: 'gone' });
  });

  it('refuses to remove a volume in use, even with force', async () => {
    await svc.create('busy');
    users.set('busy', ['abc123', 'def456']);
    for (const force of [false, true]) {
      const e = await rejection(svc.remove('busy', { force }));
      expect([e.code, e.message]).toEqual(['CONFLICT', 'remove busy: volume is in use - [abc123 def456]']);
      expect(e.hint).toMatch(/skiff rm abc123 def456/);
    }
    expect(await volumeDirs()).toEqual(['busy']);
  });

  it('says No such volume for a missing one, unless forced', async () => {
    expect((await rejection(svc.remove('ghost'))).message).toBe('No such volume: ghost');
    await expect(svc.remove('ghost', { force: true })).resolves.toBeUndefined();
  });

  it('prunes unused anonymous volumes only, unless all; never one in use', async () => {
    const named = await svc.create('named');
    const anonUnused = await svc.create();
    const anonUsed = await svc.create();
    await fs.writeFile(path.join(anonUnused.Mountpoint, 'f'), Buffer.alloc(1500));
    await fs.writeFile(path.join(named.Mountpoint, 'f'), Buffer.alloc(700));
    users.set(anonUsed.Name, ['c1']);
    expect(await svc.prune()).toEqual({ VolumesDeleted: [anonUnused.Name], SpaceReclaimed: 1500 });
    expect(await svc.prune({ all: true })).toEqual({ VolumesDeleted: ['named'], SpaceReclaimed: 700 });
    expect(await volumeDirs()).toEqual([anonUsed.Name]);
    expect(await svc.prune({ all: true })).toEqual({ VolumesDeleted: [], SpaceReclaimed: 0 });
  });
});

describe('resolveMounts', () => {
  let host: string;
  beforeEach(() => {
    host = mkdtempSync(path.join(os.tmpdir(), 'skiff-binds-'));
  });
  afterEach(() => rmSync(host, { recursive: true, force: true }));

  it('plans named, anonymous, bind and tmpfs mounts, parents first, with image VOLUMEs not covered', async () => {
    const requests = parseMountFlags({
      volumes: ['appdata:/var/lib/app/cache', `${host}:/srv:ro`, '/scratch'],
      mounts: ['type=tmpfs,target=/run,tmpfs-size=1m', 'type=volume,src=logs,dst=/var/log,volume-nocopy'],
    });
    const planned = await svc.resolveMounts(requests, ['/var/log', '/data/', 'opt/state']);
    const vol = (n: string) => path.join(root, 'volumes', n, '_data');
    const anon = planned.filter((p) => p.anonymous);
    expect(anon.map((p) => p.destination).sort()).toEqual(['/data', '/opt/state', '/scratch']);
    for (const a of anon) expect(a).toMatchObject({ kind: 'volume', source: vol(a.volume!), readOnly: false, copyUp: true, volume: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(planned.map((p) => p.destination)).toEqual(['/srv', '/scratch', '/run', '/data', '/var/log', '/opt/state', '/var/lib/app/cache']);
    const by = (d: string) => planned.find((p) => p.destination === d);
    expect(by('/var/lib/app/cache')).toEqual({ kind: 'volume', source: vol('appdata'), destination: '/var/lib/app/cache', readOnly: false, volume: 'appdata', anonymous: false, copyUp: true });
    expect(by('/srv')).toEqual({ kind: 'bind', source: host, destination: '/srv', readOnly: true, copyUp: false });
    expect(by('/run')).toEqual({ kind: 'tmpfs', source: 'tmpfs', destination: '/run', readOnly: false, copyUp: false, tmpfsSize: 1048576 });
    expect(by('/var/log')).toMatchObject({ volume: 'logs', anonymous: false, copyUp: false }); // nocopy, and the image VOLUME is covered
    expect((await svc.list()).length).toBe(5);
    expect(events.filter((e) => e.type === 'volume.create')).toHaveLength(5);
  });

  it('copies up into an existing volume only while it is empty', async () => {
    const v = await svc.create('seeded');
    const [first] = await svc.resolveMounts(parseMountFlags({ volumes: ['seeded:/d'] }), []);
    expect(first!.copyUp).toBe(true);
    await fs.writeFile(path.join(v.Mountpoint, 'f'), 'x');
    const [second] = await svc.resolveMounts(parseMountFlags({ volumes: ['seeded:/d'] }), []);
    expect(second!.copyUp).toBe(false);
  });

  it('creates a missing -v bind source, but refuses a missing --mount bind source', async () => {
    const missing = path.join(host, 'a', 'b');
    const [p] = await svc.resolveMounts(parseMountFlags({ volumes: [`${missing}:/b`] }), []);
    expect(p!.source).toBe(missing);
    expect((await fs.stat(missing)).isDirectory()).toBe(true);
    const other = path.join(host, 'nope');
    const e = await rejection(svc.resolveMounts(parseMountFlags({ mounts: [`type=bind,src=${other},dst=/n`] }), []));
    expect(e.message).toBe(`invalid mount config for type "bind": bind source path does not exist: ${other}`);
    expect(e.hint).toMatch(/mkdir -p/);
  });

  it('binds a file as well as a directory', async () => {
    await fs.writeFile(path.join(host, 'app.conf'), 'x=1');
    const [p] = await svc.resolveMounts(parseMountFlags({ mounts: [`type=bind,src=${host}/app.conf,dst=/etc/app.conf,ro`] }), []);
    expect(p).toMatchObject({ kind: 'bind', source: path.join(host, 'app.conf'), readOnly: true });
  });

  it('takes back the volumes and directories it made when a later mount fails', async () => {
    await svc.create('existing');
    const requests = parseMountFlags({
      volumes: ['existing:/e', 'fresh:/f', '/anon', `${host}/made/deep:/m`],
      mounts: [`type=bind,src=${host}/missing,dst=/x`],
    });
    events.length = 0;
    await rejection(svc.resolveMounts(requests, ['/img']));
    expect(await volumeDirs()).toEqual(['existing']);
    expect(await fs.readdir(host)).toEqual([]);
    const named = (type: string) => events.flatMap((e) => (e.type === type && 'name' in e ? [e.name] : []));
    const created = named('volume.create');
    const destroyed = named('volume.destroy');
    expect(created).toHaveLength(2);
    expect(destroyed.sort()).toEqual(created.sort());
  });

  it('keeps a -v directory that something wrote into before the failure... and only removes what mkdir made', async () => {
    await fs.mkdir(path.join(host, 'pre'));
    const requests = parseMountFlags({ volumes: [`${host}/pre/new:/m`], mounts: [`type=bind,src=${host}/missing,dst=/x`] });
    await rejection(svc.resolveMounts(requests, []));
    expect(await fs.readdir(host)).toEqual(['pre']);
    expect(await fs.readdir(path.join(host, 'pre'))).toEqual([]);
  });

  it('refuses a duplicate destination and an image VOLUME at /', async () => {
    const twice = [...parseMountFlags({ volumes: ['a1:/x'] }), ...parseMountFlags({ volumes: ['b1:/x'] })];
    expect((await rejection(svc.resolveMounts(twice, []))).message).toBe('Duplicate mount point: /x');
    expect((await rejection(svc.resolveMounts([], ['/']))).message).toMatch(/VOLUME \//);
    expect(await fs.readdir(path.join(root, 'volumes')).catch(() => [])).toEqual([]);
  });
});

describe('release', () => {
  it('removes the anonymous volumes of a removed container, keeps named ones and those others use', async () => {
    const planned = await svc.resolveMounts(parseMountFlags({ volumes: ['named:/n', '/a1', '/a2'] }), []);
    const [a1, a2] = planned.filter((p) => p.anonymous).map((p) => p.volume!);
    expect(await svc.release(planned, { removeAnonymous: false })).toEqual({ removed: [], inUse: [] });
    expect((await svc.list()).length).toBe(3);
    users.set(a2!, ['me', 'other']);
    users.set(a1!, ['me']);
    expect(await svc.release(planned, { removeAnonymous: true, containerId: 'me' })).toEqual({ removed: [a1], inUse: [a2] });
    expect((await svc.list()).map((v) => v.Name).sort()).toEqual([a2!, 'named'].sort());
    users.clear();
    expect(await svc.release(planned, { removeAnonymous: true })).toEqual({ removed: [a2], inUse: [] });
  });
});
