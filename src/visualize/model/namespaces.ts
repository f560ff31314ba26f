// What a container's isolation is made of, per container, from the runtime's events: each
// namespace beside the host's (inode numbers: the same inode is the same namespace), PID 1 inside
// against its PID on the host, the hostname, every mount with the reason it exists, the device
// nodes, pivot_root — and the processes `exec` added.
import type { EngineEvent, MountEvent, NamespaceType } from '../../engine/events.ts';

export interface NamespaceRow {
  ns: NamespaceType;
  inode: number;
  hostInode: number;
  mode: 'new' | 'host' | 'joined';
}

export interface ProcessRow {
  pid: number; // inside
  hostPid: number;
  argv: string[];
  execId?: string;
  exitCode?: number;
}

export interface MountRow {
  source: string;
  target: string;
  fstype: string;
  flags: string[];
  data?: string;
  purpose: MountEvent['purpose'];
}

export interface ContainerNamespaces {
  id: string;
  name?: string;
  namespaces: NamespaceRow[];
  main?: ProcessRow;
  execs: ProcessRow[];
  hostname?: string;
  mounts: MountRow[];
  devices: { path: string; major: number; minor: number }[];
  pivotRoot?: { newRoot: string; putOld: string };
  capabilities?: { kept: string[]; noNewPrivs: boolean; user: string };
  exited?: { exitCode: number; reason: string };
}

export interface NamespacesModel {
  containers: Record<string, ContainerNamespaces>;
  last?: string;
}

export const emptyNamespaces: NamespacesModel = { containers: {} };

const blank = (id: string): ContainerNamespaces => ({ id, namespaces: [], execs: [], mounts: [], devices: [] });

export function reduceNamespaces(m: NamespacesModel, e: EngineEvent): NamespacesModel {
  if (!('id' in e) || typeof e.id !== 'string') return m;
  const id = e.id;
  const c = m.containers[id] ?? blank(id);
  const put = (next: ContainerNamespaces): NamespacesModel => ({ containers: { ...m.containers, [id]: next }, last: id });
  switch (e.type) {
    case 'container.create':
      return put({ ...blank(id), name: e.name });
    case 'runtime.namespace': {
      // A restart reports them again: the newest answer for each type wins.
      const namespaces = [...c.namespaces.filter((n) => n.ns !== e.ns), { ns: e.ns, inode: e.inode, hostInode: e.hostInode, mode: e.mode }];
      return put({ ...c, namespaces });
    }
    case 'runtime.process': {
      const p: ProcessRow = { pid: e.pid, hostPid: e.hostPid, argv: e.argv, ...(e.execId ? { execId: e.execId } : {}) };
      return put(e.execId ? { ...c, execs: [...c.execs, p] } : { ...c, main: p });
    }
    case 'exec.exit':
      return put({ ...c, execs: c.execs.map((p) => (p.execId === e.execId ? { ...p, exitCode: e.exitCode } : p)) });
    case 'runtime.hostname':
      return put({ ...c, hostname: e.hostname });
    case 'runtime.mount': {
      const row: MountRow = { source: e.source, target: e.target, fstype: e.fstype, flags: e.flags, purpose: e.purpose, ...(e.data ? { data: e.data } : {}) };
      // The root mount starts a (re)start: mounts of an earlier start are gone with its namespace.
      return put({ ...c, mounts: e.purpose === 'rootfs' ? [row] : [...c.mounts, row], ...(e.purpose === 'rootfs' ? { devices: [] } : {}) });
    }
    case 'runtime.device':
      return put({ ...c, devices: [...c.devices, { path: e.path, major: e.major, minor: e.minor }] });
    case 'runtime.pivot_root':
      return put({ ...c, pivotRoot: { newRoot: e.newRoot, putOld: e.putOld } });
    case 'runtime.capabilities':
      // An exec reports its own (the same rules); the main process's are the container's.
      return c.capabilities ? m : put({ ...c, capabilities: { kept: e.kept, noNewPrivs: e.noNewPrivs, user: e.user } });
    case 'container.exit':
      return put({ ...c, exited: { exitCode: e.exitCode, reason: e.reason } });
    default:
      return m;
  }
}

export function foldNamespaces(events: readonly EngineEvent[]): NamespacesModel {
  return events.reduce(reduceNamespaces, emptyNamespaces);
}

/** What each namespace type isolates, in a learner's words (namespaces(7)). */
export const NAMESPACE_MEANING: Record<NamespaceType, string> = {
  pid: 'process IDs: the first is PID 1',
  mnt: 'mounts: its own root and tree',
  uts: 'hostname and domain name',
  ipc: 'System V IPC, POSIX queues',
  net: 'interfaces, routes, ports',
  cgroup: 'its view of the cgroup tree',
  user: 'user and group IDs',
};

export const MOUNT_PURPOSES: { purpose: MountEvent['purpose']; title: string; why: string }[] = [
  { purpose: 'rootfs', title: 'root', why: 'the image layers and the writable layer, merged' },
  { purpose: 'system', title: 'system', why: 'kernel file systems the programs expect' },
  { purpose: 'device', title: 'devices', why: 'the terminal' },
  { purpose: 'file', title: 'files', why: 'made by the engine for this container' },
  { purpose: 'volume', title: 'volumes', why: 'data kept outside the container' },
  { purpose: 'bind', title: 'binds', why: 'host paths shared in' },
  { purpose: 'mask', title: 'masked', why: 'host information hidden' },
  { purpose: 'readonly', title: 'read-only', why: 'kernel settings it may read, never write' },
];

export interface MountGroup {
  purpose: MountEvent['purpose'];
  title: string;
  why: string;
  mounts: MountRow[];
}

/** The mounts grouped by why they exist, in the order the runtime makes them. */
export function mountGroups(c: ContainerNamespaces): MountGroup[] {
  return MOUNT_PURPOSES.map((p) => ({ ...p, mounts: c.mounts.filter((x) => x.purpose === p.purpose) })).filter((g) => g.mounts.length > 0);
}
