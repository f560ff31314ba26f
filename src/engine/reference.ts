// Image references: what a user types to name an image (`ubuntu`, `myorg/app:1`,
// `localhost:5000/a/b@sha256:…`), parsed with Docker's grammar (distribution/reference,
// regexp.go) and normalised the way `docker pull` does it (normalize.go):
//
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [ domain "/" ] path-component ( "/" path-component )*
//   domain     := host [ ":" port ]            host: DNS-like name, IPv4, or [IPv6]
//
// `ubuntu` becomes `docker.io/library/ubuntu:latest`: no domain means Docker Hub, a one-word
// Hub name lives in the `library/` namespace (the official images), and no tag means `latest`.
// We parse piece by piece rather than with one big regexp so every error can say which piece
// of the input is wrong.
import { isDigest, type Digest } from './digest.ts';
import { SkiffError } from './errors.ts';
import { BlockList, isIP } from 'node:net';

export interface ImageReference {
  /** Registry host[:port]; `docker.io` for Docker Hub. */
  domain: string;
  /** Repository path inside the registry: `library/busybox`, `myorg/app`, `a/b/c`. */
  path: string;
  /** Undefined only when a digest was given without a tag. */
  tag?: string;
  digest?: Digest;
}

const DOCKER_HUB = 'docker.io';
// The Hub's name from the days of "the Docker Index"; normalize.go still folds it into docker.io.
const LEGACY_DOCKER_HUB = 'index.docker.io';
const OFFICIAL_NAMESPACE = 'library/';
const DEFAULT_TAG = 'latest';
// distribution/reference RepositoryNameTotalLengthMax: counted on the path, without the domain.
const PATH_MAX = 255;

// One path component: lowercase letters and digits, joined by one `.`, one or two `_`, or any
// number of `-` (regexp.go `alphanumeric` + `separator`).
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
// A domain: DNS-like labels (upper case allowed, hostnames are case-insensitive) or an IPv6
// address in brackets, then an optional port (regexp.go `domainAndPort`).
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;
// Tags come from docker/docker graph/tags.go: a word character, then up to 127 of [\w.-].
const TAG = /^[\w][\w.-]{0,127}$/;
// Docker refuses a bare 64-hex name: it is an image ID, and `docker pull <id>` would otherwise
// try to fetch a repository called library/<id>.
const IMAGE_ID = /^[a-f0-9]{64}$/;
// Any digest in Docker's general form (regexp.go `digestPat`), to tell "other algorithm" apart.
const ANY_DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

const SHAPE = 'an image reference looks like [registry/]name[:tag][@sha256:<64 hex>], e.g. ubuntu:22.04 or localhost:5000/myorg/app:1';

function invalid(input: string, what: string, hint: string = SHAPE): SkiffError {
  // JSON quoting keeps the message on one line even when the input holds a newline.
  return new SkiffError('INVALID_REFERENCE', `invalid reference ${JSON.stringify(input)}: ${what}`, hint);
}

/** Parses and normalises a reference: `ubuntu` → docker.io/library/ubuntu:latest. */
export function parseReference(input: string): ImageReference {
  if (input === '') throw invalid(input, 'it is empty');
  if (/[\s\p{Cc}]/u.test(input)) throw invalid(input, 'it contains a space or control character');
  if (IMAGE_ID.test(input) || /^sha256:[a-f0-9]{64}$/.test(input)) {
    throw invalid(input, 'cannot specify 64-byte hexadecimal strings as a repository name', 'that is an image ID; use it where an ID is accepted, or pull by digest as name@sha256:<64 hex>');
  }

  // The digest is everything after the one `@`; names and tags cannot contain `@`.
  let rest = input;
  let digest: Digest | undefined;
  const at = input.indexOf('@');
  if (at !== -1) {
    const d = input.slice(at + 1);
    rest = input.slice(0, at);
    if (d === '') throw invalid(input, 'nothing after "@"', 'a digest follows "@": name@sha256:<64 hex>');
    if (d.includes('@')) throw invalid(input, 'more than one "@"');
    digest = checkDigest(input, d);
  }

  // A tag is a `:` after the last `/`; a `:` before it belongs to the domain's port.
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag === '') throw invalid(input, 'nothing after ":"', 'a tag follows ":", e.g. ubuntu:22.04; leave out ":" to mean :latest');
    checkTag(input, tag);
  }
  if (rest === '') throw invalid(input, 'no repository name', SHAPE);

  const { domain, path } = splitName(input, rest);
  const ref: ImageReference = { domain, path };
  if (tag !== undefined || digest === undefined) ref.tag = tag ?? DEFAULT_TAG;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

function checkDigest(input: string, d: string): Digest {
  if (isDigest(d)) return d;
  if (ANY_DIGEST.test(d) && !d.startsWith('sha256:')) {
    throw invalid(input, `unsupported digest algorithm "${d.slice(0, d.indexOf(':'))}"`, 'only sha256 digests are supported: name@sha256:<64 hex>');
  }
  throw invalid(input, `"${d}" is not a valid digest`, 'a digest is sha256: followed by 64 lowercase hex digits');
}

function checkTag(input: string, tag: string): void {
  if (TAG.test(tag)) return;
  const why = tag.length > 128 ? `tag is ${tag.length} characters long (at most 128)` : `"${tag}" is not a valid tag`;
  throw invalid(input, why, 'a tag is up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"');
}

