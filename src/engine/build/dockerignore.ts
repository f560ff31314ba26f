// `.dockerignore`: which files of the context a build never sees (moby/patternmatcher, the rules
// the docker CLI and the daemon both apply):
//   - one pattern a line; `#` starts a comment line; blank lines are skipped; whitespace trimmed
//   - paths are cleaned and relative to the context root (a leading `/` is dropped)
//   - `*` any run of characters except `/`, `?` one of them, `[a-z]` a class, `**` any number of
//     directories (`**/*.log`, `tmp/**`), `\` escapes the next character
//   - a pattern that matches a directory excludes everything inside it
//   - `!pattern` brings matching paths back; the last pattern that matches a path decides
import path from 'node:path';

interface Pattern {
  re: RegExp;
  exclusion: boolean;
  text: string;
}

/** Go's filepath.Match syntax plus `**`, as a regular expression over a slash-separated path. */
export function patternToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?'; // `**/`: zero or more directories
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** Parses the text of a .dockerignore. */
export function parseDockerignore(text: string): Pattern[] {
  const out: Pattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let p = raw.trim();
    if (p === '' || p.startsWith('#')) continue;
    const exclusion = p.startsWith('!');
    if (exclusion) p = p.slice(1).trim();
    if (p === '') continue;
    p = path.posix.normalize(p);
    if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
    if (p.endsWith('/') && p.length > 1) p = p.slice(0, -1);
    out.push({ re: patternToRegExp(p), exclusion, text: raw.trim() });
  }
  return out;
}

export class IgnoreRules {
  private readonly patterns: Pattern[];

  constructor(text = '') {
    this.patterns = parseDockerignore(text);
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** Whether some `!` pattern exists: an excluded directory may then still hold included files. */
  get hasExceptions(): boolean {
    return this.patterns.some((p) => p.exclusion);
  }

  /** Whether `rel` (slash-separated, relative to the context root) is left out of the build. */
  ignores(rel: string): boolean {
    if (rel === '' || rel === '.') return false;
    const parts = rel.split('/');
    let ignored = false;
    for (const p of this.patterns) {
      // patternmatcher.MatchesOrParentMatches: a pattern that cannot change the answer is skipped.
      if (p.exclusion !== ignored) continue;
      let hit = p.re.test(rel);
      for (let i = 1; !hit && i < parts.length; i++) hit = p.re.test(parts.slice(0, i).join('/'));
      if (hit) ignored = !p.exclusion;
    }
    return ignored;
  }
}
