// Fake cgroup hosts for unit tests: a temporary directory laid out like /sys/fs/cgroup on a v1
// (hybrid or legacy) or v2 (unified) host, the matching /proc/self/mountinfo and /proc/self/cgroup
// text, and a CgroupIO that behaves like the kernel where our code depends on it:
//   mkdir     fills in the new cgroup's control files (v2: only of the controllers its parent enables)
//   write     control files only (no new files); v1 keeps memory.limit <= memsw.limit (EINVAL);
//             v2 cgroup.subtree_control takes only controllers the cgroup has (ENOENT) and not
//             while it holds processes, unless it is the root (EBUSY)
//   rmdir     removes the control files with the directory; EBUSY with processes or child cgroups
// Every operation is recorded in order.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SkiffError } from '../../src/engine/errors.ts';
import { nodeCgroupIO, type CgroupIO } from '../../src/kernel/cgroup/io.ts';

export type CgroupOp = { op: 'mkdir' | 'rmdir'; path: string } | { op: 'write'; path: string; value: string };

/** The v1 memory controller's "no limit": LONG_MAX rounded down to a 4 KiB page. */
export const V1_UNLIMITED = '9223372036854771712';
export const ENGINE_PID = 4242;

export interface FakeCgroupHost {
  /** The temporary directory everything lives in. */
  root: string;
  /** Paths of the fake /proc/self/mountinfo and /proc/self/cgroup. */
  mountinfo: string;
  selfCgroup: string;
  io: FakeKernelIO;
  /** The engine's own cgroup directory per controller (v1) or under "unified" (v2). */
  ownDir: Record<string, string>;
  cleanup(): void;
}