/** Splits `[domain/]path`, deciding (as normalize.go does) whether the first part is a registry. */
function splitName(input: string, name: string): { domain: string; path: string } {
  const parts = name.split('/');
  let domain = DOCKER_HUB;
  const first = parts[0]!;
  // A first part with `.` or `:` (example.com, host:5000, [::1]) or exactly `localhost` names a
  // registry. Anything else (`myorg/app`) is a Docker Hub namespace. Docker also treats an
  // upper-case first part as a host; we do not, so `MyOrg/app` gets the clearer lowercase error.
  const hasDomain = parts.length > 1 && (/[.:]/.test(first) || first === 'localhost');
  if (hasDomain) {
    if (!DOMAIN.test(first)) {
      throw invalid(input, `"${first}" is not a valid registry host`, 'a registry is host[:port], e.g. registry.example.com, localhost:5000 or [::1]:5000');
    }
    domain = first === LEGACY_DOCKER_HUB ? DOCKER_HUB : first;
    parts.shift();
  }
  const bad = parts.find((p) => !PATH_COMPONENT.test(p));
  if (bad !== undefined) {
    // Only upper case wrong? Say so, and suggest the input with the repository part lowercased.
    if (parts.every((p) => PATH_COMPONENT.test(p.toLowerCase()))) {
      const fixed = (hasDomain ? `${first}/` : '') + parts.join('/').toLowerCase() + input.slice(name.length);
      throw invalid(input, 'repository name must be lowercase', `try "${fixed}"`);
    }
    throw badComponent(input, bad);
  }

  let path = parts.join('/');
  if (domain === DOCKER_HUB && parts.length === 1) path = OFFICIAL_NAMESPACE + path;
  if (path.length > PATH_MAX) {
    throw invalid(input, `repository name is ${path.length} characters long (at most ${PATH_MAX})`, 'use a shorter repository name');
  }
  return { domain, path };
}

function badComponent(input: string, p: string): SkiffError {
  if (p === '') {
    return invalid(input, 'empty path component (a leading, trailing or doubled "/")', 'separate name components with a single "/", e.g. myorg/app');
  }
  if (p.includes(':')) {
    return invalid(input, `too many ":" in "${p}"`, 'a ":" comes only before the tag, or before the port of a registry host (localhost:5000/app:1)');
  }
  return invalid(
    input,
    `"${p}" is not a valid name component`,
    'a name component is lowercase letters and digits, joined by ".", "_", "__" or "-", and not starting or ending with one',
  );
}

/** The fully qualified form: docker.io/library/ubuntu:latest, h/a:t@sha256:…. */
export function formatReference(r: ImageReference): string {
  return repositoryName(r) + (r.tag !== undefined ? `:${r.tag}` : '') + (r.digest !== undefined ? `@${r.digest}` : '');
}

/** The repository alone, fully qualified: docker.io/library/ubuntu. */
export function repositoryName(r: ImageReference): string {
  return `${r.domain}/${r.path}`;
}

/**
 * The repository as `docker images` shows it: Docker Hub's domain is dropped, and so is
 * `library/` when nothing follows it but one name (normalize.go familiarizeName).
 */
export function familiarRepository(r: ImageReference): string {
  if (r.domain !== DOCKER_HUB) return repositoryName(r);
  if (r.path.startsWith(OFFICIAL_NAMESPACE)) {
    const rest = r.path.slice(OFFICIAL_NAMESPACE.length);
    if (!rest.includes('/')) return rest;
  }
  return r.path;
}

/** What Docker prints: ubuntu:latest, myorg/app:1, 127.0.0.1:5000/x:y, ubuntu@sha256:…. */
export function familiarString(r: ImageReference): string {
  return familiarRepository(r) + (r.tag !== undefined ? `:${r.tag}` : '') + (r.digest !== undefined ? `@${r.digest}` : '');
}

/** The same repository with another tag. A digest is dropped: a tag names whatever it points at. */
export function withTag(r: ImageReference, tag: string): ImageReference {
  checkTag(`${repositoryName(r)}:${tag}`, tag);
  return { domain: r.domain, path: r.path, tag };
}

// Docker's daemon ships with 127.0.0.0/8 (and ::1) as insecure registries: a registry on the
// loopback interface cannot be reached by anyone else, so it may speak plain HTTP.
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Where a domain's registry API lives, and whether it speaks plain HTTP unless told otherwise. */
export function registryEndpoint(domain: string): { host: string; insecureByDefault: boolean } {
  // "docker.io" is a name, not a server: Docker Hub's registry API answers at registry-1.docker.io.
  if (domain === DOCKER_HUB || domain === LEGACY_DOCKER_HUB) return { host: 'registry-1.docker.io', insecureByDefault: false };
  return { host: domain, insecureByDefault: isLoopback(hostOf(domain)) };
}

/** The host part of host[:port], without brackets around an IPv6 address. */
function hostOf(domain: string): string {
  if (domain.startsWith('[')) return domain.slice(1, domain.indexOf(']'));
  const colon = domain.indexOf(':');
  return colon === -1 ? domain : domain.slice(0, colon);
}

function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const family = isIP(host);
  if (family === 4) return LOOPBACK.check(host, 'ipv4');
  if (family === 6) return LOOPBACK.check(host, 'ipv6');
  return false;
}
