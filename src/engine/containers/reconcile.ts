// What a crash can leave behind, and how an engine that starts puts it right. Mounts need nothing:
// a container's mounts live only in its own mount namespace, which the kernel tears down with its
// last process. The rest is files and cgroups:
//   - a container whose recorded process is gone: its state is settled (exit code from the monitor)
//   - a cgroup of one of *our* containers that is not running (a start or a removal cut short):
//     removed. Cgroups of other names are left alone: another data root's engine shares the parent.
//   - a writable layer with no container (a create cut short): removed, with its image lease
// Another Skiff process may be creating or starting a container this very moment, so only what
// is older than a grace period counts as left behind.
import fs from 'node:fs';
import type { CgroupManager } from '../../kernel/cgroup/types.ts';
import { SnapshotDirs } from '../snapshot/record.ts';
import type { Snapshotter } from '../snapshot/types.ts';
import type { Leases } from '../store/leases.ts';
import type { Runner } from './runner.ts';
import type { ContainerStore } from './store.ts';

export interface Reconciled {
  settled: string[];
  cgroupsRemoved: string[];
  snapshotsRemoved: string[];
}

export async function reconcile(d: { store: ContainerStore; runner: Runner; cgroups?: CgroupManager; snapshots: Snapshotter; leases: Leases; dataRoot: string; graceMs?: number }): Promise<Reconciled> {
  const grace = d.graceMs ?? 30_000;
  const old = (ms: number) => Date.now() - ms > grace;
  const out: Reconciled = { settled: [], cgroupsRemoved: [], snapshotsRemoved: [] };
  const ids = new Set(d.store.ids());
  const running = new Set<string>();
  for (const id of ids) {
    const sf = await d.store.state(id);
    if (!sf) continue;
    const now = await d.runner.refresh(id, sf);
    if (now.state.Status === 'running') running.add(id);
    else if (sf.state.Status === 'running') out.settled.push(id);
  }
  for (const name of d.cgroups?.list() ?? []) {
    if (running.has(name) || !ids.has(name)) continue;
    const cg = d.cgroups!.create(name);
    if (cg.pids().length > 0) continue; // something still lives there: not ours to end
    const made = Math.min(...cg.dirs.map((dir) => fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? 0));
    if (!old(made)) continue;
    await cg.destroy().catch(() => {});
    out.cgroupsRemoved.push(name);
  }
  for (const snap of await new SnapshotDirs(d.dataRoot).list()) {
    if (ids.has(snap.key) || !old(Date.parse(snap.created))) continue;
    await d.snapshots.remove(snap.key);
    await d.leases.release(`container-${snap.key}`);
    out.snapshotsRemoved.push(snap.key);
  }
  return out;
}
