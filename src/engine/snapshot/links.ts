// Short names for layer directories, Docker overlay2's way (moby daemon/graphdriver/overlay2,
// "l" directory). An overlay mount lists every lowerdir in its option string, and mount(2) copies
// at most one page of options (4096 bytes): 45 layers at ~100 bytes of absolute path each do not
// fit. So <dataRoot>/layers/l/<short> is a symlink to ../<chainID hex>/diff, and the mount names
// `l/<short>` with its working directory at <dataRoot>/layers.
//
// The short name is the start of the ChainID's hex, so a learner can match `l/3f2a9c1d0b7e4a56`
// with `layers/3f2a9c1d0b7e…`. symlink(2) makes the link atomically (it exists whole or not at
// all) and fails with EEXIST when the name is taken, so making one is safe to repeat and to race:
// a taken name pointing at the same layer is ours; one pointing elsewhere (a prefix collision)
// moves us to a longer prefix.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Digest, hexOf } from '../digest.ts';
import { SkiffError } from '../errors.ts';

export const LINK_DIR = 'l';
const LENGTHS = [16, 24, 32, 64];

/** Where a layer's link points, relative to the link directory. */
export function linkTarget(chainId: Digest): string {
  return `../${hexOf(chainId)}/diff`;
}

/** Makes (or finds) the short link to a layer's diff; returns it relative to `layersRoot` (`l/<short>`). */
export async function ensureLayerLink(layersRoot: string, chainId: Digest): Promise<string> {
  const dir = path.join(layersRoot, LINK_DIR);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const target = linkTarget(chainId);
  for (const n of LENGTHS) {
    const name = hexOf(chainId).slice(0, n);
    const link = path.join(dir, name);
    try {
      await fs.symlink(target, link);
      return `${LINK_DIR}/${name}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if ((await fs.readlink(link).catch(() => undefined)) === target) return `${LINK_DIR}/${name}`;
  }
  throw new SkiffError('STORE', `${path.join(dir, hexOf(chainId))} exists but does not point at layer ${hexOf(chainId).slice(0, 12)}`, `remove ${dir}; Skiff makes the links again`);
}
