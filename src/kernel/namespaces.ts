// Namespaces give a process its own view of one kind of kernel resource (namespaces(7)). Each one
// is a file under /proc/<pid>/ns/; two processes share a namespace exactly when those files have
// the same inode number — which is how the namespace diagram tells "isolated" from "shared".
import fs from 'node:fs';

export type NamespaceType = 'pid' | 'mnt' | 'uts' | 'ipc' | 'net' | 'cgroup' | 'user';

/** The CLONE_NEW* flag of each type (sched.h), as unshare(2) and setns(2) take them. */
export const CLONE_NEW: Record<NamespaceType, number> = {
  mnt: 0x00020000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  net: 0x40000000,
  cgroup: 0x02000000,
};

/** The ones every container gets (Docker's defaults; user namespaces come with rootless). */
export const CONTAINER_NAMESPACES: NamespaceType[] = ['pid', 'mnt', 'uts', 'ipc', 'net'];

/** The namespace's inode, read from the /proc/<pid>/ns/<type> link ("net:[4026531840]"). */
export function namespaceInode(pid: number | 'self', type: NamespaceType, proc = '/proc'): number {
  const link = fs.readlinkSync(`${proc}/${pid}/ns/${type}`);
  const m = /\[(\d+)\]$/.exec(link);
  if (!m) throw new Error(`unexpected namespace link ${link}`);
  return Number(m[1]);
}

/** Inodes of every type this kernel has for the process (types it lacks are left out). */
export function namespaceInodes(pid: number | 'self', proc = '/proc'): Partial<Record<NamespaceType, number>> {
  const out: Partial<Record<NamespaceType, number>> = {};
  for (const t of Object.keys(CLONE_NEW) as NamespaceType[]) {
    try {
      out[t] = namespaceInode(pid, t, proc);
    } catch {
      // e.g. no cgroup namespaces before Linux 4.6
    }
  }
  return out;
}
