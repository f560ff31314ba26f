// `-v/--volume` and `--mount`, read the way Docker reads them, into one shape the engine plans
// from. Pure: no file is touched here (whether a bind source exists is the service's question).
//
// -v SRC:DST[:MODE]   (moby volume/mounts/linux_parser.go ParseMountRaw)
//   an absolute SRC is a bind mount of a host path; any other SRC is a volume *name*; `-v /dst`
//   alone is an anonymous volume. MODE is comma-separated words, at most one of each kind:
//   ro|rw, z|Z (SELinux relabel), nocopy, a propagation (rprivate...), a consistency (cached...).
// --mount type=volume|bind|tmpfs,source=,target=,readonly,...   (docker/cli opts/mount.go)
//   CSV fields; with --mount nothing is guessed: a bind source must already exist.
import path from 'node:path';
import { SkiffError } from '../errors.ts';
import { ramInBytes } from '../units.ts';
import { splitCsv } from './csv.ts';
import { checkVolumeName } from './names.ts';

export type MountType = 'volume' | 'bind' | 'tmpfs';

export interface MountRequest {
  type: MountType;
  /** Volume name (none: anonymous), or the host path of a bind mount; never set for tmpfs. */
  source?: string;
  /** Absolute and clean (`/a/b`, no trailing slash), never `/`. */
  destination: string;
  readOnly: boolean;
  /** `nocopy` / `volume-nocopy`: do not copy the image's files into an empty volume. */
  noCopy?: boolean;
  /** Which flag asked: with -v a missing bind source is created, with --mount it is an error. */
  fromFlag: 'volume' | 'mount';
  /** --mount type=tmpfs: tmpfs-size in bytes and tmpfs-mode (octal on the command line). */
  tmpfsSize?: number;
  tmpfsMode?: number;
}

export interface SpecOptions {
  /**
   * The user's working directory. Docker's CLI (≥ 23) turns a source of `.` or `./x` into an
   * absolute path before sending it; the daemon never sees a relative path. Without `cwd` (as in
   * the daemon, which does not know the caller's directory) such a source is refused.
   */
  cwd?: string;
}

const RW_MODES = new Set(['ro', 'rw']);
const LABEL_MODES = new Set(['z', 'Z']);
const PROPAGATIONS = new Set(['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared']);
const COPY_MODES = new Set(['nocopy']);
const CONSISTENCY = new Set(['consistent', 'cached', 'delegated', 'default']);

const MODE_HINT = 'the options after the second colon are ro or rw, z or Z, nocopy — one of each, separated by commas';
const DEST_HINT = 'give the path inside the container as an absolute path, e.g. -v data:/var/lib/data';

/** Docker's ValidMountMode: every word known, at most one word of each kind. */
export function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = new Map<string, number>();
  for (const word of mode.split(',')) {
    const kind = RW_MODES.has(word) ? 'rw' : LABEL_MODES.has(word) ? 'label' : PROPAGATIONS.has(word) ? 'prop' : COPY_MODES.has(word) ? 'copy' : CONSISTENCY.has(word) ? 'consistency' : undefined;
    if (!kind) return false;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts.values()].every((n) => n === 1);
}

/** Go's path.Clean for an absolute path: `/a/./b/` → `/a/b`. */
export function cleanPath(p: string): string {
  const clean = path.posix.normalize(p);
  return clean.length > 1 ? clean.replace(/\/+$/, '') : clean;
}

/** A source of `.`, `./x` or `../x` made absolute against the user's directory, as Docker's CLI does. */
function resolveDotSource(source: string, opts: SpecOptions): string {
  return opts.cwd && (source === '.' || source === '..' || source.startsWith('./') || source.startsWith('../')) ? path.resolve(opts.cwd, source) : source;
}

/** The daemon's checks of a target (linuxValidateNotRoot, linuxValidateAbsolute), as a reason. */
function destinationProblem(target: string): string | undefined {
  if (target === '') return 'field Target must not be empty';
  if (target.startsWith('/') && cleanPath(target) === '/') return "invalid specification: destination can't be '/'";
  if (!target.startsWith('/')) return `invalid mount path: '${target}' mount path must be absolute`;
  return undefined;
}

function invalidSpec(raw: string, reason?: string, hint = 'write -v NAME:/path, -v /host/path:/path or -v /path (an anonymous volume), optionally followed by :ro'): SkiffError {
  return new SkiffError('USAGE', `invalid volume specification: '${raw}'${reason ? `: ${reason}` : ''}`, hint);
}

function unsupported(what: string, hint: string): SkiffError {
  return new SkiffError('USAGE', `${what} is not supported by Skiff`, hint);
}

