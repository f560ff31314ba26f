// How a container's root filesystem is made, as an ordered list of small named steps — runc's
// rootfs_linux.go told as data. The engine plans (this file, pure and unit-tested); the container's
// init process, already inside its new namespaces, carries the steps out one by one (init/steps.ts)
// and reports each as an event, so the diagrams show exactly what was done.
//
// Paths in steps before `pivot-root` are paths *inside the container* (e.g. /proc): the init resolves
// them under the new root without following symlinks out of it (securejoin.ts). After `pivot-root`
// the container's root is "/" and paths are used as they are.
import type { MountEvent } from '../events.ts';
import { DEV_LINKS, DEVICES, KCORE_LINK, MASKED_PATHS, READONLY_PATHS, SYSTEM_MOUNTS } from './defaults.ts';

/** A mount as data (containerd's mount.Mount): what a snapshotter returns. */
export interface MountSpec {
  type: string;
  source: string;
  options: string[];
  /** Perform the mount from this working directory (relative overlay lowerdirs). */
  cwd?: string;
}

export type Purpose = MountEvent['purpose'];

export type Step =
  /** Nothing the container mounts may propagate back to the host: make every mount a slave. */
  | { do: 'rslave' }
  /** The image's layers (and the container's writable layer) at `target`, a host directory. */
  | { do: 'mount-rootfs'; mounts: MountSpec[]; target: string }
  | { do: 'mount'; source: string; target: string; fstype: string; options: string[]; purpose: Purpose; ensure: 'dir' | 'file' }
  | { do: 'mknod'; path: string; major: number; minor: number; mode: number }
  | { do: 'symlink'; path: string; target: string }
  /** Docker's volume copy-up: a new, empty volume first receives what the image has at its path. */
  | { do: 'copy-up'; from: string; to: string }
  /** A directory the process needs (its working directory), made before the root can turn read-only. */
  | { do: 'mkdir'; path: string }
  | { do: 'pivot-root' }
  | { do: 'mask'; path: string }
  | { do: 'readonly'; path: string }
  | { do: 'remount-root-ro' }
  | { do: 'hostname'; name: string }
  | { do: 'loopback-up' }
  | { do: 'join-netns'; path: string }
  /** The container's end of a veth pair (made by the engine, already named eth0): its address, up. */
  | { do: 'net-interface'; ifname: string; address: string; prefixLength: number }
  /** The default route: everything not on a local network goes to the bridge's address. */
  | { do: 'net-route'; gateway: string; ifname: string };

/** How the container is networked (engine/network decides; the init carries it out). */
export type NetworkPlan =
  /** A new network namespace with only loopback. */
  | { mode: 'none' }
  /** The host's network namespace (the engine's), joined. */
  | { mode: 'host'; netns: string }
  /** Another container's network namespace, joined (--network container:NAME). */
  | { mode: 'container'; netns: string }
  /** A new namespace with one interface per network, each the end of a veth pair on a bridge. */
  | { mode: 'bridge'; interfaces: { ifname: string; address: string; prefixLength: number }[]; gateway?: string };

export interface PlannedVolume {
  kind: 'volume' | 'bind' | 'tmpfs';
  source: string; // host path (tmpfs: unused)
  destination: string;
  readOnly: boolean;
  copyUp: boolean;
}

export interface RootfsInput {
  /** The empty host directory the root is mounted on. */
  rootfsDir: string;
  rootfsMounts: MountSpec[];
  readonlyRootfs?: boolean;
  hostname: string;
  /** Files the engine wrote for this container (host paths), bound over the image's. */
  files: { hosts: string; hostname: string; resolvConf: string };
  volumes: PlannedVolume[];
  cgroup: { version: 1 | 2; dirs: { controller: string; dir: string }[] };
  /** The pty slave that becomes /dev/console, with -t. */
  console?: string;
  network: NetworkPlan;
  /** The process's working directory: made now if the image lacks it, as Docker does. */
  workdir?: string;
  /** Whether the kernel has /proc/kcore (then /dev/core links to it). */
  kcore?: boolean;
}

/** Sort key: a parent directory is mounted before anything inside it. */
function depth(p: string): number {
  return p.split('/').filter(Boolean).length;
}

