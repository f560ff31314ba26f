// The root filesystem plan (what a container is made of, in order) and its replay against a
// recorder: the kernel calls the init would make, without root.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MS } from '../../../src/kernel/mount.ts';
import { planRootfs, type RootfsInput, type Step } from '../../../src/engine/runtime/plan.ts';
import { runSteps } from '../../../src/engine/runtime/init/steps.ts';
import type { InitMessage } from '../../../src/engine/runtime/protocol.ts';
import { recordingSyscalls } from '../../helpers/recording-syscalls.ts';

const input = (over: Partial<RootfsInput> = {}): RootfsInput => ({
  rootfsDir: '/c/rootfs',
  rootfsMounts: [{ type: 'overlay', source: 'overlay', options: ['lowerdir=l/A', 'upperdir=/s/upper', 'workdir=/s/work'], cwd: '/layers' }],
  hostname: 'abc',
  files: { hosts: '/c/hosts', hostname: '/c/hostname', resolvConf: '/c/resolv.conf' },
  volumes: [],
  cgroup: { version: 1, dirs: [{ controller: 'memory', dir: '/cg/memory/x' }, { controller: 'cpu,cpuacct', dir: '/cg/cpu/x' }] },
  network: { mode: 'none' },
  ...over,
});

const ops = (steps: Step[]) => steps.map((s) => ('target' in s && typeof s.target === 'string' && s.do === 'mount' ? `mount ${s.target}` : 'path' in s ? `${s.do} ${s.path}` : s.do));

describe('planRootfs', () => {
  it('lists Docker\'s container setup in order: rootfs, kernel file systems, devices, files, pivot_root, masks', () => {
    const o = ops(planRootfs(input()));
    expect(o.slice(0, 2)).toEqual(['rslave', 'mount-rootfs']);
    expect(o).toEqual(expect.arrayContaining(['mount /proc', 'mount /dev', 'mount /dev/pts', 'mount /dev/shm', 'mount /dev/mqueue', 'mount /sys', 'mount /sys/fs/cgroup', 'mount /sys/fs/cgroup/memory', 'mount /sys/fs/cgroup/cpu,cpuacct']));
    expect(o).toEqual(expect.arrayContaining(['mknod /dev/null', 'mknod /dev/zero', 'mknod /dev/full', 'mknod /dev/random', 'mknod /dev/urandom', 'mknod /dev/tty', 'symlink /dev/ptmx']));
    const pivot = o.indexOf('pivot-root');
    expect(o.indexOf('mount /etc/hosts')).toBeLessThan(pivot);
    expect(o.indexOf('mask /proc/kcore')).toBeGreaterThan(pivot);
    expect(o.indexOf('readonly /proc/sys')).toBeGreaterThan(pivot);
    expect(o.at(-1)).toBe('loopback-up');
    expect(o).not.toContain('mount /dev/console');
  });

  it('adds the console for -t, volumes parents first with copy-up before the mount, host networking first', () => {
    const steps = planRootfs(input({
      console: '/dev/pts/7',
      volumes: [
        { kind: 'volume', source: '/v/b/_data', destination: '/data/sub', readOnly: false, copyUp: false },
        { kind: 'volume', source: '/v/a/_data', destination: '/data', readOnly: true, copyUp: true },
      ],
      network: { mode: 'host', netns: '/proc/1/ns/net' },
      readonlyRootfs: true,
      workdir: '/app',
    }));
    const o = ops(steps);
    expect(o[1]).toBe('join-netns /proc/1/ns/net');
    expect(o).toContain('mount /dev/console');
    expect(o.indexOf('copy-up')).toBeLessThan(o.indexOf('mount /data'));
    expect(o.indexOf('mount /data')).toBeLessThan(o.indexOf('mount /data/sub'));
    const data = steps.find((s) => s.do === 'mount' && s.target === '/data');
    expect(data).toMatchObject({ options: ['rbind', 'ro'], purpose: 'volume' });
    expect(o.indexOf('mkdir /app')).toBeLessThan(o.indexOf('pivot-root'));
    expect(o).toContain('remount-root-ro');
    expect(o).not.toContain('loopback-up');
    expect(steps.find((s) => s.do === 'mount' && s.target === '/sys')).toMatchObject({ source: '/sys', options: expect.arrayContaining(['rbind', 'ro']) });
  });
});

describe('runSteps against a recorder (no root)', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-steps-'));
    fs.mkdirSync(path.join(root, 'rootfs'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('makes the kernel calls in order, resolving paths inside the new root', async () => {
    const sys = recordingSyscalls();
    const reports: InitMessage[] = [];
    // A hostile image: /proc is a symlink out of the root. The mount must land inside.
    fs.symlinkSync('/etc', path.join(root, 'rootfs', 'proc'));
    const steps = planRootfs(input({ rootfsDir: path.join(root, 'rootfs'), cgroup: { version: 2, dirs: [{ controller: '', dir: '/cg/x' }] } }))
      .filter((s) => s.do !== 'mknod' && !(s.do === 'mask' || s.do === 'readonly')); // mknod needs root; masks look at the host's /proc
    await runSteps(steps, { sys, report: (m) => reports.push(m), copyTree: async () => undefined });
    const mounts = sys.calls.filter((c) => c[0] === 'mount');
    expect(mounts[0]).toEqual(['mount', '', '/', '', MS.REC | MS.SLAVE]);
    expect(mounts[1]).toEqual(['mount', 'overlay', path.join(root, 'rootfs'), 'overlay', 0, 'lowerdir=l/A,upperdir=/s/upper,workdir=/s/work']);
    expect(sys.calls).toContainEqual(['chdir', '/layers']); // relative lowerdirs
    const proc = mounts.find((c) => c[3] === 'proc');
    expect(proc?.[2]).toBe(path.join(root, 'rootfs', 'etc')); // inside the root, never the host's /etc
    expect(mounts.find((c) => c[2] === path.join(root, 'rootfs', 'etc/hosts'))?.[1]).toBe('/c/hosts');
    // A read-only bind is two calls: the bind, then a remount that adds the flags.
    const cgroupTarget = path.join(root, 'rootfs', 'sys/fs/cgroup');
    expect(mounts.filter((c) => c[2] === cgroupTarget).map((c) => [c[1], c[4]])).toEqual([['/cg/x', MS.BIND], ['', MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC]]);
    const tail = sys.calls.slice(sys.calls.findIndex((c) => c[0] === 'pivotRoot') - 1).map((c) => c[0]);
    expect(tail).toEqual(['chdir', 'pivotRoot', 'umount2', 'chdir', 'sethostname', 'loopbackUp']);
    expect(fs.existsSync(path.join(root, 'rootfs', 'etc', 'hosts'))).toBe(true); // the mount point was made
    expect(reports.filter((r) => r.t === 'step')).toHaveLength(steps.length);
  });
});
