// Pure rules of planning a container's mounts, apart from the files they touch.
import { SkiffError } from '../errors.ts';
import { cleanPath } from './spec.ts';

/**
 * The destinations an image's config.Volumes asks for (keys like "/data"; the values are empty
 * objects). Each one not already covered by a -v/--mount gets a new anonymous volume, as
 * Docker's daemon does at create (moby daemon/create_unix.go: skipped when HasMountFor).
 */
export function imageVolumeTargets(keys: readonly string[]): string[] {
  const out: string[] = [];
  for (const key of keys) {
    const dest = cleanPath(key.startsWith('/') ? key : `/${key}`);
    if (dest === '/') throw new SkiffError('USAGE', `the image declares VOLUME ${key}, and the root of a container cannot be a volume`, 'rebuild the image without that VOLUME line');
    if (!out.includes(dest)) out.push(dest);
  }
  return out;
}

/**
 * The order to mount in: a parent path before anything below it, or the later mount would hide
 * the earlier one (moby daemon/volumes.go sorts mounts by their number of path components).
 * Stable: equal depths keep the order the user gave.
 */
export function mountOrder<T extends { destination: string }>(mounts: readonly T[]): T[] {
  const depth = (d: string) => d.split('/').filter(Boolean).length;
  return mounts.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m.destination) - depth(b.m.destination) || a.i - b.i).map(({ m }) => m);
}