export function planRootfs(i: RootfsInput): Step[] {
  const steps: Step[] = [{ do: 'rslave' }];
  const hostNet = i.network.mode === 'host';
  // Joined while the host's /proc is still reachable (after pivot_root /proc is the container's).
  if (i.network.mode === 'host' || i.network.mode === 'container') steps.push({ do: 'join-netns', path: i.network.netns });
  steps.push({ do: 'mount-rootfs', mounts: i.rootfsMounts, target: i.rootfsDir });

  for (const m of SYSTEM_MOUNTS) {
    // sysfs belongs to a network namespace; a container sharing the host's gets the host's /sys, read-only.
    if (m.fstype === 'sysfs' && hostNet) {
      steps.push({ do: 'mount', source: '/sys', target: m.target, fstype: 'none', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'], purpose: 'system', ensure: 'dir' });
      continue;
    }
    steps.push({ do: 'mount', source: m.source, target: m.target, fstype: m.fstype, options: m.options, purpose: 'system', ensure: 'dir' });
  }

  // The container's own cgroup, read-only, where programs look for their limits.
  if (i.cgroup.version === 1) {
    steps.push({ do: 'mount', source: 'tmpfs', target: '/sys/fs/cgroup', fstype: 'tmpfs', options: ['nosuid', 'noexec', 'nodev', 'mode=755'], purpose: 'system', ensure: 'dir' });
    for (const c of i.cgroup.dirs) {
      steps.push({ do: 'mount', source: c.dir, target: `/sys/fs/cgroup/${c.controller}`, fstype: 'none', options: ['bind', 'nosuid', 'noexec', 'nodev', 'ro'], purpose: 'system', ensure: 'dir' });
    }
  } else if (i.cgroup.dirs[0]) {
    steps.push({ do: 'mount', source: i.cgroup.dirs[0].dir, target: '/sys/fs/cgroup', fstype: 'none', options: ['bind', 'nosuid', 'noexec', 'nodev', 'ro'], purpose: 'system', ensure: 'dir' });
  }

  for (const d of DEVICES) steps.push({ do: 'mknod', path: d.path, major: d.major, minor: d.minor, mode: d.mode });
  for (const l of [...DEV_LINKS, ...(i.kcore ? [KCORE_LINK] : [])]) steps.push({ do: 'symlink', path: l.path, target: l.target });
  if (i.console) steps.push({ do: 'mount', source: i.console, target: '/dev/console', fstype: 'none', options: ['bind'], purpose: 'device', ensure: 'file' });

  steps.push(
    { do: 'mount', source: i.files.resolvConf, target: '/etc/resolv.conf', fstype: 'none', options: ['bind'], purpose: 'file', ensure: 'file' },
    { do: 'mount', source: i.files.hostname, target: '/etc/hostname', fstype: 'none', options: ['bind'], purpose: 'file', ensure: 'file' },
    { do: 'mount', source: i.files.hosts, target: '/etc/hosts', fstype: 'none', options: ['bind'], purpose: 'file', ensure: 'file' },
  );

  for (const v of [...i.volumes].sort((a, b) => depth(a.destination) - depth(b.destination))) {
    if (v.kind === 'tmpfs') {
      steps.push({ do: 'mount', source: 'tmpfs', target: v.destination, fstype: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...(v.readOnly ? ['ro'] : [])], purpose: 'volume', ensure: 'dir' });
      continue;
    }
    if (v.copyUp) steps.push({ do: 'copy-up', from: v.destination, to: v.source });
    steps.push({ do: 'mount', source: v.source, target: v.destination, fstype: 'none', options: ['rbind', ...(v.readOnly ? ['ro'] : [])], purpose: v.kind === 'volume' ? 'volume' : 'bind', ensure: 'dir' });
  }

  if (i.workdir && i.workdir !== '/') steps.push({ do: 'mkdir', path: i.workdir });
  steps.push({ do: 'pivot-root' });
  for (const p of MASKED_PATHS) steps.push({ do: 'mask', path: p });
  for (const p of READONLY_PATHS) steps.push({ do: 'readonly', path: p });
  if (i.readonlyRootfs) steps.push({ do: 'remount-root-ro' });
  steps.push({ do: 'hostname', name: i.hostname });
  // A joined namespace is configured already; a new one gets loopback, then its interfaces.
  if (i.network.mode === 'none' || i.network.mode === 'bridge') steps.push({ do: 'loopback-up' });
  if (i.network.mode === 'bridge') {
    for (const n of i.network.interfaces) steps.push({ do: 'net-interface', ifname: n.ifname, address: n.address, prefixLength: n.prefixLength });
    const first = i.network.interfaces[0];
    if (i.network.gateway && first) steps.push({ do: 'net-route', gateway: i.network.gateway, ifname: first.ifname });
  }
  return steps;
}
