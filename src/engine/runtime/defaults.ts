// What `docker run` gives every container unless told otherwise (moby oci/defaults.go and
// daemon/oci_linux.go; runtime-spec config-linux.md). Skiff makes the same container, so a learner
// who reads this file knows what Docker sets up too.

/** The kernel file systems every container gets, in mount order. Options as mount(8) words. */
export const SYSTEM_MOUNTS: { target: string; fstype: string; source: string; options: string[] }[] = [
  // A proc of the container's own PID namespace: `ps` inside sees only the container's processes.
  { target: '/proc', fstype: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  // /dev is a small tmpfs holding only the device nodes below, never the host's disks.
  { target: '/dev', fstype: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  // A new devpts instance: the container's terminals are invisible to the host's /dev/pts and back.
  { target: '/dev/pts', fstype: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
  { target: '/dev/shm', fstype: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  { target: '/dev/mqueue', fstype: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  // sysfs read-only: a container may look at the kernel's devices but never change them.
  { target: '/sys', fstype: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
];

/** Device nodes made in the container's /dev (major, minor): the harmless character devices. */
export const DEVICES: { path: string; major: number; minor: number; mode: number }[] = [
  { path: '/dev/null', major: 1, minor: 3, mode: 0o666 },
  { path: '/dev/zero', major: 1, minor: 5, mode: 0o666 },
  { path: '/dev/full', major: 1, minor: 7, mode: 0o666 },
  { path: '/dev/random', major: 1, minor: 8, mode: 0o666 },
  { path: '/dev/urandom', major: 1, minor: 9, mode: 0o666 },
  { path: '/dev/tty', major: 5, minor: 0, mode: 0o666 },
];

/** Links every Linux userland expects in /dev. */
export const DEV_LINKS: { path: string; target: string }[] = [
  { path: '/dev/ptmx', target: 'pts/ptmx' },
  { path: '/dev/fd', target: '/proc/self/fd' },
  { path: '/dev/stdin', target: '/proc/self/fd/0' },
  { path: '/dev/stdout', target: '/proc/self/fd/1' },
  { path: '/dev/stderr', target: '/proc/self/fd/2' },
];

/** /dev/core points at the kernel's memory image — only on kernels built with /proc/kcore (runc's rule). */
export const KCORE_LINK = { path: '/dev/core', target: '/proc/kcore' };

/** Hidden from the container: files get /dev/null on top, directories an empty read-only tmpfs.
 *  They leak facts about the host (kcore is its memory, keys its keyrings, timer_list its timers). */
export const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

/** Visible but read-only: writing to these would change the host's kernel, not the container's. */
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** PATH when the image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Seconds `stop` waits after SIGTERM before SIGKILL. */
export const DEFAULT_STOP_TIMEOUT = 10;

/** /etc/hosts lines every container has; its own address line is added when it has a network. */
export const HOSTS_HEADER = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** Docker's fallback DNS servers when the host's resolv.conf only names local ones. */
export const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];
