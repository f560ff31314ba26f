// Every system call that makes a container, behind one small interface. The container's init
// (engine/runtime/init) runs its steps against `Syscalls`; the real implementation below calls libc
// through koffi, and the tests use a recording fake (test/helpers/recording-syscalls.ts) so the order
// of the steps is checked without root — youki's syscall/{linux,test}.rs idea.
//
// These calls act on the *calling thread* where the kernel keeps per-thread state (capabilities,
// the signal mask, namespaces set with setns). That is fine for the init: the thread that makes
// these calls is the one that calls execve, and the new program inherits exactly that thread's state.
import koffi from 'koffi';
import { check, lastError, libc, syscallNumber } from './libc.ts';
import { mknod as mknodFs } from './fs.ts';

export interface Syscalls {
  mount(source: string, target: string, fstype: string, flags: number, data?: string): void;
  umount2(target: string, flags: number): void;
  /** pivot_root(2): `newRoot` becomes "/", the old root is moved to `putOld`. */
  pivotRoot(newRoot: string, putOld: string): void;
  chdir(path: string): void;
  chroot(path: string): void;
  sethostname(name: string): void;
  mknod(path: string, mode: number, major: number, minor: number): void;
  /** setns(2) on a namespace file such as /proc/<pid>/ns/net. */
  setns(path: string, nstype: number): void;
  /** prctl(PR_SET_NO_NEW_PRIVS): execve can never grant more privileges (setuid bits, file caps). */
  setNoNewPrivs(): void;
  /** prctl(PR_CAPBSET_DROP): the capability can never come back, not even through execve. */
  dropBoundingCap(cap: number): void;
  /** prctl(PR_CAP_AMBIENT_CLEAR_ALL). */
  clearAmbientCaps(): void;
  /** capset(2) of the calling thread: effective, permitted, inheritable as 64-bit masks. */
  capset(effective: bigint, permitted: bigint, inheritable: bigint): void;
  setsid(): void;
  /** ioctl(TIOCSCTTY): the terminal on `fd` becomes this session's controlling terminal. */
  setControllingTerminal(fd: number): void;
  dup2(from: number, to: number): void;
  /** Sets or clears close-on-exec on every descriptor from `first` up (close_range(2)). */
  cloexecFrom(first: number): void;
  clearCloexec(fd: number): void;
  /** Every signal back to its default action and nothing blocked (ignored signals survive execve). */
  resetSignals(): void;
  /** Brings the loopback interface of the current network namespace up. */
  loopbackUp(): void;
  /** An interface of the current network namespace up (ioctl SIOCSIFFLAGS), like `ip link set NAME up`. */
  linkUp(ifname: string): void;
  /** Gives an interface its IPv4 address and prefix (SIOCSIFADDR, SIOCSIFNETMASK), like `ip addr add`. */
  setIpv4Address(ifname: string, address: string, prefixLength: number): void;
  /** The default route through a gateway on a directly connected network (SIOCADDRT). */
  addDefaultRoute(gateway: string): void;
  /** execve(2); returns only on failure (it throws then). */
  execve(path: string, argv: readonly string[], env: readonly string[]): never;
}

// From <linux/prctl.h>, <asm/ioctls.h>, <linux/sockios.h>, <linux/capability.h>.
const PR_SET_NO_NEW_PRIVS = 38;
const PR_CAPBSET_DROP = 24;
const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;
const TIOCSCTTY = 0x540e;
const SIOCGIFFLAGS = 0x8913;
const SIOCSIFFLAGS = 0x8914;
const SIOCSIFADDR = 0x8916;
const SIOCSIFNETMASK = 0x891c;
const SIOCADDRT = 0x890b;
const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;
const IFF_UP = 0x1;
const F_SETFD = 2;
const CLOSE_RANGE_CLOEXEC = 1 << 2;
const LINUX_CAPABILITY_VERSION_3 = 0x20080522;
const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;
const AF_INET = 2;
const SOCK_DGRAM = 2;

interface Fns {
  mount: (s: string | null, t: string, f: string | null, fl: number, d: string | null) => number;
  umount2: (t: string, f: number) => number;
  syscall2: (nr: number, a: string, b: string) => number;
  syscall3i: (nr: number, a: number, b: number, c: number) => number;
  chdir: (p: string) => number;
  chroot: (p: string) => number;
  sethostname: (n: string, len: number) => number;
  setns: (fd: number, t: number) => number;
  open: (p: string, flags: number) => number;
  close: (fd: number) => number;
  prctl: (op: number, a: number, b: number, c: number, d: number) => number;
  capset: (hdr: Buffer, data: Buffer) => number;
  setsid: () => number;
  ioctlInt: (fd: number, req: number, arg: number) => number;
  ioctlBuf: (fd: number, req: number, arg: Buffer) => number;
  dup2: (a: number, b: number) => number;
  fcntl: (fd: number, cmd: number, arg: number) => number;
  signal: (sig: number, handler: null) => unknown;
  sigprocmask: (how: number, set: Buffer, old: null) => number;
  socket: (d: number, t: number, p: number) => number;
  execve: (p: string, argv: (string | null)[], env: (string | null)[]) => number;
}

