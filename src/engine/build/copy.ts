// COPY and ADD as a layer: the tar entries that put the context's files where the instruction says
// (moby builder/dockerfile/copy.go semantics), written straight into a new layer — no container
// is needed to copy files. The rules:
//   - a directory source copies its *contents*; a file lands at DEST, or under DEST/ when DEST ends
//     with '/' or is a directory in the image; several sources need a DEST ending with '/'
//   - a relative DEST is relative to WORKDIR; a symlink in the image on the way (/bin → usr/bin) is
//     followed, as the container would, never above the image's root
//   - files keep their mode and mtime; they belong to root, or to --chown's user and group
//   - directories COPY creates are 0755; directories the image has keep their mode and owner (the
//     layer repeats them, because the topmost layer decides a merged directory's metadata)
//   - ADD unpacks a local tar archive (plain or gzip) into DEST, keeping the archive's owners
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import { SkiffError } from '../errors.ts';
import type { TarItem } from '../image/commit.ts';
import type { EntryInfo } from '../snapshot/tree.ts';
import { classify, cleanEntryPath } from '../unpack/paths.ts';
import type { BuildContext, ContextEntry } from './context.ts';
import type { ImageView } from './image-view.ts';

export interface CopyRequest {
  instr: 'COPY' | 'ADD';
  sources: ContextEntry[];
  /** As written (after substitution), absolute or relative to `workdir`. */
  dest: string;
  workdir: string;
  owner?: { uid: number; gid: number };
}

const fromNs = (ns: bigint) => new Date(Number(ns / 1_000_000n));

/** What a tar archive ADD unpacks looks like: plain or gzip (others are copied as files). */
export async function archiveKind(file: string): Promise<'tar' | 'tar+gzip' | undefined> {
  const head = Buffer.alloc(512);
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  let n: number;
  try {
    n = fs.readSync(fd, head, 0, 512, 0);
  } finally {
    fs.closeSync(fd);
  }
  const isTar = (b: Buffer) => b.length >= 262 && b.subarray(257, 262).toString('latin1') === 'ustar';
  if (isTar(head.subarray(0, n))) return 'tar';
  if (n < 2 || head[0] !== 0x1f || head[1] !== 0x8b) return undefined;
  // Gunzip just the first block to see whether a tar is inside.
  const first = await new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const gz = fs.createReadStream(file).pipe(createGunzip());
    const done = () => {
      gz.destroy();
      resolve(Buffer.concat(chunks));
    };
    gz.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= 512) done();
    });
    gz.on('end', done);
    gz.on('error', done);
  });
  return isTar(first) ? 'tar+gzip' : undefined;
}

function headerOf(rel: string, info: EntryInfo, owner: { uid: number; gid: number } | undefined): TarItem['header'] {
  return { name: rel, mode: info.mode, uid: owner?.uid ?? 0, gid: owner?.gid ?? 0, mtime: fromNs(info.mtimeNs) };
}

/**
 * Makes directory entries down to a path: each directory the image has is repeated with its own
 * metadata (the topmost layer decides a merged directory's), each missing one made 0755 and
 * owned by `owner`. Remembers what it made, so a directory is written once per layer.
 */
export class DirMaker {
  readonly made = new Set<string>();
  constructor(
    private readonly image: ImageView,
    private readonly instr: string,
    private readonly owner?: { uid: number; gid: number },
  ) {}

  /** The directories down to `rel` (itself too when `self`). */
  *to(rel: string, self: boolean): Generator<TarItem> {
    const parts = rel === '' ? [] : rel.split('/');
    for (let i = 1; i <= parts.length - (self ? 0 : 1); i++) {
      const d = parts.slice(0, i).join('/');
      if (this.made.has(d)) continue;
      this.made.add(d);
      const there = this.image.entry(d);
      if (there && there.type !== 'dir') throw new SkiffError('USAGE', `${this.instr} failed: cannot write /${rel}: /${d} in the image is a ${there.type}, not a directory`, 'choose another destination');
      yield {
        header: there
          ? { name: d, type: 'directory', mode: there.mode, uid: there.uid, gid: there.gid, mtime: fromNs(there.mtimeNs) }
          : { name: d, type: 'directory', mode: 0o755, uid: this.owner?.uid ?? 0, gid: this.owner?.gid ?? 0, mtime: new Date() },
      };
    }
  }
}

/** WORKDIR's layer: the directory (absolute) and any missing parents, as `mkdir -p` makes them. */
export function mkdirItems(image: ImageView, dir: string): Generator<TarItem> {
  return new DirMaker(image, 'WORKDIR').to(image.resolve(dir), true);
}

