import { describe, expect, it } from 'vitest';
import { isSkiffError, type SkiffError } from '../../../src/engine/errors.ts';
import {
  choosePlatformManifest,
  formatPlatform,
  hostPlatform,
  type IndexEntry,
  parsePlatform,
  type Platform,
} from '../../../src/engine/registry/platform.ts';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
let n = 0;
function entry(platform: IndexEntry['platform'], annotations?: Record<string, string>): IndexEntry {
  const digest = `sha256:${(++n).toString(16).padStart(64, '0')}`;
  return { mediaType: MANIFEST, digest, size: 500, ...(platform ? { platform } : {}), ...(annotations ? { annotations } : {}) };
}
const p = (os: string, architecture: string, variant?: string) => (variant ? { os, architecture, variant } : { os, architecture });

// The shape of a current Docker Official Image index: images, each with a BuildKit attestation.
const amd64 = entry(p('linux', 'amd64'));
const armv5 = entry(p('linux', 'arm', 'v5'));
const armv7 = entry(p('linux', 'arm', 'v7'));
const arm64 = entry(p('linux', 'arm64', 'v8'));
const i386 = entry(p('linux', '386'));
const ppc = entry(p('linux', 'ppc64le'));
const s390x = entry(p('linux', 's390x'));
const attest = (of: IndexEntry) =>
  entry(p('unknown', 'unknown'), { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': of.digest });
const official = [amd64, attest(amd64), armv5, attest(armv5), armv7, attest(armv7), arm64, attest(arm64), i386, ppc, s390x];

function failure(entries: IndexEntry[], want: Platform): SkiffError {
  try {
    choosePlatformManifest(entries, want);
  } catch (e) {
    if (isSkiffError(e, 'NO_MATCHING_PLATFORM')) return e;
    throw e;
  }
  throw new Error('should have failed');
}

describe('choosePlatformManifest', () => {
  const cases: [name: string, entries: IndexEntry[], want: Platform, chosen: IndexEntry][] = [
    ['amd64 from an official index', official, p('linux', 'amd64'), amd64],
    ['arm64/v8 from an official index', official, p('linux', 'arm64', 'v8'), arm64],
    ['arm64 without variant matches v8', official, p('linux', 'arm64'), arm64],
    ['arm/v7 exact', official, p('linux', 'arm', 'v7'), armv7],
    ['arm without variant means v7', official, p('linux', 'arm'), armv7],
    ['arm/v6 runs v5 when no v6 image exists', official, p('linux', 'arm', 'v6'), armv5],
    ['386', official, p('linux', '386'), i386],
    ['s390x', official, p('linux', 's390x'), s390x],
    ['os and arch are case-insensitive, x86_64 means amd64', official, p('Linux', 'x86_64'), amd64],
  ];
  it.each(cases)('%s', (_name, entries, want, chosen) => {
    expect(choosePlatformManifest(entries, want)).toBe(chosen);
  });

  it('matches an arm64 entry without a variant for arm64/v8', () => {
    const bare = entry(p('linux', 'arm64'));
    expect(choosePlatformManifest([amd64, bare], p('linux', 'arm64', 'v8'))).toBe(bare);
  });

  it('prefers an exact variant over a compatible one, whatever the order', () => {
    const v6 = entry(p('linux', 'arm', 'v6'));
    expect(choosePlatformManifest([armv5, v6, armv7], p('linux', 'arm', 'v6'))).toBe(v6);
    expect(choosePlatformManifest([armv7, armv5, v6], p('linux', 'arm', 'v7'))).toBe(armv7);
  });

  it('ignores amd64 variants unless asked, preferring the baseline', () => {
    const v3 = entry(p('linux', 'amd64', 'v3'));
    const v2 = entry(p('linux', 'amd64', 'v2'));
    expect(choosePlatformManifest([v3, amd64], p('linux', 'amd64'))).toBe(amd64);
    expect(choosePlatformManifest([v3], p('linux', 'amd64'))).toBe(v3);
    expect(choosePlatformManifest([amd64, v2, v3], p('linux', 'amd64', 'v3'))).toBe(v3);
    expect(choosePlatformManifest([amd64, v3, v2], p('linux', 'amd64', 'v2'))).toBe(v2);
    expect(() => choosePlatformManifest([v3], p('linux', 'amd64', 'v2'))).toThrow(/no linux\/amd64\/v2 image/);
  });

  it('takes the first of equally good entries', () => {
    const second = entry(p('linux', 'amd64'));
    expect(choosePlatformManifest([amd64, second], p('linux', 'amd64'))).toBe(amd64);
  });

  it('needs an exact variant on other architectures when one is asked for', () => {
    const riscv = entry(p('linux', 'riscv64'));
    expect(choosePlatformManifest([riscv], p('linux', 'riscv64'))).toBe(riscv);
    expect(() => choosePlatformManifest([riscv], p('linux', 'riscv64', 'rva23'))).toThrow(/no linux\/riscv64\/rva23/);
  });

  it('never picks an attestation, even when asked for unknown/unknown', () => {
    const marked = entry(p('linux', 'amd64'), { 'vnd.docker.reference.type': 'attestation-manifest' });
    expect(() => choosePlatformManifest([attest(amd64), marked], p('linux', 'amd64'))).toThrow(/no linux\/amd64/);
    expect(() => choosePlatformManifest(official, p('unknown', 'unknown'))).toThrow(/no unknown\/unknown/);
  });

  it('does not run an arm64 host on arm64/v9 images or amd64 on arm64', () => {
    const v9 = entry(p('linux', 'arm64', 'v9'));
    expect(() => choosePlatformManifest([v9, amd64], p('linux', 'arm64'))).toThrow(/no linux\/arm64/);
    expect(choosePlatformManifest([arm64, v9], p('linux', 'arm64', 'v9'))).toBe(v9);
  });

  it('says which platforms the list has, without attestations or repeats', () => {
    const e = failure([arm64, attest(arm64), s390x, entry(p('linux', 's390x')), entry(undefined)], p('linux', 'amd64'));
    expect(e.message).toBe('no linux/amd64 image in this manifest list (it has: linux/arm64/v8, linux/s390x)');
    expect(e.hint).toMatch(/--platform linux\/arm64\/v8/);
  });

  it('reports an index with no usable platforms', () => {
    expect(failure([], p('linux', 'amd64')).message).toMatch(/no linux\/amd64 image .*it names no platforms/);
    expect(failure([attest(amd64)], p('linux', 'arm64', 'v8')).message).toMatch(/no linux\/arm64\/v8 image/);
  });

  it('skips malformed entries instead of crashing', () => {
    const junk = [{ mediaType: MANIFEST, digest: 'x', size: 1, platform: { os: 1 } }] as unknown as IndexEntry[];
    expect(choosePlatformManifest([...junk, amd64], p('linux', 'amd64'))).toBe(amd64);
  });

  it('matches windows only to windows', () => {
    const win = entry({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2527' });
    expect(() => choosePlatformManifest([win], p('linux', 'amd64'))).toThrow(/it has: windows\/amd64/);
  });
});

describe('hostPlatform', () => {
  const cases: [arch: string, armVersion: unknown, want: Platform][] = [
    ['x64', undefined, p('linux', 'amd64')],
    ['arm64', undefined, p('linux', 'arm64', 'v8')],
    ['arm', '7', p('linux', 'arm', 'v7')],
    ['arm', '6', p('linux', 'arm', 'v6')],
    ['arm', 6, p('linux', 'arm', 'v6')],
    ['arm', undefined, p('linux', 'arm', 'v7')],
    ['arm', 'default', p('linux', 'arm', 'v7')],
    ['ia32', undefined, p('linux', '386')],
    ['ppc64', undefined, p('linux', 'ppc64le')],
    ['s390x', undefined, p('linux', 's390x')],
    ['riscv64', undefined, p('linux', 'riscv64')],
  ];
  it.each(cases)('%s (arm_version %j)', (arch, armVersion, want) => {
    expect(hostPlatform(arch, armVersion)).toEqual(want);
  });
  it('describes this machine by default', () => {
    expect(hostPlatform().architecture).toBe(hostPlatform(process.arch).architecture);
    if (process.arch === 'x64') expect(hostPlatform()).toEqual(p('linux', 'amd64'));
    if (process.arch === 'arm64') expect(hostPlatform()).toEqual(p('linux', 'arm64', 'v8'));
  });
});

describe('formatPlatform / parsePlatform', () => {
  it.each([
    [p('linux', 'arm64', 'v8'), 'linux/arm64/v8'],
    [p('linux', 'amd64'), 'linux/amd64'],
    [{ os: 'linux', architecture: 'amd64', variant: '' }, 'linux/amd64'],
  ])('formats %j', (platform, text) => {
    expect(formatPlatform(platform)).toBe(text);
  });

  const valid: [input: string, want: Platform][] = [
    ['linux/amd64', p('linux', 'amd64')],
    ['linux/arm64/v8', p('linux', 'arm64', 'v8')],
    ['linux/arm64', p('linux', 'arm64')],
    ['linux/arm/v7', p('linux', 'arm', 'v7')],
    ['linux/arm/7', p('linux', 'arm', 'v7')],
    ['LINUX/AMD64', p('linux', 'amd64')],
    ['linux/x86_64', p('linux', 'amd64')],
    ['linux/aarch64', p('linux', 'arm64')],
    ['linux/armhf', p('linux', 'arm', 'v7')],
    ['linux/armel', p('linux', 'arm', 'v6')],
    ['linux/i386', p('linux', '386')],
    ['arm64', p('linux', 'arm64')],
    ['windows/amd64', p('windows', 'amd64')],
  ];
  it.each(valid)('parses %s', (input, want) => {
    expect(parsePlatform(input)).toEqual(want);
  });

  const invalid: [input: string, says: RegExp][] = [
    ['', /it is empty/],
    ['linux/', /empty part/],
    ['/amd64', /empty part/],
    ['linux//v8', /empty part/],
    ['linux/arm/v7/x', /too many/],
    ['linux/amd 64', /"amd 64"/],
    ['linux/amd64@x', /"amd64@x"/],
  ];
  it.each(invalid)('rejects %j', (input, says) => {
    let err: unknown;
    try {
      parsePlatform(input);
    } catch (e) {
      err = e;
    }
    expect(isSkiffError(err, 'USAGE')).toBe(true);
    expect((err as SkiffError).message).toMatch(says);
    expect((err as SkiffError).message).toContain(`"${input}"`);
    expect((err as SkiffError).hint).toMatch(/linux\/amd64/);
  });
});
