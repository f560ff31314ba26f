// The build context: the directory whose files COPY and ADD may read — and nothing outside it.
// A source is a path *inside* the context, whatever it looks like:
//   - `../x` climbs out of the context: refused (Docker: "forbidden path outside the build context")
//   - `/etc/passwd` is `<context>/etc/passwd`, never the host's file (Docker reads it the same way)
//   - a symlink on the way is followed only while it stays inside; one that leads out (absolute,
//     or `../..` past the root) is refused with the place it points to
//   - a symlink *inside* a copied directory is copied as a symlink, never followed
//   - files left out by .dockerignore do not exist for the build
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../errors.ts';
import { type EntryInfo, hostTree, isWhiteout } from '../snapshot/tree.ts';
import { IgnoreRules, patternToRegExp } from './dockerignore.ts';

/** A path of the context, resolved: where it is, what it is, and the name it was asked by. */
export interface ContextEntry {
  /** Relative to the context root, slash-separated ('' is the root). */
  rel: string;
  abs: string;
  info: EntryInfo;
  /** The last component of the source as written (a file lands under this name). */
  name: string;
}

/** One file or directory a copy takes from a source: its path relative to the source. */
export interface WalkedEntry {
  rel: string;
  abs: string;
  info: EntryInfo;
  link?: string;
}

const MAX_LINKS = 40;

function outside(instr: string, src: string, why = ''): SkiffError {
  return new SkiffError('USAGE', `${instr} failed: forbidden path outside the build context: ${src}${why}`, 'a build reads only files inside its context directory: move the file into the context, or build from a directory that contains it');
}

const lstat = (p: string): EntryInfo | undefined => hostTree.stat(p);

/** The components of a path relative to the root; null when `..` climbs above it. */
export function relParts(p: string): string[] | null {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(seg);
  }
  return out;
}

