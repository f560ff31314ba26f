// The build context travels as a tar, as with Docker: the client packs its directory (leaving out
// what .dockerignore says, but always sending the Dockerfile and .dockerignore), the daemon unpacks
// it into a private temporary directory — with the same safety rules as a layer: no entry lands
// outside it, nothing is written through a symlink — builds from it, and removes it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { isSkiffError, SkiffError } from '../errors.ts';
import type { TarItem } from '../image/commit.ts';
import { ownerGone } from '../store/lock.ts';
import { unpackLayer } from '../unpack/unpack.ts';
import { IgnoreRules } from './dockerignore.ts';

/** A private directory for one build's context, under the data root; crashed builds' are swept. */
export async function contextDir(dataRoot: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const base = path.join(dataRoot, 'build');
  await fs.promises.mkdir(base, { recursive: true, mode: 0o700 });
  for (const name of await fs.promises.readdir(base)) {
    if (name.startsWith('.tmp-ctx-') && ownerGone(name)) await fs.promises.rm(path.join(base, name), { recursive: true, force: true });
  }
  const dir = path.join(base, `.tmp-ctx-p${process.pid}-${randomBytes(6).toString('hex')}`);
  await fs.promises.mkdir(dir, { mode: 0o700 });
  return { dir, remove: () => fs.promises.rm(dir, { recursive: true, force: true }) };
}

/** Unpacks a context tar (plain or gzip, as `docker build` sends it) into `dir`. */
export async function unpackContext(tar: AsyncIterable<Uint8Array>, dir: string): Promise<void> {
  const it = tar[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && first.value.length === 0) first = await it.next();
  if (first.done) return; // an empty context: only a Dockerfile given some other way could build
  const head = Buffer.from(first.value);
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield Buffer.from(r.value);
  }
  let source = Readable.from(all());
  if (head[0] === 0x1f && head[1] === 0x8b) source = source.pipe(createGunzip());
  else if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) throw new SkiffError('USAGE', 'the build context is a bzip2 archive, which Skiff cannot unpack', 'send a plain tar or a gzip tar');
  try {
    await unpackLayer(source, dir, { thread: 'here' });
  } catch (e) {
    if (isSkiffError(e) && (e.code === 'UNSAFE_LAYER' || e.code === 'LAYER_FORMAT')) {
      throw new SkiffError('USAGE', `the build context archive was refused: ${e.message.replace(/^layer /, '')}`, 'send the context as a plain tar of a directory', { cause: e });
    }
    throw e;
  }
}

export interface PackedContext {
  items: TarItem[];
  /** Bytes of the files that will be sent (`Sending build context … 2.048kB`). */
  bytes: number;
  files: number;
}

/**
 * The tar items of a context directory, as the docker CLI packs it: files .dockerignore leaves out
 * are not sent, except the Dockerfile and .dockerignore themselves. Owners are not sent (COPY makes
 * files root's or --chown's); modes and mtimes are.
 */
export function packContext(root: string, dockerfile = 'Dockerfile'): PackedContext {
  let ignoreText = '';
  try {
    ignoreText = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8');
  } catch {
    // none
  }
  const ignore = new IgnoreRules(ignoreText);
  const keep = new Set(['.dockerignore', path.posix.normalize(dockerfile)]);
  const list: TarItem[] = [];
  let bytes = 0;
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = path.join(root, r);
      const st = fs.lstatSync(abs);
      const ignored = ignore.ignores(r) && !keep.has(r);
      if (ignored && !(st.isDirectory() && ignore.hasExceptions)) continue;
      const h = { name: r, mode: st.mode & 0o7777, mtime: st.mtime };
      if (st.isDirectory()) {
        if (!ignored) list.push({ header: { ...h, type: 'directory' } });
        walk(r);
      } else if (ignored) continue;
      else if (st.isFile()) {
        list.push({ header: { ...h, type: 'file', size: st.size }, file: abs });
        bytes += st.size;
      } else if (st.isSymbolicLink()) list.push({ header: { ...h, type: 'symlink', linkname: fs.readlinkSync(abs) } });
      // sockets, fifos and devices are not sent
    }
  };
  walk('');
  return { items: list, bytes, files: list.length };
}
