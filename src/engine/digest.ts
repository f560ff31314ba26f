// Digests name content: `sha256:` + 64 lowercase hex of the exact bytes (OCI image-spec
// descriptor.md). Every blob Skiff keeps is checked against its digest before it becomes visible.
import { createHash } from 'node:crypto';
import { SkiffError } from './errors.ts';

export type Digest = `sha256:${string}`;

const SHA256 = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): s is Digest {
  return SHA256.test(s);
}

/** Checks a digest string; only sha256 is accepted (the algorithm every registry uses). */
export function parseDigest(s: string): Digest {
  if (isDigest(s)) return s;
  if (/^[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(s) && !s.startsWith('sha256:')) {
    throw new SkiffError('INVALID_DIGEST', `unsupported digest algorithm in "${s}"`, 'only sha256 digests are supported');
  }
  throw new SkiffError('INVALID_DIGEST', `invalid digest "${s}"`, 'a digest looks like sha256: followed by 64 lowercase hex digits');
}

export function sha256(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function hexOf(d: Digest): string {
  return d.slice('sha256:'.length);
}

/** The 12-hex short form Docker prints (`docker images` IMAGE ID, pull progress ids). */
export function shortId(d: string): string {
  return d.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * ChainID (image-spec config.md "Layer ChainID"): names a layer *together with everything under
 * it*, so an unpacked layer directory is shared only between images with the same stack below.
 * ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256(`${prev} ${d}`));
  }
  return out;
}
