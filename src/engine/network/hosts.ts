// A container's /etc/hosts: the localhost lines, its own address under its hostname (Docker's
// `IP hostname`), each link as `IP alias name`, and — on a user-defined network — every other
// container there under its name, so they find each other by name.
//
// The file is bind-mounted into the container, so it is rewritten *in place*: the mount refers to
// the inode, and a rename would leave the container reading the old file forever. The new text is
// written over the old and the file cut to length, so a reader never finds it empty.
import fs from 'node:fs';
import { HOSTS_HEADER } from '../runtime/defaults.ts';

export interface HostsEntry {
  ip: string;
  names: string[];
}

/** The text of /etc/hosts. Pure. */
export function hostsFile(own: HostsEntry[], others: HostsEntry[] = []): string {
  const lines = [...HOSTS_HEADER];
  const seen = new Set<string>();
  for (const e of [...own, ...others]) {
    const names = e.names.filter((n) => n && !seen.has(`${e.ip} ${n}`));
    if (names.length === 0) continue;
    for (const n of names) seen.add(`${e.ip} ${n}`);
    lines.push(`${e.ip}\t${names.join(' ')}`);
  }
  return lines.join('\n') + '\n';
}

/** Rewrites the file keeping its inode (see above). */
export function writeInPlace(file: string, text: string): void {
  const data = Buffer.from(text);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // the container is gone
    throw e;
  }
  try {
    fs.writeSync(fd, data, 0, data.length, 0);
    fs.ftruncateSync(fd, data.length);
  } finally {
    fs.closeSync(fd);
  }
}
