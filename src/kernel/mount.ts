// mount(2) in words. A mount is described with the option words of mount(8) and fstab
// (`ro,nosuid,nodev,mode=755`); the kernel wants a flags bit set for the generic ones and passes
// the rest as a data string to the file system. Turning one into the other is pure and tested;
// the calls themselves go through the Syscalls interface (syscalls.ts).

/** Mount flags from <sys/mount.h> (mount(2)). */
export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOSYMFOLLOW: 0x100,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  MOVE: 0x2000,
  REC: 0x4000,
  SILENT: 0x8000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  STRICTATIME: 0x1000000,
} as const;

/** umount2(2) flags. */
export const MNT_DETACH = 0x2;

// Words that set a flag, and words that clear one (as mount(8) reads them).
const SET: Record<string, number> = {
  ro: MS.RDONLY, nosuid: MS.NOSUID, nodev: MS.NODEV, noexec: MS.NOEXEC, sync: MS.SYNCHRONOUS,
  remount: MS.REMOUNT, dirsync: MS.DIRSYNC, noatime: MS.NOATIME, nodiratime: MS.NODIRATIME,
  bind: MS.BIND, rbind: MS.BIND | MS.REC, relatime: MS.RELATIME, strictatime: MS.STRICTATIME,
  nosymfollow: MS.NOSYMFOLLOW,
};
const CLEAR: Record<string, number> = {
  rw: MS.RDONLY, suid: MS.NOSUID, dev: MS.NODEV, exec: MS.NOEXEC, async: MS.SYNCHRONOUS,
  atime: MS.NOATIME, diratime: MS.NODIRATIME, norelatime: MS.RELATIME, nostrictatime: MS.STRICTATIME,
};
/** Propagation words change a mount's propagation type, which takes a mount(2) call of its own. */
const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC, slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC,
  shared: MS.SHARED, rshared: MS.SHARED | MS.REC, unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

export interface ParsedMountOptions {
  flags: number;
  /** Propagation flags to apply with a second mount(2) call (0 when none). */
  propagation: number;
  /** File-system specific options, comma-joined: what mount(2) gets as `data`. */
  data: string;
}

export function parseMountOptions(options: readonly string[]): ParsedMountOptions {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  for (const o of options) {
    if (o in SET) flags |= SET[o]!;
    else if (o in CLEAR) flags &= ~CLEAR[o]!;
    else if (o in PROPAGATION) propagation |= PROPAGATION[o]!;
    else if (o !== 'defaults' && o !== '') data.push(o);
  }
  return { flags, propagation, data: data.join(',') };
}

/** The words for a flags value, for events and diagrams ("ro", "nosuid", ...). */
export function flagWords(flags: number): string[] {
  const out: string[] = [];
  if (flags & MS.BIND) out.push(flags & MS.REC ? 'rbind' : 'bind');
  for (const [w, bit] of Object.entries(SET)) {
    if (bit === MS.BIND || bit === (MS.BIND | MS.REC) || bit === MS.REMOUNT) continue;
    if (flags & bit) out.push(w);
  }
  if (flags & MS.REMOUNT) out.push('remount');
  const kind = (['private', 'slave', 'shared', 'unbindable'] as const).find((k) => flags & PROPAGATION[k]!);
  if (kind) out.push(flags & MS.REC ? `r${kind}` : kind);
  return out;
}
