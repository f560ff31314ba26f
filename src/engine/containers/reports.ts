// The init's reports (runtime/protocol.ts) turned into the engine's typed events: what the
// namespace, mount and "explain run" diagrams are drawn from. Pure, so it is tested on its own.
import type { EngineEvent, NamespaceType } from '../events.ts';
import type { InitMessage } from '../runtime/protocol.ts';

export interface ReportContext {
  id: string;
  execId?: string;
  /** The engine's own namespace inodes: a container's that equal these are shared with the host. */
  hostNs: Partial<Record<NamespaceType, number>>;
  driver: 'overlay' | 'vfs';
  lowerdirs: string[];
  upperdir?: string;
  workdir?: string;
  snapshotDir?: string;
  cgroupVersion: 1 | 2;
  /** --network container:NAME: the network namespace joined is another container's. */
  joinedNet?: boolean;
}

const SHOWN: NamespaceType[] = ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup'];

export function namespaceEvents(ctx: ReportContext, ns: Partial<Record<NamespaceType, number>>, only?: NamespaceType[]): EngineEvent[] {
  const out: EngineEvent[] = [];
  for (const t of only ?? SHOWN) {
    const inode = ns[t];
    if (inode === undefined) continue;
    const hostInode = ctx.hostNs[t] ?? 0;
    out.push({ type: 'runtime.namespace', id: ctx.id, ns: t, inode, hostInode, mode: inode === hostInode ? 'host' : t === 'net' && ctx.joinedNet ? 'joined' : 'new' });
  }
  return out;
}

export function reportEvents(ctx: ReportContext, m: InitMessage): EngineEvent[] {
  const id = ctx.id;
  switch (m.t) {
    case 'hello':
      return ctx.execId ? [] : namespaceEvents(ctx, m.ns);
    case 'ns':
      return namespaceEvents(ctx, m.ns, ['net']);
    case 'cgroup':
      return [{ type: 'runtime.cgroup', id, version: ctx.cgroupVersion, file: m.file, value: m.value }];
    case 'caps':
      return [{ type: 'runtime.capabilities', id, kept: m.kept, noNewPrivs: m.noNewPrivs, user: `${m.uid}:${m.gid}` }];
    case 'exec':
      return [{ type: 'runtime.process', id, hostPid: m.hostPid, pid: m.pid, argv: m.argv, ...(ctx.execId ? { execId: ctx.execId } : {}) }];
    case 'error':
      return [];
    case 'step': {
      const s = m.step;
      const d = m.detail ?? {};
      if (d.skipped) return [];
      switch (s.do) {
        case 'mount-rootfs':
          return [
            {
              type: 'runtime.rootfs', id, driver: ctx.driver, lowerdirs: ctx.lowerdirs, ms: m.ms,
              ...(ctx.upperdir ? { upperdir: ctx.upperdir } : {}), ...(ctx.workdir ? { workdir: ctx.workdir } : {}), ...(ctx.snapshotDir ? { dir: ctx.snapshotDir } : {}),
            },
            { type: 'runtime.mount', id, source: d.source ?? '', target: '/', fstype: d.fstype ?? '', flags: d.flags ?? [], ...(d.data ? { data: d.data } : {}), purpose: 'rootfs' },
          ];
        case 'mount':
          return [{ type: 'runtime.mount', id, source: s.source, target: s.target, fstype: s.fstype === 'none' ? 'bind' : s.fstype, flags: d.flags ?? [], ...(d.data ? { data: d.data } : {}), purpose: s.purpose }];
        case 'mask':
          return [{ type: 'runtime.mount', id, source: d.source ?? '', target: s.path, fstype: d.fstype ?? '', flags: d.flags ?? [], purpose: 'mask' }];
        case 'readonly':
          return [{ type: 'runtime.mount', id, source: s.path, target: s.path, fstype: 'bind', flags: d.flags ?? [], purpose: 'readonly' }];
        case 'mknod':
          return [{ type: 'runtime.device', id, path: s.path, major: s.major, minor: s.minor }];
        case 'pivot-root':
          return [{ type: 'runtime.pivot_root', id, newRoot: d.source ?? '', putOld: '/ (detached)' }];
        case 'hostname':
          return [{ type: 'runtime.hostname', id, hostname: s.name }];
        case 'net-route':
          return [{ type: 'network.route', id, destination: 'default', gateway: s.gateway, ifname: s.ifname }];
        default:
          return [];
      }
    }
  }
}
