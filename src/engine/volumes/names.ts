// What a volume may be called. Docker's local driver accepts `[a-zA-Z0-9][a-zA-Z0-9_.-]+`
// (moby daemon/names: RestrictedNamePattern): at least two characters, and never a `/`, so a name
// is always one directory under <dataRoot>/volumes and can never be mistaken for a host path.
import { randomBytes } from 'node:crypto';
import { SkiffError } from '../errors.ts';

export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The label Docker ≥ 23 puts on anonymous volumes; `volume prune` without --all removes only those. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export function isVolumeName(name: string): boolean {
  return VOLUME_NAME.test(name);
}

/** Throws Docker's error for a name the local driver refuses. */
export function checkVolumeName(name: string): void {
  if (isVolumeName(name)) return;
  throw new SkiffError(
    'USAGE',
    `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`,
    name.includes('/') || name.startsWith('.') ? 'if you meant a host directory, give its absolute path (e.g. $PWD/data)' : 'a name has two or more letters, digits, _ . or -, and starts with a letter or digit',
  );
}

/** An anonymous volume is named like a container ID: 64 random hex digits. */
export function anonymousName(): string {
  return randomBytes(32).toString('hex');
}
