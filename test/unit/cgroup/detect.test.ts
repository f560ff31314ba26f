// Finding the cgroup version and the engine's own cgroup from mountinfo and /proc/self/cgroup.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isSkiffError } from '../../../src/engine/errors.ts';
import { cgroupDirThroughMount, parseMountInfo, parseProcCgroup } from '../../../src/kernel/cgroup/detect.ts';
import { detectCgroups } from '../../../src/kernel/cgroup/index.ts';
import { fakeV1Host, fakeV2Host, type FakeCgroupHost } from '../../helpers/cgroupfs.ts';

let host: FakeCgroupHost | undefined;
afterEach(() => host?.cleanup());

function detect(h: FakeCgroupHost, parentName?: string) {
  host = h;
  return detectCgroups({ mountinfo: h.mountinfo, selfCgroup: h.selfCgroup, io: h.io, parentName });
}

describe('parseMountInfo', () => {
  it('reads root, mount point, type and super options, past optional fields and escapes', () => {
    const text = [
      '32 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:12 master:3 - cgroup cgroup rw,cpu,cpuacct',
      '41 25 0:38 /docker/abc /mnt/my\\040cgroup rw,relatime - cgroup2 cgroup2 rw,nsdelegate',
      'garbage line',
    ].join('\n');
    expect(parseMountInfo(text)).toEqual([
      { root: '/', mountPoint: '/sys/fs/cgroup/cpu,cpuacct', fsType: 'cgroup', superOptions: ['rw', 'cpu', 'cpuacct'] },
      { root: '/docker/abc', mountPoint: '/mnt/my cgroup', fsType: 'cgroup2', superOptions: ['rw', 'nsdelegate'] },
    ]);
  });
});

describe('parseProcCgroup', () => {
  it('splits hierarchy ID, controllers and path (paths may contain ":")', () => {
    expect(parseProcCgroup('5:cpu,cpuacct:/a\n1:name=systemd:/user.slice\n0::/x:y\n')).toEqual([
      { hierarchyId: 5, controllers: ['cpu', 'cpuacct'], path: '/a' },
      { hierarchyId: 1, controllers: ['name=systemd'], path: '/user.slice' },
      { hierarchyId: 0, controllers: [], path: '/x:y' },
    ]);
  });
});

describe('cgroupDirThroughMount', () => {
  const mount = { root: '/docker/abc', mountPoint: '/sys/fs/cgroup/memory', fsType: 'cgroup', superOptions: [] };
  it('takes the cgroup path relative to the mount root', () => {
    expect(cgroupDirThroughMount(mount, '/docker/abc')).toBe('/sys/fs/cgroup/memory');
    expect(cgroupDirThroughMount(mount, '/docker/abc/inner')).toBe('/sys/fs/cgroup/memory/inner');
    expect(cgroupDirThroughMount({ ...mount, root: '/' }, '/docker/abc')).toBe('/sys/fs/cgroup/memory/docker/abc');
  });
  it('refuses a cgroup outside the mount root', () => {
    expect(cgroupDirThroughMount(mount, '/docker')).toBeUndefined();
    expect(cgroupDirThroughMount(mount, '/docker/abcd')).toBeUndefined();
  });
});

describe('detectCgroups', () => {
  it('picks v1 on a hybrid host (cgroup2 mounted without controllers), co-mounted cpu,cpuacct as one directory', () => {
    const h = fakeV1Host({ ownPath: '/user.slice/session-1.scope' });
    const m = detect(h);
    expect(m.version).toBe(1);
    expect(m.controllers).toEqual(['memory', 'cpu', 'cpuacct', 'pids']);
    const cg = path.join(h.root, 'sys/fs/cgroup');
    expect(m.parents).toEqual([
      path.join(cg, 'memory/user.slice/session-1.scope/skiff'),
      path.join(cg, 'cpu,cpuacct/user.slice/session-1.scope/skiff'),
      path.join(cg, 'pids/user.slice/session-1.scope/skiff'),
    ]);
    expect(m.create('c1').dirs).toEqual(m.parents.map((p) => path.join(p, 'c1')));
  });

  it('picks v1 on a legacy host (no cgroup2 at all) with cpu and cpuacct mounted apart', () => {
    const h = fakeV1Host({ hybrid: false, coMountCpu: false, ownPath: '/' });
    const m = detect(h, 'skiff-x');
    expect(m.version).toBe(1);
    const cg = path.join(h.root, 'sys/fs/cgroup');
    expect(m.parents).toEqual(['memory', 'cpu', 'cpuacct', 'pids'].map((c) => path.join(cg, c, 'skiff-x')));
  });

  it('finds the own cgroup through a v1 mount made inside a cgroup namespace (mount root not "/")', () => {
    const h = fakeV1Host({ mountRoot: '/docker/abc', ownPath: '/docker/abc/engine', spaceInPath: true });
    const m = detect(h);
    expect(m.parents[0]).toBe(path.join(h.root, 'sys/fs/cgroup/memory/engine/skiff'));
  });

  it('says so when the own cgroup is outside the mount root', () => {
    const h = fakeV1Host({ mountRoot: '/docker/abc', ownPath: '/other' });
    expect(() => detect(h)).toThrow(/cgroup \/other is outside the cgroup mount at .*memory \(whose root is \/docker\/abc\)/);
  });

  it('reports a host without the controllers as unsupported', () => {
    const h = fakeV1Host({ controllers: ['devices'], hybrid: false });
    try {
      detect(h);
      expect.unreachable();
    } catch (e) {
      expect(isSkiffError(e, 'UNSUPPORTED')).toBe(true);
    }
  });

  it('leaves out a controller this host does not mount', () => {
    const m = detect(fakeV1Host({ controllers: ['memory', 'cpu', 'cpuacct'] }));
    expect(m.controllers).toEqual(['memory', 'cpu', 'cpuacct']);
  });

  it('picks v2 on a unified host, the parent below the own cgroup', () => {
    const h = fakeV2Host({ ownPath: '/' });
    const m = detect(h);
    expect(m.version).toBe(2);
    expect(m.controllers).toEqual(['memory', 'cpu', 'pids']);
    expect(m.parents).toEqual([path.join(h.root, 'sys/fs/cgroup/skiff')]);
  });

  it('finds the own cgroup through a v2 mount of a cgroup namespace', () => {
    const h = fakeV2Host({ mountRoot: '/kubepods/pod1', ownPath: '/kubepods/pod1/engine' });
    expect(detect(h).parents).toEqual([path.join(h.root, 'sys/fs/cgroup/engine/skiff')]);
  });

  it('offers only the controllers the v2 root has', () => {
    expect(detect(fakeV2Host({ controllers: ['cpu', 'io', 'memory'] })).controllers).toEqual(['memory', 'cpu']);
  });

  it('refuses a parent name that is not one directory', () => {
    expect(() => detect(fakeV2Host(), '../escape')).toThrow(/invalid cgroup parent name/);
  });
});
