// The words of an instruction and the variables in them, as Docker's builder reads them
// (moby/buildkit frontend/dockerfile/shell/lex.go and parser/line_parsers.go). Not a shell: only
// quotes, the escape character and `$` are special.
//   $NAME  ${NAME}                the variable's value ('' when unset)
//   ${NAME:-word}  ${NAME-word}   word when NAME is unset or empty (without ':' only when unset)
//   ${NAME:+word}  ${NAME+word}   word when NAME is set and not empty (without ':' when set)
//   ${NAME:?msg}   ${NAME?msg}    an error when NAME is unset (or empty)
//   'single'                      literal; "double" keeps $ working; the escape char makes the
//                                  next character literal (inside "…" only before ", $ and itself)
// RUN, CMD and ENTRYPOINT are never substituted here: their shell does it when they run.
import { SkiffError } from '../errors.ts';

export type Lookup = (name: string) => string | undefined;

class Lexer {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly escape: string,
    private readonly env: Lookup,
  ) {}

  private peek(): string | undefined {
    return this.s[this.i];
  }

  private next(): string | undefined {
    return this.s[this.i++];
  }

  /**
   * Reads up to `stop` (consumed) or the end. With `words`, unquoted whitespace separates words;
   * a word that was quoted counts even when empty ("" is an empty argument).
   */
  read(stop: string | undefined, words: boolean): string[] {
    const out: string[] = [];
    let cur = '';
    let started = false;
    const flush = () => {
      if (started) out.push(cur);
      cur = '';
      started = false;
    };
    for (let c = this.peek(); c !== undefined; c = this.peek()) {
      if (stop !== undefined && c === stop) {
        this.next();
        return [...out, ...(started || !words ? [cur] : [])];
      }
      if (words && /\s/.test(c)) {
        this.next();
        flush();
        continue;
      }
      started = true;
      if (c === "'") cur += this.single();
      else if (c === '"') cur += this.double();
      else if (c === '$') cur += this.dollar();
      else {
        this.next();
        if (c === this.escape) {
          const e = this.next();
          if (e !== undefined) cur += e;
        } else cur += c;
      }
    }
    if (stop !== undefined) throw new SkiffError('USAGE', `missing '${stop}' in ${JSON.stringify(this.s)}`, 'close the ${…} of the variable');
    if (words) flush();
    else out.push(cur);
    return out;
  }

  private single(): string {
    this.next();
    let out = '';
    for (let c = this.next(); c !== "'"; c = this.next()) {
      if (c === undefined) throw new SkiffError('USAGE', `unexpected end of text looking for the matching ' in ${JSON.stringify(this.s)}`, 'close the single quote');
      out += c;
    }
    return out;
  }

  private double(): string {
    this.next();
    let out = '';
    for (let c = this.peek(); ; c = this.peek()) {
      if (c === undefined) throw new SkiffError('USAGE', `unexpected end of text looking for the matching " in ${JSON.stringify(this.s)}`, 'close the double quote');
      if (c === '"') {
        this.next();
        return out;
      }
      if (c === '$') {
        out += this.dollar();
        continue;
      }
      this.next();
      if (c === this.escape) {
        const e = this.next();
        if (e === undefined) continue;
        out += e === '"' || e === '$' || e === this.escape ? e : c + e;
      } else out += c;
    }
  }

  private name(): string {
    const first = this.peek();
    if (first !== undefined && /[0-9]/.test(first)) return this.next()!; // $1: one digit, as a shell reads it
    let n = '';
    for (let c = this.peek(); c !== undefined && /[A-Za-z0-9_]/.test(c); c = this.peek()) n += this.next();
    return n;
  }

  private dollar(): string {
    this.next();
    if (this.peek() !== '{') {
      const n = this.name();
      return n === '' ? '$' : (this.env(n) ?? '');
    }
    this.next();
    const n = this.name();
    if (n === '') throw new SkiffError('USAGE', `bad substitution in ${JSON.stringify(this.s)}: \${ needs a variable name`, 'write ${NAME}');
    const value = this.env(n);
    const c = this.next();
    if (c === '}') return value ?? '';
    if (c === undefined) throw new SkiffError('USAGE', `missing '}' in ${JSON.stringify(this.s)}`, 'close the ${…} of the variable');
    let colon = false;
    let op: string | undefined = c;
    if (c === ':') {
      colon = true;
      op = this.next();
    }
    if (op !== '-' && op !== '+' && op !== '?') {
      throw new SkiffError('USAGE', `unsupported modifier (${colon ? ':' : ''}${op ?? ''}) in \${${n}…} in ${JSON.stringify(this.s)}`, 'use ${NAME:-default} or ${NAME:+alternative}');
    }
    const word = this.read('}', false).join('');
    const isSet = value !== undefined && (!colon || value !== '');
    if (op === '-') return isSet ? value! : word;
    if (op === '+') return isSet ? word : '';
    if (!isSet) throw new SkiffError('USAGE', `${n}: ${word || 'is not set'}`, `pass it with --build-arg ${n}=… or set it with ENV/ARG`);
    return value!;
  }
}

/** One word with its quotes removed and variables substituted (buildkit ProcessWord). */
export function expand(word: string, env: Lookup, escape = '\\'): string {
  return new Lexer(word, escape, env).read(undefined, false)[0] ?? '';
}

/** Words split at unquoted whitespace, then substituted (buildkit ProcessWords, used by EXPOSE). */
export function expandWords(text: string, env: Lookup, escape = '\\'): string[] {
  return new Lexer(text, escape, env).read(undefined, true);
}

/**
 * Splits at whitespace outside quotes, keeping quotes and escapes in the words for a later
 * expand() (buildkit parseWords: how ENV, LABEL and ARG find their key=value pairs).
 */
export function splitKeepingQuotes(text: string, escape = '\\'): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === undefined && /\s/.test(c)) {
      if (cur !== '') out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
    if (c === escape && i + 1 < text.length && quote !== "'") cur += text[++i];
    else if (quote === undefined && (c === '"' || c === "'")) quote = c;
    else if (c === quote) quote = undefined;
  }
  if (cur !== '') out.push(cur);
  return out;
}

/** An environment list (`K=V` strings, last one wins) as a lookup. */
export function envLookup(...lists: (readonly string[] | Map<string, string | undefined>)[]): Lookup {
  const map = new Map<string, string>();
  for (const l of lists) {
    if (l instanceof Map) for (const [k, v] of l) {
      if (v !== undefined) map.set(k, v);
    }
    else for (const e of l) {
      const i = e.indexOf('=');
      if (i > 0) map.set(e.slice(0, i), e.slice(i + 1));
    }
  }
  return (name) => map.get(name);
}
