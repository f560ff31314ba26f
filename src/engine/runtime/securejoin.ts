// Resolving a container path ("/proc", "/etc/hosts", a volume's destination) to a host path under
// the container's root *before* pivot_root, without ever leaving the root. An image is untrusted
// input: if its /proc were a symlink to "/" or "../../etc", a naive join would make the init
// mount over the host's own directories. Every symlink met on the way is resolved as if the root
// were "/" (the way the container will see it later), like runc's use of filepath-securejoin.
import fs from 'node:fs';
import path from 'node:path';

const MAX_LINKS = 255;

/**
 * The host path for `unsafe` inside `root`. Missing components are fine (they will be created):
 * the result is where they would be. Symlinks are followed inside the root only.
 */
export function secureJoin(root: string, unsafe: string, lstat: (p: string) => fs.Stats | undefined = tryLstat, readlink: (p: string) => string = fs.readlinkSync): string {
  const parts = unsafe.split('/').filter((p) => p !== '' && p !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (parts.length > 0) {
    const part = parts.shift()!;
    if (part === '..') {
      resolved.pop(); // ".." at the root stays at the root, as in the kernel
      continue;
    }
    const candidate = path.join(root, ...resolved, part);
    const st = lstat(candidate);
    if (st?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw Object.assign(new Error(`too many symlinks resolving ${unsafe} in the container`), { code: 'ELOOP' });
      const target = readlink(candidate);
      if (target.startsWith('/')) resolved.length = 0; // absolute: from the container's root
      parts.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
      continue;
    }
    resolved.push(part);
  }
  return path.join(root, ...resolved);
}

function tryLstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}
