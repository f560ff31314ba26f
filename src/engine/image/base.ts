// A tiny real base image made offline, from files this host already has — so lessons, tests and
// the embedded registry never need the internet. Preferred: a statically linked busybox (Debian's
// `busybox-static`), one binary plus a symlink per applet. Otherwise: the host's own /bin/sh and a
// few tools, each with the shared libraries `ldd` says it needs and the dynamic loader.
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { SkiffError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { importImage, type ImportResult } from './import.ts';

const FALLBACK_TOOLS = ['sh', 'ls', 'cat', 'echo', 'mkdir', 'rm', 'cp', 'mv', 'env', 'id', 'hostname', 'true', 'false', 'sleep', 'uname', 'ps', 'touch', 'grep', 'head', 'date'];

/** True when an ELF file has no PT_INTERP program header, i.e. needs no dynamic loader. */
export function isStaticElf(bytes: Buffer): boolean {
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46) return false;
  const is64 = bytes[4] === 2;
  const le = bytes[5] === 1;
  const u16 = (o: number) => (le ? bytes.readUInt16LE(o) : bytes.readUInt16BE(o));
  const u32 = (o: number) => (le ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  const phoff = is64 ? Number(le ? bytes.readBigUInt64LE(32) : bytes.readBigUInt64BE(32)) : u32(28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize;
    if (off + 4 > bytes.length) return false;
    if (u32(off) === 3) return false; // PT_INTERP
  }
  return true;
}

/** Paths of the shared libraries (and loader) a dynamic binary needs, from `ldd`. */
export function sharedLibraries(binary: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return [];
  }
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.add(m[1]!);
  }
  return [...libs];
}

type Entry = Partial<tarStream.Header> & { name: string; data?: Buffer };

function skeleton(mtime: Date): Entry[] {
  const dir = (name: string, mode = 0o755): Entry => ({ name, type: 'directory', mode, mtime });
  const file = (name: string, text: string, mode = 0o644): Entry => ({ name, type: 'file', mode, mtime, data: Buffer.from(text) });
  return [
    ...['bin', 'dev', 'etc', 'home', 'proc', 'sys', 'usr', 'usr/bin', 'usr/sbin', 'sbin', 'var', 'var/log', 'lib'].map((d) => dir(d)),
    dir('root', 0o700),
    dir('tmp', 0o1777),
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n'),
    file('etc/group', 'root:x:0:\nnogroup:x:65534:\n'),
    file('etc/shadow', 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n', 0o640),
  ];
}

export interface BaseRootfs {
  entries: Entry[];
  kind: 'busybox-static' | 'host-tools';
}

/** Collects the files of the base image (pure apart from reading the host's binaries). */
export function collectBaseRootfs(busybox = '/bin/busybox'): BaseRootfs {
  let bb: Buffer | undefined;
  try {
    bb = readFileSync(busybox);
  } catch {
    bb = undefined;
  }
  if (bb && isStaticElf(bb)) {
    const mtime = new Date(Math.floor((statMtime(busybox) ?? 0) / 1000) * 1000);
    const entries = skeleton(mtime);
    entries.push({ name: 'bin/busybox', type: 'file', mode: 0o755, mtime, data: bb });
    const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const a of applets) {
      if (a === 'bin/busybox') continue;
      // Absolute targets resolve inside the container's root, wherever the applet lives.
      entries.push({ name: a, type: 'symlink', linkname: '/bin/busybox', mode: 0o777, mtime });
    }
    return { entries: dedupeDirs(entries), kind: 'busybox-static' };
  }
  const mtime = new Date(0);
  const entries = skeleton(mtime);
  const found = new Set<string>();
  for (const tool of FALLBACK_TOOLS) {
    const p = ['/bin', '/usr/bin'].map((d) => path.join(d, tool)).find((x) => statMtime(x) !== undefined);
    if (!p) continue;
    const real = realpathSync(p);
    entries.push({ name: `bin/${tool}`, type: 'file', mode: 0o755, mtime, data: readFileSync(real) });
    for (const lib of sharedLibraries(real)) found.add(lib);
  }
  if (!entries.some((e) => e.name === 'bin/sh')) {
    throw new SkiffError('IMPORT', 'cannot build a base image: neither a static busybox nor /bin/sh was found on this host', 'install busybox-static (apt-get install busybox-static)');
  }
  for (const lib of found) {
    const rel = lib.replace(/^\//, '');
    addParents(entries, rel, mtime);
    entries.push({ name: rel, type: 'file', mode: 0o755, mtime, data: readFileSync(realpathSync(lib)) });
  }
  return { entries: dedupeDirs(entries), kind: 'host-tools' };
}

function statMtime(p: string): number | undefined {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return undefined;
  }
}

function addParents(entries: Entry[], rel: string, mtime: Date): void {
  const parts = rel.split('/').slice(0, -1);
  for (let i = 1; i <= parts.length; i++) entries.push({ name: parts.slice(0, i).join('/'), type: 'directory', mode: 0o755, mtime });
}

function dedupeDirs(entries: Entry[]): Entry[] {
  const seen = new Set<string>();
  const dirs: Entry[] = [];
  const rest: Entry[] = [];
  for (const e of entries) {
    if (seen.has(e.name)) continue;
    seen.add(e.name);
    (e.type === 'directory' ? dirs : rest).push(e);
  }
  // Parents first, so any tar reader can create them in order.
  dirs.sort((a, b) => a.name.split('/').length - b.name.split('/').length || a.name.localeCompare(b.name));
  for (const r of rest) for (const p of path.dirname(r.name).split('/').map((_, i, a) => a.slice(0, i + 1).join('/')))
    if (p !== '.' && !seen.has(p)) {
      seen.add(p);
      dirs.push({ name: p, type: 'directory', mode: 0o755, mtime: r.mtime });
    }
  return [...dirs, ...rest];
}

/** The rootfs as a tar stream (tar-stream pack). */
export function tarOf(entries: Entry[]): Readable {
  const pack = tarStream.pack();
  (async () => {
    for (const { data, ...header } of entries) {
      await new Promise<void>((resolve, reject) => pack.entry({ ...header, uid: header.uid ?? 0, gid: header.gid ?? 0, size: data?.length ?? 0 }, data ?? Buffer.alloc(0), (e) => (e ? reject(e) : resolve())));
    }
    pack.finalize();
  })().catch((e) => pack.destroy(e));
  return Readable.from(pack);
}

/** Builds the base image into the store under `name` (default busybox:latest). */
export async function buildBaseImage(store: Store, name = 'busybox:latest', busybox?: string): Promise<ImportResult & { kind: BaseRootfs['kind'] }> {
  const rootfs = collectBaseRootfs(busybox);
  const result = await importImage(store, tarOf(rootfs.entries), name, {
    config: { Cmd: ['/bin/sh'] },
    createdBy: rootfs.kind === 'busybox-static' ? 'skiff base: busybox-static from this host' : 'skiff base: /bin/sh and tools from this host',
  });
  return { ...result, kind: rootfs.kind };
}
