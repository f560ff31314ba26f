// The registry's side of the auth handshake, as data. A 401 carries `WWW-Authenticate` saying how
// to authenticate — for Docker Hub:
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"
// The grammar is RFC 7235 §4.1 / §2.1:
//   WWW-Authenticate = 1#challenge
//   challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//   auth-param       = token BWS "=" BWS ( token / quoted-string )
// Both challenges and params are comma-separated, so after a comma we look ahead: `name=` starts
// another param, a bare token starts another challenge. Headers come off the network, so the
// parser never throws: it keeps what it can read and skips the rest.
import { SkiffError } from '../errors.ts';

export interface Challenge {
  /** Lowercased: schemes are case-insensitive (RFC 7235 §2.1), `Bearer` and `bearer` are one. */
  scheme: 'bearer' | 'basic' | (string & {});
  /** Param names lowercased (also case-insensitive); values as sent, quotes and escapes removed. */
  params: Record<string, string>;
}

// RFC 7230 §3.2.6 tchar: the characters a token may contain.
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
// RFC 7235 §2.1 token68: base64-like credentials, possibly padded with "=".
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

/** Parses one or more WWW-Authenticate header values into the challenges they offer, in order. */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const values = Array.isArray(header) ? header : [header];
  return values.flatMap((v) => new Parser(v).challenges());
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  challenges(): Challenge[] {
    const out: Challenge[] = [];
    while (this.skipSeparators()) {
      const scheme = this.token();
      if (scheme === '') {
        this.skipPast(','); // not a token: junk, drop up to the next list element
        continue;
      }
      const c: Challenge = { scheme: scheme.toLowerCase(), params: {} };
      out.push(c);
      this.params(c);
    }
    return out;
  }

  /** Reads this challenge's params (or token68), stopping before the next challenge's scheme. */
  private params(c: Challenge): void {
    this.skipSpace();
    const t68 = TOKEN68.exec(this.s.slice(this.i));
    if (t68 && this.isToken68(t68[0])) {
      c.params.token68 = t68[0];
      this.i += t68[0].length;
      return;
    }
    for (;;) {
      this.skipSpace();
      const start = this.i;
      const name = this.token();
      this.skipSpace();
      if (name === '' || this.s[this.i] !== '=') {
        this.i = start; // a new challenge's scheme (or junk the caller skips): not ours
        return;
      }
      this.i++;
      this.skipSpace();
      const value = this.s[this.i] === '"' ? this.quoted() : this.token();
      // RFC 7235 §2.1: each param name occurs at most once; keep the first if a server repeats it.
      const key = name.toLowerCase();
      if (!(key in c.params)) c.params[key] = value;
      this.skipSpace();
      if (this.s[this.i] !== ',') {
        if (this.i < this.s.length) this.skipPast(','); // garbage after a value
        if (this.i >= this.s.length) return;
      } else {
        this.i++;
      }
      // Empty list elements (",,") are allowed by RFC 7230 §7.
      while (this.s[this.i] === ',' || this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++;
    }
  }

  /**
   * token68 (`Negotiate YII=`) is the whole rest of a challenge, so it must be followed by the end
   * or a comma; `realm="x"` also starts like one (`realm=`) but has a value after it.
   */
  private isToken68(t: string): boolean {
    const rest = this.s.slice(this.i + t.length).trimStart();
    return rest === '' || rest.startsWith(',');
  }

  private token(): string {
    const start = this.i;
    while (this.i < this.s.length && TCHAR.test(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i);
  }

  /** RFC 7230 §3.2.6 quoted-string: `\x` stands for x; an unterminated one runs to the end. */
  private quoted(): string {
    let out = '';
    this.i++; // opening quote
    while (this.i < this.s.length) {
      const ch = this.s[this.i++]!;
      if (ch === '"') return out;
      if (ch === '\\' && this.i < this.s.length) out += this.s[this.i++];
      else out += ch;
    }
    return out;
  }

  private skipSpace(): void {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++;
  }

  /** Skips spaces and commas between list elements; false at the end of the header. */
  private skipSeparators(): boolean {
    while (this.i < this.s.length && /[\s,]/.test(this.s[this.i]!)) this.i++;
    return this.i < this.s.length;
  }

  private skipPast(ch: string): void {
    const at = this.s.indexOf(ch, this.i);
    this.i = at === -1 ? this.s.length : at + 1;
  }
}

/**
 * The token scope for a repository (distribution docs, "Token Scope Documentation"):
 * `repository:<name>:<action>[,<action>]`, e.g. repository:library/busybox:pull.
 */
export function scopeFor(repository: string, actions: string[]): string {
  const unique = [...new Set(actions)];
  if (repository === '' || unique.length === 0) {
    throw new SkiffError('USAGE', `a token scope needs a repository and at least one action (got "${repository}", [${actions.join(', ')}])`, 'ask for e.g. repository:library/busybox:pull');
  }
  return `repository:${repository}:${unique.join(',')}`;
}

/**
 * The errors a registry puts in a failed response body (distribution spec, "Error Codes"):
 * {"errors":[{"code":"MANIFEST_UNKNOWN","message":"…","detail":…}]}. Proxies and CDNs answer
 * with HTML or nothing at all, so anything else gives an empty list.
 */
export function parseErrorBody(text: string): { code: string; message: string; detail?: unknown }[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [];
  }
  const errors = (doc as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  const out: { code: string; message: string; detail?: unknown }[] = [];
  for (const e of errors as unknown[]) {
    if (typeof e !== 'object' || e === null) continue;
    const { code, message, detail } = e as Record<string, unknown>;
    if (typeof code !== 'string') continue;
    const item: { code: string; message: string; detail?: unknown } = { code, message: typeof message === 'string' ? message : '' };
    if (detail !== undefined) item.detail = detail;
    out.push(item);
  }
  return out;
}
