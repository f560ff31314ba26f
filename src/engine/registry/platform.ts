// Platforms: one tag such as `ubuntu:22.04` is really a *manifest list* (Docker) or *image index*
// (OCI image-spec image-index.md) with one image per OS/CPU; the client picks the entry for the
// machine it runs on, the way containerd's `platforms` package and `docker pull` do.
import { SkiffError } from '../errors.ts';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** One entry of a manifest list / image index (image-spec image-index.md `manifests`). */
export interface IndexEntry {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string; 'os.version'?: string };
  annotations?: Record<string, string>;
}

// Node's process.arch names → the GOARCH names images use (image-spec config.md `architecture`).
const NODE_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  // Node builds ppc64 only for little-endian Linux; images call that ppc64le.
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
};

/**
 * The platform this machine runs images for. The OS is always linux: containers share the
 * Linux kernel, so even Docker Desktop on a Mac pulls linux images (into a Linux VM).
 */
export function hostPlatform(arch: string = process.arch, armVersion: unknown = armVersionOfNode()): Platform {
  const architecture = NODE_ARCH[arch] ?? arch;
  if (architecture === 'arm64') return { os: 'linux', architecture, variant: 'v8' };
  if (architecture === 'arm') {
    // Node records the ARM version it was built for; 6 and 7 are the ones images exist for.
    const v = String(armVersion);
    return { os: 'linux', architecture, variant: /^[5-7]$/.test(v) ? `v${v}` : 'v7' };
  }
  return { os: 'linux', architecture };
}

function armVersionOfNode(): unknown {
  return (process.config.variables as unknown as Record<string, unknown>).arm_version;
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== '').join('/');
}

// Other names people (and `uname -m`) use for the same CPU, as containerd's platforms.Normalize.
const ARCH_ALIASES: Record<string, Platform['architecture']> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  i386: '386',
  i686: '386',
};

/** Parses a --platform value: os/arch[/variant], or just an arch (the OS is then linux). */
export function parsePlatform(s: string): Platform {
  const bad = (why: string) =>
    new SkiffError('USAGE', `invalid platform "${s}": ${why}`, 'a platform looks like os/arch[/variant], e.g. linux/amd64, linux/arm64/v8 or linux/arm/v7');
  const parts = s.toLowerCase().split('/');
  if (parts.length > 3) throw bad('too many "/"-separated parts');
  const empty = parts.findIndex((p) => p === '');
  if (empty !== -1) throw bad(s === '' ? 'it is empty' : 'an empty part');
  const odd = parts.find((p) => !/^[a-z0-9_.-]+$/.test(p));
  if (odd !== undefined) throw bad(`"${odd}" has characters other than letters, digits, _ . -`);
  let [os, arch, variant] = parts as [string, string | undefined, string | undefined];
  if (arch === undefined) [os, arch] = ['linux', os];
  arch = ARCH_ALIASES[arch] ?? arch;
  if (arch === 'armhf') [arch, variant] = ['arm', variant ?? 'v7'];
  if (arch === 'armel') [arch, variant] = ['arm', variant ?? 'v6'];
  // Variants are written with a leading "v" in image indexes: arm/7 means arm/v7.
  if (variant !== undefined && /^[0-9]+$/.test(variant)) variant = `v${variant}`;
  return variant === undefined ? { os, architecture: arch } : { os, architecture: arch, variant };
}

/**
 * Entries that are not images for any machine. BuildKit adds provenance/SBOM attestations to an
 * index as manifests with platform unknown/unknown and this annotation (docker buildx docs,
 * "attestation storage").
 */
function isAttestation(e: IndexEntry): boolean {
  return (
    e.platform?.os === 'unknown' ||
    e.platform?.architecture === 'unknown' ||
    e.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
  );
}

/** A variant's number for the architectures whose variants form a ladder (v8 runs v7 code...). */
function variantLevel(arch: string, variant: string | undefined): number | undefined {
  // Unset means the baseline: arm64 is v8, amd64 is v1, 32-bit arm is v7 (containerd Normalize).
  const v = variant ?? { arm64: 'v8', amd64: 'v1', arm: 'v7' }[arch];
  const m = v === undefined ? null : /^v([0-9]+)$/.exec(v);
  return m ? Number(m[1]) : undefined;
}

/**
 * How well an entry's variant suits the wanted one: 0 is a perfect match, higher is a worse but
 * still runnable choice, undefined means it will not run.
 */
function variantRank(arch: string, want: string | undefined, have: string | undefined): number | undefined {
  // amd64 images rarely set a variant (v2/v3 need newer CPUs); unless one is asked for, take
  // any amd64 image, preferring the baseline that every amd64 CPU can run.
  if (arch === 'amd64' && want === undefined) return (variantLevel(arch, have) ?? 1) - 1;
  if (arch === 'arm' || arch === 'arm64' || arch === 'amd64') {
    const w = variantLevel(arch, want);
    const h = variantLevel(arch, have);
    if (w === undefined || h === undefined) return want === have ? 0 : undefined;
    // A newer CPU runs code for an older one (armv7 runs armv6 and armv5; x86-64-v3 runs v2),
    // but arm64 is not a 32-bit arm: its ladder starts at v8.
    return h <= w ? w - h : undefined;
  }
  if (want === have) return 0;
  return want === undefined ? 1 : undefined;
}

/** Picks the image for `want` from a manifest list; throws NO_MATCHING_PLATFORM if it has none. */
export function choosePlatformManifest(entries: IndexEntry[], want: Platform): IndexEntry {
  const os = want.os.toLowerCase();
  const arch = ARCH_ALIASES[want.architecture.toLowerCase()] ?? want.architecture.toLowerCase();
  const variant = want.variant?.toLowerCase() || undefined;

  let best: IndexEntry | undefined;
  let bestRank = Infinity;
  for (const e of entries) {
    const p = e.platform;
    if (!p || typeof p.os !== 'string' || typeof p.architecture !== 'string' || isAttestation(e)) continue;
    const pArch = ARCH_ALIASES[p.architecture.toLowerCase()] ?? p.architecture.toLowerCase();
    if (p.os.toLowerCase() !== os || pArch !== arch) continue;
    const rank = variantRank(arch, variant, p.variant?.toLowerCase() || undefined);
    // Strictly better only: among equals the first listed wins, as registries list them in order.
    if (rank !== undefined && rank < bestRank) [best, bestRank] = [e, rank];
  }
  if (best) return best;

  const offered = [
    ...new Set(
      entries
        .filter((e) => e.platform && typeof e.platform.os === 'string' && !isAttestation(e))
        .map((e) => formatPlatform(e.platform!)),
    ),
  ];
  const has = offered.length ? `it has: ${offered.join(', ')}` : 'it names no platforms';
  const example = offered[0] ?? 'linux/amd64';
  throw new SkiffError(
    'NO_MATCHING_PLATFORM',
    `no ${formatPlatform({ os, architecture: arch, variant })} image in this manifest list (${has})`,
    `pull another platform with --platform ${example}; running it needs CPU emulation (qemu binfmt)`,
  );
}
