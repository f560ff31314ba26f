// The filesystem system calls Node.js does not offer, called in libc through koffi (no compiled
// addon). Each is a thin typed wrapper that throws an Error with Node's usual errno `code`.
//   mknod(2)      device nodes, fifos — and overlayfs whiteouts, which are char devices 0/0
//   lsetxattr(2)  extended attributes on the link itself, e.g. trusted.overlay.opaque=y
//   lgetxattr(2), llistxattr(2)  to read them back
import { constants } from 'node:fs';
import { libc as loadLibc, lastError } from './libc.ts';

interface Libc {
  mknod?: (path: string, mode: number, dev: bigint) => number;
  xmknod?: (ver: number, path: string, mode: number, dev: Buffer) => number;
  lsetxattr: (path: string, name: string, value: Buffer, size: number, flags: number) => number;
  lgetxattr: (path: string, name: string, value: Buffer | null, size: number) => number;
  llistxattr: (path: string, list: Buffer | null, size: number) => number;
  fcntl: (fd: number, cmd: number, arg: number) => number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  const lib = loadLibc();
  const l: Libc = {
    lsetxattr: lib.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)'),
    lgetxattr: lib.func('intptr_t lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)'),
    llistxattr: lib.func('intptr_t llistxattr(const char *path, _Out_ char *list, size_t size)'),
    fcntl: lib.func('int fcntl(int fd, int cmd, int arg)'),
  };
  try {
    l.mknod = lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)');
  } catch {
    // ssize_t is spelled intptr_t for koffi. glibc < 2.33 exports mknod only as __xmknod(version, path, mode, &dev).
    l.xmknod = lib.func('int __xmknod(int ver, const char *path, uint32_t mode, const void *dev)');
  }
  libc = l;
  return l;
}

function fail(call: string, path: string): never {
  throw lastError(call, path);
}

/** glibc's makedev(3): the 64-bit dev_t layout Linux uses. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

/** mknod(2). `mode` includes the file type (S_IFCHR, S_IFBLK, S_IFIFO) and permission bits. */
export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  const l = load();
  const dev = makedev(major, minor);
  let rc: number;
  if (l.mknod) rc = l.mknod(path, mode, dev);
  else {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(dev);
    rc = l.xmknod!(0, path, mode, b);
  }
  if (rc !== 0) fail('mknod', path);
}

export function lsetxattr(path: string, name: string, value: Buffer): void {
  if (load().lsetxattr(path, name, value, value.length, 0) !== 0) fail('lsetxattr', path);
}

/** The attribute's value, or undefined when the file has no such attribute. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const l = load();
  const size = l.lgetxattr(path, name, null, 0);
  if (size < 0) {
    const e = lastError('lgetxattr', path);
    if (e.code === 'ENODATA') return undefined;
    throw e;
  }
  const buf = Buffer.alloc(size);
  const got = l.lgetxattr(path, name, buf, size);
  if (got < 0) fail('lgetxattr', path);
  return buf.subarray(0, got);
}

export function llistxattr(path: string): string[] {
  const l = load();
  const size = l.llistxattr(path, null, 0);
  if (size < 0) fail('llistxattr', path);
  if (size === 0) return [];
  const buf = Buffer.alloc(size);
  const got = l.llistxattr(path, buf, size);
  if (got < 0) fail('llistxattr', path);
  return buf.subarray(0, got).toString('utf8').split('\0').filter(Boolean);
}

const F_GETFL = 3;
const F_SETFL = 4;

/** Clears O_NONBLOCK: a descriptor opened non-blocking (so the open could not hang) then blocks. */
export function setBlocking(fd: number): void {
  const l = load();
  const flags = l.fcntl(fd, F_GETFL, 0);
  if (flags < 0 || l.fcntl(fd, F_SETFL, flags & ~constants.O_NONBLOCK) < 0) throw lastError('fcntl', String(fd));
}
