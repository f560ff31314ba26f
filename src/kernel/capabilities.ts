// Capabilities split root's power into pieces (capabilities(7)). A container's root keeps only the
// pieces Docker keeps by default (moby oci/caps/defaults.go): enough to install packages and run
// services, not enough to mount file systems, load kernel modules or change the clock.
// How it is done: the container's init drops every other capability from its *bounding set*
// before it executes the user's command; at execve the kernel gives a root process exactly the
// bounding set (and a non-root process nothing), so no capset of the effective set is needed.

/** capability.h numbering. */
export const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

export type Capability = (typeof CAPABILITIES)[number];

/** Docker's default set: 14 capabilities. */
export const DOCKER_DEFAULT_CAPS: Capability[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

export function capNumber(cap: Capability): number {
  return CAPABILITIES.indexOf(cap);
}

/** `--cap-add`/`--cap-drop` words: "NET_ADMIN", "cap_net_admin" and "ALL" as Docker takes them. */
export function normalizeCap(word: string): Capability | 'ALL' {
  const up = word.trim().toUpperCase();
  if (up === 'ALL') return 'ALL';
  const name = up.startsWith('CAP_') ? up : `CAP_${up}`;
  if (!(CAPABILITIES as readonly string[]).includes(name)) {
    throw Object.assign(new Error(`unknown capability: "${word}"`), { code: 'EINVAL' });
  }
  return name as Capability;
}

/** The set a container keeps: Docker's defaults, then drops, then adds (adds win, as in Docker). */
export function effectiveCaps(add: readonly string[] = [], drop: readonly string[] = []): Capability[] {
  const adds = add.map(normalizeCap);
  const drops = drop.map(normalizeCap);
  let set = new Set<Capability>(drops.includes('ALL') ? [] : DOCKER_DEFAULT_CAPS.filter((c) => !drops.includes(c)));
  if (adds.includes('ALL')) set = new Set(CAPABILITIES);
  for (const c of adds) if (c !== 'ALL') set.add(c);
  return CAPABILITIES.filter((c) => set.has(c));
}