const WILDCARD = /[*?[]/;

export class BuildContext {
  constructor(
    readonly root: string,
    readonly ignore: IgnoreRules = new IgnoreRules(),
  ) {}

  /** A context directory with its .dockerignore read. */
  static open(root: string): BuildContext {
    let text = '';
    try {
      text = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8');
    } catch {
      // no .dockerignore
    }
    return new BuildContext(path.resolve(root), new IgnoreRules(text));
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : path.join(this.root, rel);
  }

  private notFound(instr: string, src: string): SkiffError {
    const abs = src.startsWith('/');
    return new SkiffError(
      'USAGE',
      `${instr} failed: file not found in build context or excluded by .dockerignore: ${src}`,
      abs ? `a source is a path inside the build context: ${src} means ${path.join(this.root, src)}, never the host's ${src}` : `check the name, and that .dockerignore does not leave it out (context: ${this.root})`,
    );
  }

  /**
   * Follows `parts` from the root, symlinks included, never leaving the root. Returns the real
   * relative path, or undefined when something on the way does not exist.
   */
  private follow(instr: string, src: string, parts: string[]): string | undefined {
    const done: string[] = [];
    const todo = [...parts];
    let links = 0;
    while (todo.length > 0) {
      const part = todo.shift()!;
      const rel = [...done, part].join('/');
      const st = lstat(this.abs(rel));
      if (!st || isWhiteout(st)) return undefined;
      if (st.type === 'symlink') {
        if (++links > MAX_LINKS) throw new SkiffError('USAGE', `${instr} failed: too many levels of symbolic links at ${src}`, 'a symlink in the context points back at itself');
        const target = fs.readlinkSync(this.abs(rel));
        const where = `/${rel}`;
        if (target.startsWith('/')) throw outside(instr, src, ` (the symlink ${where} leads to ${target}, outside the context)`);
        const next = relParts([...done, target].join('/'));
        if (next === null) throw outside(instr, src, ` (the symlink ${where} leads to ${target}, outside the context)`);
        done.length = 0;
        todo.unshift(...next);
        continue;
      }
      if (todo.length > 0 && st.type !== 'dir') return undefined;
      done.push(part);
    }
    return done.join('/');
  }

  /** The context entries a COPY/ADD source names (several when it has wildcards). */
  resolve(instr: string, src: string): ContextEntry[] {
    const parts = relParts(src);
    if (parts === null) throw outside(instr, src);
    if (WILDCARD.test(src)) {
      const matches = this.glob(parts);
      if (matches.length === 0) throw new SkiffError('USAGE', `${instr} failed: no source files were specified: ${src} matches nothing in the build context`, 'check the pattern and .dockerignore');
      return matches.map((m) => this.entry(instr, m, m.split('/'))).filter((e): e is ContextEntry => e !== undefined);
    }
    const e = this.entry(instr, src, parts);
    if (!e) throw this.notFound(instr, src);
    return [e];
  }

  private entry(instr: string, src: string, parts: string[]): ContextEntry | undefined {
    const named = parts.join('/');
    if (this.ignore.ignores(named)) return undefined;
    const rel = this.follow(instr, src, parts);
    if (rel === undefined || this.ignore.ignores(rel)) return undefined;
    const info = lstat(this.abs(rel))!;
    return { rel, abs: this.abs(rel), info, name: parts.at(-1) ?? '' };
  }

  /** Paths matching a pattern component by component (Go's filepath.Match per component). */
  private glob(parts: string[]): string[] {
    let found = [''];
    for (const part of parts) {
      const re = patternToRegExp(part);
      const next: string[] = [];
      for (const dir of found) {
        const st = lstat(this.abs(dir));
        if (st?.type !== 'dir') continue;
        for (const name of fs.readdirSync(this.abs(dir)).sort()) {
          const rel = dir ? `${dir}/${name}` : name;
          if (re.test(name) && !this.ignore.ignores(rel)) next.push(rel);
        }
      }
      found = next;
    }
    return found;
  }

  /**
   * What copying an entry takes: a file alone (rel ''), or everything inside a directory (the
   * directory's *contents*, as COPY copies them), parents before children, sorted.
   */
  *walk(e: ContextEntry): Generator<WalkedEntry> {
    if (e.info.type !== 'dir') {
      yield { rel: '', abs: e.abs, info: e.info, ...(e.info.type === 'symlink' ? { link: fs.readlinkSync(e.abs) } : {}) };
      return;
    }
    const exceptions = this.ignore.hasExceptions;
    const visit = function* (this: BuildContext, ctxRel: string, rel: string): Generator<WalkedEntry> {
      for (const name of fs.readdirSync(this.abs(ctxRel)).sort()) {
        const c = ctxRel ? `${ctxRel}/${name}` : name;
        const r = rel ? `${rel}/${name}` : name;
        const info = lstat(this.abs(c));
        if (!info || isWhiteout(info) || info.type === 'socket') continue;
        const ignored = this.ignore.ignores(c);
        // An ignored directory may still hold files a `!pattern` brings back.
        if (ignored && !(exceptions && info.type === 'dir')) continue;
        if (!ignored) yield { rel: r, abs: this.abs(c), info, ...(info.type === 'symlink' ? { link: fs.readlinkSync(this.abs(c)) } : {}) };
        if (info.type === 'dir') yield* visit.call(this, c, r);
      }
    };
    yield* visit.call(this, e.rel, '');
  }

  /**
   * The content hash a COPY/ADD of these sources is cached by (Docker's `file:<sha>`/`dir:<sha>`):
   * names, types, modes, sizes, link targets and the bytes of every file — not mtimes or owners,
   * which COPY does not keep the way they are in the context.
   */
  hash(entries: ContextEntry[]): string {
    const one = (e: ContextEntry): string => {
      const h = createHash('sha256');
      for (const w of this.walk(e)) {
        h.update(`${w.rel}\0${w.info.type}\0${w.info.mode.toString(8)}\0${w.info.size}\0${w.link ?? ''}\0`);
        if (w.info.type === 'file') h.update(fileDigest(w.abs));
        h.update('\n');
      }
      return `${e.info.type === 'dir' ? 'dir' : 'file'}:${h.digest('hex')}`;
    };
    if (entries.length === 1) return one(entries[0]!);
    return `multi:${createHash('sha256').update(entries.map(one).join(',')).digest('hex')}`;
  }
}

function fileDigest(p: string): Buffer {
  const h = createHash('sha256');
  const fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest();
}