/** Parses one `-v/--volume` value. */
export function parseVolumeFlag(raw: string, opts: SpecOptions = {}): MountRequest {
  const parts = raw.split(':');
  if (parts[0] === '' || parts.length > 3) throw invalidSpec(raw);
  let source: string | undefined;
  let target: string;
  let mode = '';
  if (parts.length === 1) {
    target = parts[0]!;
  } else if (parts.length === 2) {
    // `/dst:ro` looks like a mode after a destination: an anonymous volume cannot take options.
    if (validMountMode(parts[1]!)) throw invalidSpec(raw, undefined, 'an anonymous volume takes no options; name it to make it read-only: -v NAME:/path:ro');
    [source, target] = [parts[0]!, parts[1]!];
  } else {
    [source, target, mode] = [parts[0]!, parts[1]!, parts[2]!];
  }
  if (!validMountMode(mode)) throw new SkiffError('USAGE', `invalid mode: ${mode}`, MODE_HINT);
  if (source !== undefined) source = resolveDotSource(source, opts);
  const type: MountType = source !== undefined && source.startsWith('/') ? 'bind' : 'volume';
  const problem = destinationProblem(target);
  if (problem) throw invalidSpec(raw, `invalid mount config for type "${type}": ${problem}`, DEST_HINT);
  const words = mode === '' ? [] : mode.split(',');
  const noCopy = words.includes('nocopy');
  if (type === 'bind' && noCopy) {
    throw invalidSpec(raw, 'invalid mount config for type "bind": field VolumeOptions must not be specified', 'nocopy is for volumes: a bind mount shows the host directory as it is and never copies');
  }
  const propagation = words.find((w) => PROPAGATIONS.has(w));
  if (propagation && propagation !== 'rprivate') {
    throw unsupported(`mount propagation '${propagation}'`, `Skiff's mounts are always rprivate (Docker's default); leave out ':${propagation}'`);
  }
  if (type === 'volume' && source !== undefined) checkVolumeName(source);
  // z/Z ask Docker to relabel the source for SELinux; like Docker on a host without SELinux, Skiff
  // accepts them and has nothing to relabel. Consistency words only matter on Docker Desktop for Mac.
  return {
    type,
    ...(source !== undefined ? { source: type === 'bind' ? cleanPath(source) : source } : {}),
    destination: cleanPath(target),
    readOnly: words.includes('ro'),
    ...(noCopy ? { noCopy } : {}),
    fromFlag: 'volume',
  };
}

/** Go's strconv.ParseBool. */
function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

const REFUSED_KEYS: Record<string, string> = {
  'volume-label': 'create the volume first with labels: skiff volume create --label k=v NAME',
  'volume-opt': 'Skiff\'s local driver takes no options: use a bind mount for a host directory',
  'volume-subpath': 'mount the whole volume, or bind-mount the directory you want',
  'bind-nonrecursive': 'Skiff bind mounts are recursive (rbind), as Docker\'s default',
  'bind-recursive': 'Skiff bind mounts are recursive (rbind), as Docker\'s default',
  'bind-create-host-path': 'create the directory first, or use -v, which creates it',
  'image-subpath': 'Skiff has no image mounts yet',
};