let fns: Fns | undefined;

function load(): Fns {
  if (fns) return fns;
  const l = libc();
  fns = {
    mount: l.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    umount2: l.func('int umount2(const char *target, int flags)'),
    syscall2: l.func('long syscall(long nr, const char *a, const char *b)'),
    syscall3i: l.func('long syscall(long nr, unsigned int a, unsigned int b, unsigned int c)'),
    chdir: l.func('int chdir(const char *path)'),
    chroot: l.func('int chroot(const char *path)'),
    sethostname: l.func('int sethostname(const char *name, size_t len)'),
    setns: l.func('int setns(int fd, int nstype)'),
    open: l.func('int open(const char *path, int flags)'),
    close: l.func('int close(int fd)'),
    prctl: l.func('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)'),
    capset: l.func('int capset(void *header, void *data)'),
    setsid: l.func('int setsid()'),
    ioctlInt: l.func('int ioctl(int fd, unsigned long request, unsigned long arg)'),
    ioctlBuf: l.func('int ioctl(int fd, unsigned long request, void *arg)'),
    dup2: l.func('int dup2(int oldfd, int newfd)'),
    fcntl: l.func('int fcntl(int fd, int cmd, int arg)'),
    signal: l.func('void *signal(int sig, void *handler)'),
    sigprocmask: l.func('int sigprocmask(int how, const void *set, void *oldset)'),
    socket: l.func('int socket(int domain, int type, int protocol)'),
    execve: l.func('int execve(const char *path, const char **argv, const char **envp)'),
  };
  return fns;
}

