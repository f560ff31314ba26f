// The overlay mount of a container's root, as data (mount(8): `mount -t overlay overlay -o
// lowerdir=…,upperdir=…,workdir=… <target>`, performed with `cwd` as the working directory).
// overlayfs.rst: lowerdirs are listed top first and separated by ':'; upperdir receives every
// write; workdir must be an empty directory on the same file system as upperdir.
import { SkiffError } from '../errors.ts';
import type { MountSpec } from './types.ts';

/**
 * mount(2) copies the option string into one page (copy_mount_options in fs/namespace.c), NUL
 * included. 4096 is the page size of every x86-64 host and the smallest on arm64.
 */
export const MOUNT_DATA_MAX = 4095;

export interface OverlayMountParts {
  /** The working directory for the mount: relative lowerdirs are resolved from here. */
  cwd: string;
  /** Lower directories, top first, relative to cwd (`l/<short>`) or absolute. */
  lowerdirs: string[];
  upperdir: string;
  workdir: string;
  /**
   * Say `index=off`, as Docker does where the kernel knows the option: with the index feature on,
   * overlayfs ties the upperdir to the exact inodes of its lowerdirs, and mounting fails once a
   * layer was unpacked again (re-pulled) or the data root copied.
   */
  indexOff?: boolean;
}

// ',' separates options and ':' lowerdirs; overlayfs and mount(8) disagree on escaping them, so
// such paths are refused rather than quoted.
const SEPARATORS = /[,:\\]/;

export function overlayMount(p: OverlayMountParts): MountSpec {
  for (const dir of [p.cwd, p.upperdir, p.workdir, ...p.lowerdirs]) {
    const bad = SEPARATORS.exec(dir);
    if (bad) {
      throw new SkiffError('UNSUPPORTED', `the path ${dir} contains "${bad[0]}", which overlay mount options cannot carry`, 'choose a --data-root whose path has no comma, colon or backslash');
    }
  }
  if (p.lowerdirs.length === 0) throw new SkiffError('STORE', 'an overlay mount needs at least one lower directory', 'an image without layers gets an empty lower directory');
  const options = [`lowerdir=${p.lowerdirs.join(':')}`, `upperdir=${p.upperdir}`, `workdir=${p.workdir}`];
  if (p.indexOff) options.push('index=off');
  const size = Buffer.byteLength(options.join(',')); // the kernel counts bytes, and paths may be UTF-8
  if (size > MOUNT_DATA_MAX) {
    throw new SkiffError(
      'UNSUPPORTED',
      `the image has ${p.lowerdirs.length} layers: its overlay mount options take ${size} bytes, more than the kernel's ${MOUNT_DATA_MAX}`,
      'flatten the image (export a container and import it), or use the vfs storage driver',
    );
  }
  return { type: 'overlay', source: 'overlay', options, cwd: p.cwd };
}