/** Parses one `--mount` value. */
export function parseMountFlag(raw: string, opts: SpecOptions = {}): MountRequest {
  // Errors the CLI finds before asking the daemon read like pflag's: invalid argument "..." for "--mount" flag.
  const flagError = (why: string, hint = 'write --mount type=volume|bind|tmpfs,source=...,target=/path[,readonly]') =>
    new SkiffError('USAGE', `invalid argument "${raw}" for "--mount" flag: ${why}`, hint);
  let fields: string[];
  try {
    fields = splitCsv(raw);
  } catch (e) {
    throw flagError((e as Error).message, 'quote a whole field, e.g. "source=/a,b", when it holds a comma');
  }
  let type = 'volume';
  let source: string | undefined;
  let target: string | undefined;
  let readOnly = false;
  let noCopy: boolean | undefined;
  let tmpfsSize: number | undefined;
  let tmpfsMode: number | undefined;
  const kinds = new Set<'volume' | 'bind' | 'tmpfs'>();
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = eq === -1 ? field : field.slice(0, eq);
    const value = eq === -1 ? undefined : field.slice(eq + 1);
    const bool = (v: string | undefined) => {
      if (v === undefined) return true;
      const b = parseBool(v);
      if (b === undefined) throw flagError(`invalid value for ${key}: ${v}`, 'use true or false');
      return b;
    };
    if (value === undefined && !['readonly', 'ro', 'volume-nocopy', 'bind-nonrecursive'].includes(key)) {
      throw flagError(`invalid field '${field}' must be a key=value pair`);
    }
    if (key in REFUSED_KEYS) throw unsupported(`--mount ${key}`, REFUSED_KEYS[key]!);
    if (key.startsWith('volume-')) kinds.add('volume');
    if (key.startsWith('bind-')) kinds.add('bind');
    if (key.startsWith('tmpfs-')) kinds.add('tmpfs');
    switch (key) {
      case 'type':
        type = value!.toLowerCase();
        break;
      case 'source':
      case 'src':
        source = resolveDotSource(value!, opts);
        break;
      case 'target':
      case 'dst':
      case 'destination':
        target = value!;
        break;
      case 'readonly':
      case 'ro':
        readOnly = bool(value);
        break;
      case 'volume-nocopy':
        noCopy = bool(value);
        break;
      case 'volume-driver':
        if (value !== 'local') throw unsupported(`volume driver "${value}"`, 'Skiff has only the local driver: leave out volume-driver');
        break;
      case 'bind-propagation':
        if (value!.toLowerCase() !== 'rprivate') throw unsupported(`mount propagation '${value}'`, "Skiff's mounts are always rprivate (Docker's default)");
        break;
      case 'consistency':
        break; // only Docker Desktop for Mac acts on it; Docker on Linux ignores it too
      case 'tmpfs-size':
        tmpfsSize = ramInBytes(value!);
        if (tmpfsSize === undefined) throw flagError(`invalid value for ${key}: ${value}`, 'a size like 64m or 1g');
        break;
      case 'tmpfs-mode':
        if (!/^[0-7]{1,11}$/.test(value!) || Number.parseInt(value!, 8) > 0xffffffff) throw flagError(`invalid value for ${key}: ${value}`, 'an octal mode like 1777');
        tmpfsMode = Number.parseInt(value!, 8);
        break;
      default:
        throw flagError(`unexpected key '${key}' in '${field}'`, 'known keys: type, source (src), target (dst, destination), readonly (ro), volume-nocopy, tmpfs-size, tmpfs-mode');
    }
  }
  if (type === '') throw flagError('type is required');
  if (target === undefined || target === '') throw flagError('target is required', 'add target=/path/in/container');
  for (const k of kinds) if (k !== type) throw flagError(`cannot mix '${k}-*' options with mount type '${type}'`);
  if (type === 'image' || type === 'npipe' || type === 'cluster') throw unsupported(`mount type "${type}"`, 'use type=volume, type=bind or type=tmpfs');
  if (type !== 'volume' && type !== 'bind' && type !== 'tmpfs') throw new SkiffError('USAGE', `invalid mount config for type "${type}": mount type unknown`, 'use type=volume, type=bind or type=tmpfs');
  // The daemon's validateMountConfig, in its order: target, then what each type needs.
  const config = (why: string, hint: string) => new SkiffError('USAGE', `invalid mount config for type "${type}": ${why}`, hint);
  const problem = destinationProblem(target);
  if (problem) throw config(problem, 'target is the absolute path inside the container, e.g. target=/data');
  if (type === 'bind') {
    if (!source) throw config('field Source must not be empty', 'add source=/absolute/host/path');
    if (!source.startsWith('/')) throw config(`invalid mount path: '${source}' mount path must be absolute`, 'a bind source is an absolute host path');
    source = cleanPath(source);
  } else if (type === 'volume') {
    if (source) checkVolumeName(source);
    if (!source && readOnly) throw config('must not set ReadOnly mode when using anonymous volumes', 'name the volume (source=NAME) to mount it read-only');
  } else if (source) {
    throw config('field Source must not be specified', 'a tmpfs lives in memory: leave out source');
  }
  return {
    type,
    ...(source ? { source } : {}),
    destination: cleanPath(target),
    readOnly,
    ...(noCopy ? { noCopy } : {}),
    fromFlag: 'mount',
    ...(tmpfsSize !== undefined ? { tmpfsSize } : {}),
    ...(tmpfsMode !== undefined ? { tmpfsMode } : {}),
  };
}

/** Every path inside the container takes one mount (moby daemon/volumes.go registerMountPoints). */
export function checkDuplicates(requests: readonly MountRequest[]): void {
  const seen = new Set<string>();
  for (const r of requests) {
    if (seen.has(r.destination)) {
      throw new SkiffError('USAGE', `Duplicate mount point: ${r.destination}`, `each path inside the container takes one mount: drop one of the -v/--mount flags for ${r.destination}`);
    }
    seen.add(r.destination);
  }
}

/** All `-v` then all `--mount` values of one `run`/`create`, checked together. */
export function parseMountFlags(flags: { volumes?: readonly string[]; mounts?: readonly string[] }, opts: SpecOptions = {}): MountRequest[] {
  const requests = [...(flags.volumes ?? []).map((v) => parseVolumeFlag(v, opts)), ...(flags.mounts ?? []).map((m) => parseMountFlag(m, opts))];
  checkDuplicates(requests);
  return requests;
}