export function linuxSyscalls(): Syscalls {
  const f = load();
  const linkUp = (ifname: string): void => {
    // struct ifreq: char ifr_name[16]; then a union whose first member is short ifr_flags.
    withInetSocket(f, (fd) => {
      const req = ifreq(ifname);
      check(f.ioctlBuf(fd, SIOCGIFFLAGS, req), 'ioctl(SIOCGIFFLAGS)', ifname);
      req.writeUInt16LE(req.readUInt16LE(16) | IFF_UP, 16);
      check(f.ioctlBuf(fd, SIOCSIFFLAGS, req), 'ioctl(SIOCSIFFLAGS)', ifname);
    });
  };
  return {
    mount: (source, target, fstype, flags, data) => void check(f.mount(source, target, fstype || null, flags, data || null), 'mount', target),
    umount2: (target, flags) => void check(f.umount2(target, flags), 'umount2', target),
    pivotRoot: (newRoot, putOld) => void check(f.syscall2(syscallNumber('pivot_root'), newRoot, putOld), 'pivot_root', newRoot),
    chdir: (p) => void check(f.chdir(p), 'chdir', p),
    chroot: (p) => void check(f.chroot(p), 'chroot', p),
    sethostname: (name) => void check(f.sethostname(name, Buffer.byteLength(name)), 'sethostname', name),
    mknod: (p, mode, major, minor) => mknodFs(p, mode, major, minor),
    setns(p, nstype) {
      const fd = check(f.open(p, O_RDONLY | O_CLOEXEC), 'open', p);
      try {
        check(f.setns(fd, nstype), 'setns', p);
      } finally {
        f.close(fd);
      }
    },
    setNoNewPrivs: () => void check(f.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 'prctl(PR_SET_NO_NEW_PRIVS)'),
    dropBoundingCap: (cap) => void check(f.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), 'prctl(PR_CAPBSET_DROP)', String(cap)),
    clearAmbientCaps() {
      // EINVAL: a kernel older than 4.3 has no ambient capabilities, so there is nothing to clear.
      if (f.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && koffi.errno() !== 22) throw lastError('prctl(PR_CAP_AMBIENT)');
    },
    capset(effective, permitted, inheritable) {
      // struct __user_cap_header_struct { u32 version; int pid; } and, for version 3, two
      // struct __user_cap_data_struct { u32 effective, permitted, inheritable; }: low 32 bits first.
      const hdr = Buffer.alloc(8);
      hdr.writeUInt32LE(LINUX_CAPABILITY_VERSION_3, 0);
      const data = Buffer.alloc(24);
      const put = (i: number, mask: bigint) => {
        data.writeUInt32LE(Number(mask & 0xffffffffn), i * 4);
        data.writeUInt32LE(Number((mask >> 32n) & 0xffffffffn), 12 + i * 4);
      };
      put(0, effective);
      put(1, permitted);
      put(2, inheritable);
      check(f.capset(hdr, data), 'capset');
    },
    setsid: () => void check(f.setsid(), 'setsid'),
    setControllingTerminal: (fd) => void check(f.ioctlInt(fd, TIOCSCTTY, 0), 'ioctl(TIOCSCTTY)'),
    dup2: (a, b) => void check(f.dup2(a, b), 'dup2', `${a}→${b}`),
    cloexecFrom(first) {
      check(f.syscall3i(syscallNumber('close_range'), first, 0xffffffff, CLOSE_RANGE_CLOEXEC), 'close_range');
    },
    clearCloexec: (fd) => void check(f.fcntl(fd, F_SETFD, 0), 'fcntl(F_SETFD)', String(fd)),
    resetSignals() {
      // Node ignores SIGPIPE; an ignored signal stays ignored across execve, which would change
      // how `yes | head` ends inside the container. Handlers are reset by execve anyway.
      for (let sig = 1; sig < 32; sig++) if (sig !== 9 && sig !== 19) f.signal(sig, null);
      check(f.sigprocmask(2 /* SIG_SETMASK */, Buffer.alloc(128), null), 'sigprocmask');
    },
    loopbackUp: () => linkUp('lo'),
    linkUp,
    setIpv4Address(ifname, address, prefixLength) {
      // The union of struct ifreq holds a struct sockaddr_in. Setting the address first makes the
      // kernel pick a classful netmask; the netmask call then sets the real prefix (and broadcast).
      withInetSocket(f, (fd) => {
        const req = ifreq(ifname);
        sockaddrIn(address).copy(req, 16);
        check(f.ioctlBuf(fd, SIOCSIFADDR, req), 'ioctl(SIOCSIFADDR)', `${ifname} ${address}`);
        sockaddrIn(netmaskOf(prefixLength)).copy(req, 16);
        check(f.ioctlBuf(fd, SIOCSIFNETMASK, req), 'ioctl(SIOCSIFNETMASK)', `${ifname} /${prefixLength}`);
      });
    },
    addDefaultRoute(gateway) {
      // struct rtentry (<net/route.h>, LP64): rt_dst at 8, rt_gateway at 24, rt_genmask at 40,
      // rt_flags at 56, 120 bytes. Destination and mask 0.0.0.0: every address; no device named,
      // so the kernel picks the interface whose network holds the gateway.
      withInetSocket(f, (fd) => {
        const rt = Buffer.alloc(120);
        sockaddrIn('0.0.0.0').copy(rt, 8);
        sockaddrIn(gateway).copy(rt, 24);
        sockaddrIn('0.0.0.0').copy(rt, 40);
        rt.writeUInt16LE(RTF_UP | RTF_GATEWAY, 56);
        check(f.ioctlBuf(fd, SIOCADDRT, rt), 'ioctl(SIOCADDRT)', `default via ${gateway}`);
      });
    },
    execve(p, argv, env) {
      f.execve(p, [...argv, null], [...env, null]);
      throw lastError('execve', p);
    },
  };
}

function withInetSocket(f: Fns, fn: (fd: number) => void): void {
  const fd = check(f.socket(AF_INET, SOCK_DGRAM | O_CLOEXEC, 0), 'socket');
  try {
    fn(fd);
  } finally {
    f.close(fd);
  }
}

/** struct ifreq with its name set (40 bytes). */
function ifreq(ifname: string): Buffer {
  if (Buffer.byteLength(ifname) > 15) throw Object.assign(new Error(`EINVAL: interface name ${ifname} is longer than 15 bytes`), { code: 'EINVAL' });
  const req = Buffer.alloc(40);
  req.write(ifname, 0, 'latin1');
  return req;
}

/** struct sockaddr_in (16 bytes): family in host order, port and address in network order. */
function sockaddrIn(address: string): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(AF_INET, 0);
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw Object.assign(new Error(`EINVAL: not an IPv4 address: ${address}`), { code: 'EINVAL' });
  Buffer.from(parts).copy(b, 4);
  return b;
}

/** 16 → 255.255.0.0 */
function netmaskOf(prefixLength: number): string {
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  return [24, 16, 8, 0].map((s) => (mask >>> s) & 0xff).join('.');
}
