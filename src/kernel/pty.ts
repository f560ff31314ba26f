// Pseudo-terminals for `run -it`: the engine keeps the master side and relays it to the user's
// terminal; the container's process gets the slave side as stdin, stdout, stderr and controlling
// terminal, so line editing, Ctrl-C (the line discipline turns it into SIGINT for the foreground
// process group) and full-screen programs work as on a real terminal (pty(7)).
import tty from 'node:tty';
import { check, libc, syscallNumber } from './libc.ts';

const O_RDWR = 2;
const O_NOCTTY = 0o400;
const O_CLOEXEC = 0o2000000;
const TIOCSWINSZ = 0x5414;
const TIOCGWINSZ = 0x5413;

interface PtyFns {
  posix_openpt: (flags: number) => number;
  grantpt: (fd: number) => number;
  unlockpt: (fd: number) => number;
  ptsname_r: (fd: number, buf: Buffer, len: number) => number;
  ioctl: (fd: number, req: number, arg: Buffer) => number;
  close: (fd: number) => number;
  fcntl: (fd: number, cmd: number, arg: number) => number;
}
let fns: PtyFns | undefined;

function load(): PtyFns {
  const l = libc();
  fns ??= {
    posix_openpt: l.func('int posix_openpt(int flags)'),
    grantpt: l.func('int grantpt(int fd)'),
    unlockpt: l.func('int unlockpt(int fd)'),
    ptsname_r: l.func('int ptsname_r(int fd, _Out_ char *buf, size_t len)'),
    ioctl: l.func('int ioctl(int fd, unsigned long request, void *arg)'),
    close: l.func('int close(int fd)'),
    fcntl: l.func('int fcntl(int fd, int cmd, int arg)'),
  };
  return fns;
}

export interface Pty {
  /** The master's descriptor, owned by the caller (close it, or hand it to a stream). */
  master: number;
  /** The slave's path, e.g. /dev/pts/3: the container's process opens it. */
  slave: string;
}

export function openPty(size?: { rows: number; cols: number }): Pty {
  const f = load();
  const master = check(f.posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), 'posix_openpt');
  try {
    check(f.grantpt(master), 'grantpt');
    check(f.unlockpt(master), 'unlockpt');
    const buf = Buffer.alloc(128);
    const rc = f.ptsname_r(master, buf, buf.length);
    if (rc !== 0) throw Object.assign(new Error(`ptsname_r failed (${rc})`), { code: 'EIO' });
    const slave = buf.toString('utf8', 0, buf.indexOf(0));
    if (size) resizePty(master, size.rows, size.cols);
    return { master, slave };
  } catch (e) {
    f.close(master);
    throw e;
  }
}

/** TIOCSWINSZ: the kernel sends SIGWINCH to the terminal's foreground process group. */
export function resizePty(fd: number, rows: number, cols: number): void {
  const ws = Buffer.alloc(8); // struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; }
  ws.writeUInt16LE(Math.max(1, Math.min(rows, 0xffff)), 0);
  ws.writeUInt16LE(Math.max(1, Math.min(cols, 0xffff)), 2);
  check(load().ioctl(fd, TIOCSWINSZ, ws), 'ioctl(TIOCSWINSZ)');
}

export function ptySize(fd: number): { rows: number; cols: number } {
  const ws = Buffer.alloc(8);
  check(load().ioctl(fd, TIOCGWINSZ, ws), 'ioctl(TIOCGWINSZ)');
  return { rows: ws.readUInt16LE(0), cols: ws.readUInt16LE(2) };
}

export function closeFd(fd: number): void {
  load().close(fd);
}

const F_DUPFD_CLOEXEC = 1030;

/** Another descriptor of the same open file (close-on-exec): a stream may own it and close it. */
export function dupFd(fd: number): number {
  return check(load().fcntl(fd, F_DUPFD_CLOEXEC, 0), 'fcntl(F_DUPFD_CLOEXEC)');
}

/**
 * A duplex stream over the master. libuv polls it like any terminal; when the last slave closes
 * (the container's shell exits) reads fail with EIO, which callers take as end of output.
 */
export function masterStream(fd: number): tty.ReadStream {
  const s = new tty.ReadStream(fd);
  return s;
}

/**
 * Takes a copy of another process's open descriptor (pidfd_getfd(2), Linux 5.6): how a restarted
 * engine gets back the master of a container's terminal from the process that kept it open.
 */
export function takeFd(pid: number, fd: number): number {
  const l = libc();
  const syscall = l.func('long syscall(long nr, long a, long b, long c)') as (nr: number, a: number, b: number, c: number) => number;
  const pidfd = check(syscall(syscallNumber('pidfd_open'), pid, 0, 0), 'pidfd_open', String(pid));
  try {
    return check(syscall(syscallNumber('pidfd_getfd'), pidfd, fd, 0), 'pidfd_getfd', `${pid}/${fd}`);
  } finally {
    load().close(pidfd);
  }
}
