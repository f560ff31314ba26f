// Container IDs and names. An ID is 64 random hex digits (Docker shows the first 12); a name is
// what people type. Without --name Docker invents one from two word lists; ours are boats and the
// sea, in keeping with Skiff (Docker's own list is adjectives and famous scientists).
import { randomBytes } from 'node:crypto';
import { SkiffError } from '../errors.ts';

/** moby daemon/names: RestrictedNameChars. A leading "/" is how the API writes names. */
const NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

export function checkContainerName(name: string): string {
  if (!NAME.test(name)) {
    throw new SkiffError('USAGE', `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, 'names start with a letter or digit and have at least two characters');
  }
  return name.replace(/^\//, '');
}

const ADJECTIVES = [
  'amber', 'brave', 'breezy', 'bright', 'calm', 'clever', 'coral', 'curious', 'daring', 'deep',
  'eager', 'gentle', 'gleaming', 'golden', 'happy', 'hardy', 'jolly', 'keen', 'lively', 'lucky',
  'merry', 'misty', 'nimble', 'patient', 'plucky', 'quick', 'quiet', 'salty', 'silver', 'steady',
  'sturdy', 'sunny', 'swift', 'tidy', 'trusty', 'vivid', 'wandering', 'windy', 'wise', 'zesty',
];
const NOUNS = [
  'anchor', 'barge', 'beacon', 'buoy', 'canoe', 'clipper', 'coracle', 'cutter', 'dinghy', 'dory',
  'ferry', 'galley', 'gig', 'harbor', 'junk', 'kayak', 'keel', 'ketch', 'lighthouse', 'lugger',
  'mast', 'oar', 'pontoon', 'punt', 'raft', 'rudder', 'sail', 'schooner', 'skiff', 'sloop',
  'tender', 'tide', 'trawler', 'tug', 'wherry', 'yacht', 'yawl', 'compass', 'current', 'reef',
];

/** "brave_dinghy"; with `retry` > 0 a digit is added, as Docker does after a collision. */
export function generateName(retry = 0): string {
  const pick = (list: string[]) => list[randomBytes(2).readUInt16LE(0) % list.length]!;
  const name = `${pick(ADJECTIVES)}_${pick(NOUNS)}`;
  return retry > 0 ? `${name}${randomBytes(1)[0]! % 10}` : name;
}