/** Entries of one COPY/ADD, parents first. */
export async function* copyItems(ctx: BuildContext, image: ImageView, req: CopyRequest): AsyncGenerator<TarItem> {
  const { instr, owner } = req;
  const destAbs = path.posix.resolve('/', req.workdir || '/', req.dest);
  const endsInSlash = req.dest.endsWith('/') || req.dest.endsWith('/.') || req.dest === '.';
  const destRel = image.resolve(destAbs);
  const destIsDir = image.entry(destRel)?.type === 'dir';
  if (req.sources.length > 1 && !endsInSlash && !destIsDir) {
    throw new SkiffError('USAGE', `When using ${instr} with more than one source file, the destination must be a directory and end with a /`, `write ${instr} ... ${req.dest}/`);
  }
  const maker = new DirMaker(image, instr, owner);
  const made = maker.made;
  const dirs = (rel: string, self: boolean) => maker.to(rel, self);

  for (const src of req.sources) {
    if (src.info.type === 'dir') {
      if (image.entry(destRel) && !destIsDir) throw new SkiffError('USAGE', `${instr} failed: cannot copy the directory ${src.rel || '.'} to /${destRel}, which is a file in the image`, 'end the destination with / and choose a directory');
      yield* dirs(destRel, true);
      for (const w of ctx.walk(src)) {
        const rel = destRel ? `${destRel}/${w.rel}` : w.rel;
        yield* dirs(rel, false);
        yield entryItem(rel, w.abs, w.info, w.link, owner);
        if (w.info.type === 'dir') made.add(rel);
      }
      continue;
    }
    if (instr === 'ADD' && src.info.type === 'file') {
      const kind = await archiveKind(src.abs);
      if (kind) {
        yield* dirs(destRel, true);
        yield* archiveItems(src, kind, destRel, owner, made, dirs);
        continue;
      }
    }
    const target = endsInSlash || destIsDir ? image.resolve(`/${destRel}/${src.name}`, false) : destRel;
    yield* dirs(target, false);
    const link = src.info.type === 'symlink' ? fs.readlinkSync(src.abs) : undefined;
    yield entryItem(target, src.abs, src.info, link, owner);
  }
}

function entryItem(rel: string, abs: string, info: EntryInfo, link: string | undefined, owner: { uid: number; gid: number } | undefined): TarItem {
  const h = headerOf(rel, info, owner);
  switch (info.type) {
    case 'dir':
      return { header: { ...h, type: 'directory' } };
    case 'symlink':
      return { header: { ...h, type: 'symlink', linkname: link ?? '' } };
    case 'file':
      return { header: { ...h, type: 'file', size: info.size }, file: abs };
    default:
      // fifos and devices in a context are rare; a fifo is kept as one, devices are refused below.
      if (info.type === 'fifo') return { header: { ...h, type: 'fifo' } };
      throw new SkiffError('USAGE', `COPY failed: ${abs} is a ${info.type}, which a build does not copy`, 'remove it from the context or list it in .dockerignore');
  }
}

/** ADD of a tar archive: its entries under DEST. Names are cleaned and may not climb out of DEST. */
async function* archiveItems(
  src: ContextEntry, kind: 'tar' | 'tar+gzip', destRel: string, owner: { uid: number; gid: number } | undefined, made: Set<string>,
  dirs: (rel: string, self: boolean) => Generator<TarItem>,
): AsyncGenerator<TarItem> {
  const raw = fs.createReadStream(src.abs);
  const extract = tarStream.extract();
  (kind === 'tar+gzip' ? raw.pipe(createGunzip()) : raw).pipe(extract as unknown as NodeJS.WritableStream);
  const under = (rel: string) => (destRel ? (rel ? `${destRel}/${rel}` : destRel) : rel);
  for await (const entry of extract) {
    const h = entry.header;
    let rel: string;
    try {
      rel = cleanEntryPath(h.name);
    } catch {
      throw new SkiffError('USAGE', `ADD failed: the archive ${src.rel} has an entry ${JSON.stringify(h.name)} that points outside its destination`, 'the archive is broken or hostile');
    }
    if (classify(rel).kind !== 'path') throw new SkiffError('USAGE', `ADD failed: the archive ${src.rel} has an entry ${JSON.stringify(h.name)}, a name layers reserve for whiteouts`, 'rename that file in the archive');
    const name = under(rel);
    yield* dirs(name, false);
    const base = { name, mode: h.mode & 0o7777, uid: owner?.uid ?? h.uid, gid: owner?.gid ?? h.gid, mtime: h.mtime };
    if (h.type === 'directory') {
      if (name !== destRel) made.add(name);
      yield { header: { ...base, type: 'directory' } };
      entry.resume();
    } else if (h.type === 'file' || h.type === 'contiguous-file') {
      yield { header: { ...base, type: 'file', size: h.size }, stream: Readable.from(entry as AsyncIterable<Buffer>) };
    } else if (h.type === 'symlink') {
      yield { header: { ...base, type: 'symlink', linkname: h.linkname ?? '' } };
      entry.resume();
    } else if (h.type === 'link') {
      yield { header: { ...base, type: 'link', linkname: under(cleanEntryPath(h.linkname ?? '')) } };
      entry.resume();
    } else {
      entry.resume(); // devices and fifos in an archive are skipped (Docker needs root in the builder for them)
    }
  }
}
