// The C library, reached through koffi (no compiled addon: `npm install` needs no C compiler).
// Every kernel module declares the functions it needs here and turns a failed call into an Error
// with Node's usual `code` (EPERM, ENOENT...), so callers handle kernel errors like fs errors.
import { constants } from 'node:os';
import koffi from 'koffi';

let lib: koffi.IKoffiLib | undefined;

/** libc, loaded once per process (and once per worker thread). */
export function libc(): koffi.IKoffiLib {
  lib ??= koffi.load('libc.so.6');
  return lib;
}

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([k, v]) => [v, k]));

export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

/** The Error for the call that just failed, from the thread's errno. */
export function lastError(call: string, what = ''): NodeJS.ErrnoException {
  const errno = koffi.errno();
  const code = errnoName(errno);
  const e = new Error(`${code}: ${call}${what ? ` ${what}` : ''} failed`) as NodeJS.ErrnoException;
  e.code = code;
  e.errno = -errno;
  e.syscall = call;
  if (what) e.path = what;
  return e;
}

/** Throws the errno of `call` when rc is negative (the C convention); returns rc otherwise. */
export function check(rc: number | bigint, call: string, what = ''): number {
  if (rc < 0) throw lastError(call, what);
  return Number(rc);
}

/** Syscall numbers for the few calls glibc has no wrapper for. They differ per architecture. */
const SYSCALLS: Record<string, Record<string, number>> = {
  x64: { pivot_root: 155, close_range: 436, pidfd_open: 434, pidfd_getfd: 438 },
  arm64: { pivot_root: 41, close_range: 436, pidfd_open: 434, pidfd_getfd: 438 },
};

export function syscallNumber(name: string): number {
  const n = SYSCALLS[process.arch]?.[name];
  if (n === undefined) throw Object.assign(new Error(`ENOSYS: ${name} is not known on ${process.arch}`), { code: 'ENOSYS' });
  return n;
}
