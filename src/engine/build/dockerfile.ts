// Reading a Dockerfile into lines of instructions, the way Docker's parser does (moby/buildkit
// frontend/dockerfile/parser): parser directives at the very top (`# escape=\``, `# syntax=`),
// comments (a `#` first on a line), line continuations (the escape character last on a line, with
// comment and empty lines inside a continuation dropped), and an instruction keyword in any case.
// What the words of each instruction mean is instructions.ts; this file only finds the lines.
import { SkiffError } from '../errors.ts';

export interface DockerfileLine {
  /** Upper-cased keyword: RUN, COPY, ... */
  keyword: string;
  /** Everything after the keyword, continuations joined, leading flags (`--chown=x`) taken off. */
  rest: string;
  /** The leading `--name=value` flags, in order. */
  flags: { name: string; value: string | undefined }[];
  /** The line as written, continuations joined (what `Step N/M : …` prints). */
  original: string;
  /** 1-based line number where the instruction starts. */
  line: number;
}

export interface ParsedDockerfile {
  escape: '\\' | '`';
  directives: Record<string, string>;
  lines: DockerfileLine[];
}

export function parseError(line: number, why: string, hint = 'fix that line of the Dockerfile'): SkiffError {
  return new SkiffError('USAGE', `dockerfile parse error on line ${line}: ${why}`, hint);
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

/** Parser directives: consecutive `# key=value` lines at the very top (reference: "Parser directives"). */
function readDirectives(rows: string[]): { directives: Record<string, string>; next: number } {
  const directives: Record<string, string> = {};
  let i = 0;
  for (; i < rows.length; i++) {
    const m = DIRECTIVE.exec(rows[i]!);
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (key in directives) throw parseError(i + 1, `only one ${key} parser directive can be used`);
    directives[key] = m[2]!;
  }
  return { directives, next: i };
}

/** Takes the leading `--flag[=value]` words off the arguments (BuildKit's BFlags). */
function takeFlags(rest: string): { flags: DockerfileLine['flags']; rest: string } {
  const flags: DockerfileLine['flags'] = [];
  let s = rest;
  for (;;) {
    const m = /^--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(s);
    if (!m) break;
    flags.push({ name: m[1]!.toLowerCase(), value: m[2] });
    s = s.slice(m[0].length);
  }
  return { flags, rest: s };
}

const TAKES_FLAGS = new Set(['FROM', 'COPY', 'ADD', 'RUN', 'HEALTHCHECK']);

export function parseDockerfile(text: string): ParsedDockerfile {
  const rows = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { directives, next } = readDirectives(rows);
  const esc = directives.escape ?? '\\';
  if (esc !== '\\' && esc !== '`') throw parseError(1, `invalid escape token '${esc}' does not match ` + '` or \\', 'use # escape=\\ or # escape=`');
  const escape = esc;
  const lines: DockerfileLine[] = [];
  let pending: { start: number; parts: string[] } | undefined;

  for (let i = next; i < rows.length; i++) {
    const row = rows[i]!;
    const trimmed = row.trimStart();
    // Inside a continuation, comment lines and empty lines are dropped (BuildKit warns about the latter).
    if (trimmed.startsWith('#') || trimmed === '') continue;
    const body = pending ? row : trimmed;
    const trimmedEnd = body.replace(/\s+$/, '');
    const continues = trimmedEnd.endsWith(escape);
    const piece = continues ? trimmedEnd.slice(0, -1) : body.replace(/\s+$/, '');
    if (!pending) pending = { start: i + 1, parts: [] };
    pending.parts.push(piece);
    if (continues && i < rows.length - 1) continue;
    lines.push(toLine(pending.parts.join(''), pending.start));
    pending = undefined;
  }
  // A continuation on the last lines ends with the file.
  if (pending) lines.push(toLine(pending.parts.join(''), pending.start));
  return { escape, directives, lines };
}

function toLine(original: string, line: number): DockerfileLine {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(original);
  if (!m) throw parseError(line, 'empty instruction');
  const keyword = m[1]!.toUpperCase();
  let rest = m[2]!.trim();
  let flags: DockerfileLine['flags'] = [];
  if (TAKES_FLAGS.has(keyword)) ({ flags, rest } = takeFlags(rest));
  return { keyword, rest, flags, original: original.trim(), line };
}

/**
 * The JSON ("exec") form of an instruction: a JSON array of strings. Anything else — including
 * broken JSON — is the shell form, as in Docker (`CMD [not json]` runs through the shell).
 */
export function jsonForm(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(rest) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // the shell form
  }
  return undefined;
}
