// A container as an OCI runtime bundle (runtime-spec bundle.md, config.md, config-linux.md): a
// `rootfs/` and a `config.json` that any OCI runtime — runc, crun, youki — can run. It is the same
// container Skiff runs, written in the standard's words: the format the seeds call libcontainer's.
// Learners can put the two side by side (and a test checks that runc and Skiff agree).
import fs from 'node:fs';
import path from 'node:path';
import { effectiveCaps } from '../../kernel/capabilities.ts';
import { SkiffError } from '../errors.ts';
import { DEVICES, MASKED_PATHS, READONLY_PATHS, SYSTEM_MOUNTS } from '../runtime/defaults.ts';
import { parseGroup, parsePasswd, resolveUser } from '../runtime/init/user.ts';
import { copyTree } from '../snapshot/copy.ts';
import type { Snapshot } from '../snapshot/types.ts';
import { processEnv } from './config.ts';
import type { ContainerRecord } from './store.ts';

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: Record<'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient', string[]>;
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: { destination: string; type: string; source: string; options: string[] }[];
  linux: {
    namespaces: { type: string; path?: string }[];
    resources: { memory?: { limit?: number; swap?: number }; cpu?: { quota?: number; period?: number; shares?: number }; pids?: { limit: number } };
    cgroupsPath?: string;
    maskedPaths: string[];
    readonlyPaths: string[];
  };
}

/** config.json for a container (pure: the rootfs is only read for the user's numeric IDs). */
export function ociSpec(rec: ContainerRecord, files: { hosts: string; hostname: string; resolvConf: string }, rootfs: string, cgroupsPath?: string): OciSpec {
  const read = (p: string) => {
    try {
      return fs.readFileSync(path.join(rootfs, p), 'utf8');
    } catch {
      return '';
    }
  };
  const user = resolveUser(rec.config.User ?? '', parsePasswd(read('etc/passwd')), parseGroup(read('etc/group')));
  const caps = effectiveCaps(rec.hostConfig.CapAdd ?? [], rec.hostConfig.CapDrop ?? []);
  const hostNet = rec.hostConfig.NetworkMode === 'host';
  const env = processEnv(rec.config);
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home}`);
  const l = rec.limits;
  const resources: OciSpec['linux']['resources'] = {};
  if (l.memory) resources.memory = { limit: l.memory, ...(l.memorySwap ? { swap: l.memorySwap } : {}) };
  if (l.cpuQuota || l.cpuShares) resources.cpu = { ...(l.cpuQuota ? { quota: l.cpuQuota, period: l.cpuPeriod ?? 100000 } : {}), ...(l.cpuShares ? { shares: l.cpuShares } : {}) };
  if (l.pidsLimit) resources.pids = { limit: l.pidsLimit };
  const bind = (source: string, destination: string, ro: boolean) => ({ destination, type: 'bind', source, options: ['rbind', 'rprivate', ...(ro ? ['ro'] : [])] });
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: user.uid, gid: user.gid, additionalGids: user.groups },
      args: [rec.path, ...rec.args],
      env,
      cwd: rec.config.WorkingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      noNewPrivileges: !(rec.hostConfig.SecurityOpt ?? []).includes('no-new-privileges=false'),
    },
    root: { path: 'rootfs', readonly: rec.hostConfig.ReadonlyRootfs === true },
    hostname: rec.config.Hostname ?? rec.id.slice(0, 12),
    mounts: [
      ...SYSTEM_MOUNTS.map((m) => (m.fstype === 'sysfs' && hostNet ? bind('/sys', '/sys', true) : { destination: m.target, type: m.fstype, source: m.source, options: m.options })),
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
      bind(files.resolvConf, '/etc/resolv.conf', false),
      bind(files.hostname, '/etc/hostname', false),
      bind(files.hosts, '/etc/hosts', false),
      ...rec.mounts.map((m) => (m.kind === 'tmpfs' ? { destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...(m.readOnly ? ['ro'] : [])] } : bind(m.source, m.destination, m.readOnly))),
    ],
    linux: {
      namespaces: ['pid', 'ipc', 'uts', 'mount', ...(hostNet ? [] : ['network'])].map((type) => ({ type })),
      resources,
      ...(cgroupsPath ? { cgroupsPath } : {}),
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
    },
  };
}

/** The device nodes runc makes by itself in a tmpfs /dev: the same six Skiff makes. */
export const BUNDLE_DEVICES = DEVICES.map((d) => d.path);

/**
 * Writes `dest/rootfs` (the image's layers and the container's own changes, applied in order),
 * `dest/config.json`, and the files bound into the container (hosts, hostname, resolv.conf).
 * Volumes are bound from where Skiff keeps them.
 */
export async function exportBundle(rec: ContainerRecord, snap: Snapshot, containerDir: string, dest: string, opts: { cgroupsPath?: string } = {}): Promise<OciSpec> {
  if (fs.existsSync(dest) && fs.readdirSync(dest).length > 0) throw new SkiffError('USAGE', `${dest} is not empty`, 'give a new or empty directory for the bundle');
  const rootfs = path.join(dest, 'rootfs');
  fs.mkdirSync(rootfs, { recursive: true, mode: 0o755 });
  const layers = snap.driver === 'overlay' ? [...snap.lowerdirs].reverse() : [];
  for (const l of layers) await copyTree(l, rootfs, { layer: true });
  if (snap.upperdir) await copyTree(snap.upperdir, rootfs, { layer: true });
  if (snap.dir) await copyTree(snap.dir, rootfs);
  fs.chmodSync(rootfs, 0o755);
  // The files Skiff binds into the container travel with the bundle, so it outlives the container.
  const files = { hosts: 'hosts', hostname: 'hostname', resolvConf: 'resolv.conf' };
  for (const f of Object.values(files)) fs.copyFileSync(path.join(containerDir, f), path.join(dest, f));
  const abs = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, path.resolve(dest, f)])) as typeof files;
  const spec = ociSpec(rec, abs, rootfs, opts.cgroupsPath);
  fs.writeFileSync(path.join(dest, 'config.json'), JSON.stringify(spec, null, 2) + '\n');
  return spec;
}