function errno(code: string, op: string, p: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${op} ${p}`), { code });
}

const read = (f: string): string => fs.readFileSync(f, 'utf8');
const words = (f: string): string[] => (fs.existsSync(f) ? read(f).trim().split(/\s+/).filter(Boolean) : []);

interface Hierarchy {
  mountPoint: string;
  /** v1: the controllers of this hierarchy; v2: undefined. */
  v1?: string[];
}

export class FakeKernelIO implements CgroupIO {
  readonly ops: CgroupOp[] = [];
  private readonly busy = new Map<string, number>();
  private readonly failing = new Map<string, string>();

  constructor(
    private readonly hierarchies: Hierarchy[],
    readonly features: { memsw: boolean; swap: boolean; peak: boolean; oomKillLine: boolean },
  ) {}

  /** rmdir of `dir` fails with EBUSY this many more times (a process still exiting). */
  busyFor(dir: string, times: number): void {
    this.busy.set(dir, times);
  }

  /** The next write to `file` fails with this errno code. */
  failWrite(file: string, code: string): void {
    this.failing.set(file, code);
  }

  writes(): { path: string; value: string }[] {
    return this.ops.flatMap((o) => (o.op === 'write' ? [{ path: o.path, value: o.value }] : []));
  }

  private hierarchyOf(p: string): Hierarchy {
    const h = this.hierarchies.find((x) => p === x.mountPoint || p.startsWith(x.mountPoint + path.sep));
    if (!h) throw new Error(`fake cgroupfs: ${p} is in no hierarchy`);
    return h;
  }

  read(file: string): string {
    return nodeCgroupIO.read(file);
  }

  exists(p: string): boolean {
    return nodeCgroupIO.exists(p);
  }

  subdirs(dir: string): string[] {
    return nodeCgroupIO.subdirs(dir);
  }

  mkdir(dir: string): void {
    nodeCgroupIO.mkdir(dir);
    this.ops.push({ op: 'mkdir', path: dir });
    populate(dir, this.hierarchyOf(dir), this.features);
  }

  rmdir(dir: string): void {
    if (!fs.existsSync(dir)) throw errno('ENOENT', 'rmdir', dir);
    const left = this.busy.get(dir) ?? 0;
    if (left > 0) {
      this.busy.set(dir, left - 1);
      throw errno('EBUSY', 'rmdir', dir);
    }
    if (words(path.join(dir, 'cgroup.procs')).length > 0) throw errno('EBUSY', 'rmdir', dir);
    if (nodeCgroupIO.subdirs(dir).length > 0) throw errno('ENOTEMPTY', 'rmdir', dir);
    fs.rmSync(dir, { recursive: true });
    this.ops.push({ op: 'rmdir', path: dir });
  }

  write(file: string, value: string): void {
    const failure = this.failing.get(file);
    if (failure) {
      this.failing.delete(file);
      throw errno(failure, 'write', file);
    }
    if (!fs.existsSync(file)) throw errno('ENOENT', 'open', file);
    const dir = path.dirname(file);
    const h = this.hierarchyOf(file);
    const name = path.basename(file);
    let stored = value;
    if (h.v1 && name === 'memory.limit_in_bytes' && this.features.memsw) {
      if (bytes(value) > bytes(read(path.join(dir, 'memory.memsw.limit_in_bytes')))) throw errno('EINVAL', 'write', file);
    }
    if (h.v1 && name === 'memory.memsw.limit_in_bytes') {
      if (bytes(value) < bytes(read(path.join(dir, 'memory.limit_in_bytes')))) throw errno('EINVAL', 'write', file);
    }
    if (h.v1 && /limit_in_bytes$/.test(name) && value.trim() === '-1') stored = V1_UNLIMITED;
    if (!h.v1 && name === 'cgroup.subtree_control') stored = this.subtreeControl(dir, value);
    if (name === 'cgroup.procs') {
      if (!h.v1 && dir !== h.mountPoint && words(path.join(dir, 'cgroup.subtree_control')).length > 0) throw errno('EBUSY', 'write', file);
      stored = [...words(file), value.trim()].join('\n') + '\n';
    }
    nodeCgroupIO.write(file, stored);
    this.ops.push({ op: 'write', path: file, value });
  }

  private subtreeControl(dir: string, value: string): string {
    const offered = words(path.join(dir, 'cgroup.controllers'));
    const enabled = new Set(words(path.join(dir, 'cgroup.subtree_control')));
    const isRoot = dir === this.hierarchyOf(dir).mountPoint;
    for (const token of value.trim().split(/\s+/)) {
      const c = token.slice(1);
      if (!offered.includes(c)) throw errno('ENOENT', 'write', path.join(dir, 'cgroup.subtree_control'));
      if (token.startsWith('+')) {
        if (!isRoot && words(path.join(dir, 'cgroup.procs')).length > 0) throw errno('EBUSY', 'write', dir);
        enabled.add(c);
      } else enabled.delete(c);
    }
    return [...enabled].join(' ') + '\n';
  }
}

function bytes(text: string): number {
  const t = text.trim();
  return t === '-1' || t === 'max' ? Infinity : Number(t);
}

/** The control files the kernel makes in a new cgroup. */
function populate(dir: string, h: Hierarchy, f: { memsw: boolean; swap: boolean; peak: boolean; oomKillLine: boolean }): void {
  const files: Record<string, string> = { 'cgroup.procs': '' };
  const controllers = h.v1 ?? words(path.join(path.dirname(dir), 'cgroup.subtree_control'));
  if (!h.v1) {
    Object.assign(files, {
      'cgroup.controllers': controllers.join(' ') + '\n',
      'cgroup.subtree_control': '\n',
      'cpu.stat': 'usage_usec 0\nuser_usec 0\nsystem_usec 0\n',
    });
  }
  for (const c of controllers) {
    if (h.v1 && c === 'memory') {
      Object.assign(files, {
        'memory.limit_in_bytes': V1_UNLIMITED + '\n',
        'memory.usage_in_bytes': '0\n',
        'memory.max_usage_in_bytes': '0\n',
        'memory.failcnt': '0\n',
        'memory.oom_control': `oom_kill_disable 0\nunder_oom 0\n${f.oomKillLine ? 'oom_kill 0\n' : ''}`,
      });
      if (f.memsw) files['memory.memsw.limit_in_bytes'] = V1_UNLIMITED + '\n';
    }
    if (h.v1 && c === 'cpu') Object.assign(files, { 'cpu.cfs_period_us': '100000\n', 'cpu.cfs_quota_us': '-1\n', 'cpu.shares': '1024\n' });
    if (h.v1 && c === 'cpuacct') files['cpuacct.usage'] = '0\n';
    if (c === 'pids') Object.assign(files, { 'pids.max': 'max\n', 'pids.current': '0\n' });
    if (!h.v1 && c === 'memory') {
      Object.assign(files, {
        'memory.current': '0\n',
        'memory.max': 'max\n',
        'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n',
      });
      if (f.swap) files['memory.swap.max'] = 'max\n';
      if (f.peak) files['memory.peak'] = '0\n';
    }
    if (!h.v1 && c === 'cpu') Object.assign(files, { 'cpu.max': 'max 100000\n', 'cpu.weight': '100\n' });
  }
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
}

/** mountinfo escapes a space in a path as \040 (proc(5)). */
const esc = (p: string): string => p.replace(/\\/g, '\\134').replace(/ /g, '\\040').replace(/\t/g, '\\011');

interface Common {
  /** The engine's cgroup as /proc/self/cgroup shows it. */
  ownPath?: string;
  /** Field 4 of the cgroup mounts: "/" normally, the namespace's cgroup for a cgroupns mount. */
  mountRoot?: string;
  /** Put a space into the temporary directory's name, to check mountinfo's escaping. */
  spaceInPath?: boolean;
}

function tempRoot(spaceInPath?: boolean): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), spaceInPath ? 'skiff cgroupfs-' : 'skiff-cgroupfs-'));
}

/** Makes the cgroups from the mount down to the engine's own one, as they exist on a host. */
function makeOwn(io: FakeKernelIO, mountPoint: string, mountRoot: string, ownPath: string, beforeChild?: (dir: string) => void): string {
  const rel = path.posix.relative(mountRoot, ownPath);
  let dir = mountPoint;
  if (rel.startsWith('..')) return dir; // not reachable through this mount: nothing to make
  for (const part of rel ? rel.split('/') : []) {
    beforeChild?.(dir);
    dir = path.join(dir, part);
    io.mkdir(dir);
  }
  return dir;
}

export interface V1HostOptions extends Common {
  /** Which controllers are mounted; default memory, cpu, cpuacct, pids (and the others Docker hosts have). */
  controllers?: string[];
  /** Mount cpu and cpuacct together as "cpu,cpuacct" (systemd does); default true. */
  coMountCpu?: boolean;
  /** Hybrid mode: a cgroup2 mount at .../unified without controllers; default true. */
  hybrid?: boolean;
  /** memory.memsw.* files (swap accounting); default true. */
  memsw?: boolean;
  /** memory.oom_control has an oom_kill line (Linux >= 4.13); default true. */
  oomKillLine?: boolean;
}

export function fakeV1Host(o: V1HostOptions = {}): FakeCgroupHost {
  const root = tempRoot(o.spaceInPath);
  const base = path.join(root, 'sys/fs/cgroup');
  const ownPath = o.ownPath ?? '/user.slice/session-1.scope';
  const mountRoot = o.mountRoot ?? '/';
  const wanted = o.controllers ?? ['memory', 'cpu', 'cpuacct', 'pids', 'devices', 'freezer'];
  const groups: string[][] = [];
  const coMount = o.coMountCpu ?? true;
  for (const c of wanted) {
    if (coMount && c === 'cpuacct' && wanted.includes('cpu')) continue;
    groups.push(coMount && c === 'cpu' && wanted.includes('cpuacct') ? ['cpu', 'cpuacct'] : [c]);
  }
  const hierarchies: Hierarchy[] = groups.map((g) => ({ mountPoint: path.join(base, g.join(',')), v1: g }));
  const systemd: Hierarchy = { mountPoint: path.join(base, 'systemd'), v1: [] };
  const unified: Hierarchy = { mountPoint: path.join(base, 'unified') };
  const all = [...hierarchies, systemd, ...(o.hybrid === false ? [] : [unified])];
  const io = new FakeKernelIO(all, { memsw: o.memsw ?? true, swap: false, peak: false, oomKillLine: o.oomKillLine ?? true });

  const mountLines = [`25 1 0:23 / ${esc(base)} ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755`];
  const cgroupLines: string[] = [];
  const ownDir: Record<string, string> = {};
  all.forEach((h, i) => {
    fs.mkdirSync(h.mountPoint, { recursive: true });
    populate(h.mountPoint, h, io.features);
    const id = 30 + i;
    if (h.v1) {
      const opts = h.v1.length ? h.v1.join(',') : 'xattr,name=systemd';
      mountLines.push(`${id} 25 0:${id} ${esc(mountRoot)} ${esc(h.mountPoint)} rw,nosuid,nodev,noexec,relatime shared:${id} - cgroup cgroup rw,${opts}`);
      cgroupLines.unshift(`${all.length - i}:${h.v1.length ? h.v1.join(',') : 'name=systemd'}:${ownPath}`);
      const dir = makeOwn(io, h.mountPoint, mountRoot, ownPath);
      fs.writeFileSync(path.join(dir, 'cgroup.procs'), `${ENGINE_PID}\n`);
      for (const c of h.v1) ownDir[c] = dir;
    } else {
      mountLines.push(`${id} 25 0:${id} / ${esc(h.mountPoint)} rw,nosuid,nodev,noexec,relatime shared:${id} - cgroup2 cgroup2 rw,nsdelegate`);
    }
  });
  if (o.hybrid !== false) cgroupLines.push(`0::${ownPath}`);
  io.ops.length = 0;
  return finish(root, io, mountLines, cgroupLines, ownDir);
}

export interface V2HostOptions extends Common {
  /** What the root's cgroup.controllers offers; default the usual systemd host's set. */
  controllers?: string[];
  /** What the engine's own cgroup lists in cgroup.subtree_control. Default: all of `controllers`
   *  when it is the root of the mount, else none, as the kernel's "no internal processes" rule
   *  allows for a cgroup that holds the engine. */
  delegated?: string[];
  /** memory.swap.max exists; default true. */
  swap?: boolean;
  /** memory.peak exists (Linux >= 5.19); default true. */
  peak?: boolean;
}

export function fakeV2Host(o: V2HostOptions = {}): FakeCgroupHost {
  const root = tempRoot(o.spaceInPath);
  const mountPoint = path.join(root, 'sys/fs/cgroup');
  const ownPath = o.ownPath ?? '/';
  const mountRoot = o.mountRoot ?? '/';
  const controllers = o.controllers ?? ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'];
  const h: Hierarchy = { mountPoint };
  const io = new FakeKernelIO([h], { memsw: false, swap: o.swap ?? true, peak: o.peak ?? true, oomKillLine: true });
  fs.mkdirSync(mountPoint, { recursive: true });
  fs.writeFileSync(path.join(mountPoint, 'cgroup.controllers'), controllers.join(' ') + '\n');
  fs.writeFileSync(path.join(mountPoint, 'cgroup.subtree_control'), '\n');
  fs.writeFileSync(path.join(mountPoint, 'cgroup.procs'), '1\n');
  fs.writeFileSync(path.join(mountPoint, 'cpu.stat'), 'usage_usec 0\n');
  // Every cgroup on the way down hands all controllers on, as systemd's slices do.
  const handOn = (dir: string): void => fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), controllers.join(' ') + '\n');
  const own = makeOwn(io, mountPoint, mountRoot, ownPath, handOn);
  fs.writeFileSync(path.join(own, 'cgroup.subtree_control'), (o.delegated ?? (own === mountPoint ? controllers : [])).join(' ') + '\n');
  if (own !== mountPoint) fs.appendFileSync(path.join(own, 'cgroup.procs'), `${ENGINE_PID}\n`);
  const mountLines = [
    `25 1 0:23 ${esc(mountRoot)} ${esc(mountPoint)} rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`,
  ];
  io.ops.length = 0;
  return finish(root, io, mountLines, [`0::${ownPath}`], { unified: own });
}

function finish(root: string, io: FakeKernelIO, mountLines: string[], cgroupLines: string[], ownDir: Record<string, string>): FakeCgroupHost {
  const proc = path.join(root, 'proc/self');
  fs.mkdirSync(proc, { recursive: true });
  const mountinfo = path.join(proc, 'mountinfo');
  const selfCgroup = path.join(proc, 'cgroup');
  // Mounts that are not cgroups come first on a real host.
  fs.writeFileSync(mountinfo, ['22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw', ...mountLines].join('\n') + '\n');
  fs.writeFileSync(selfCgroup, cgroupLines.join('\n') + '\n');
  return { root, mountinfo, selfCgroup, io, ownDir, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** The SkiffError `fn` throws (any other outcome fails the test). */
export function skiffErrorOf(fn: () => unknown): SkiffError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SkiffError) return e;
    throw e;
  }
  throw new Error('expected a SkiffError, nothing was thrown');
}

/** Sets a control file's content, as the kernel would report it. */
export function setFile(file: string, content: string): void {
  fs.writeFileSync(file, content);
}
