// Docker-style argument parsing: `--flag value`, `--flag=value`, `-f value`, bundled short booleans
// (`-af`), repeated list flags (`-c A -c B`), and `--` to end the flags. Parsing stops at the first
// positional argument when `stopAtPositional` is set (as `docker run IMAGE CMD --flags-of-cmd`).
import { SkiffError } from '../engine/errors.ts';

export interface FlagSpec {
  name: string; // long name without dashes
  short?: string; // one letter
  kind: 'bool' | 'string' | 'list';
  help: string;
  placeholder?: string;
}

const STOP = Symbol('stopAtPositional');

/**
 * Marks a command's flag list as ending at the first positional argument (cobra's
 * SetInterspersed(false)): in `run IMAGE CMD -x` and `exec NAME CMD -x`, `-x` belongs to CMD. The
 * mark travels with the list, so every caller of parseArgs (the shell, the REPL) honours it.
 */
export function flagsEndAtFirstPositional(specs: FlagSpec[]): FlagSpec[] {
  return Object.defineProperty(specs, STOP, { value: true, enumerable: false });
}

export function endsAtFirstPositional(specs: readonly FlagSpec[]): boolean {
  return (specs as { [STOP]?: boolean })[STOP] === true;
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], opts: { stopAtPositional?: boolean; command?: string } = {}): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const stopAtPositional = opts.stopAtPositional ?? endsAtFirstPositional(specs);
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  const see = opts.command ? `see 'skiff ${opts.command} --help'` : 'see --help';
  const set = (spec: FlagSpec, value: string | boolean) => {
    if (spec.kind === 'list') flags[spec.name] = [...((flags[spec.name] as string[] | undefined) ?? []), String(value)];
    else flags[spec.name] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      const spec = byLong.get(name);
      if (!spec) throw new SkiffError('USAGE', `unknown flag: --${name}`, see);
      if (spec.kind === 'bool') {
        const v = eq === -1 ? 'true' : a.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new SkiffError('USAGE', `invalid value "${v}" for --${name}: use true or false`, see);
        set(spec, v === 'true');
      } else {
        const v = eq === -1 ? argv[++i] : a.slice(eq + 1);
        if (v === undefined) throw new SkiffError('USAGE', `flag needs an argument: --${name}`, see);
        set(spec, v);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const spec = byShort.get(a[j]!);
        if (!spec) throw new SkiffError('USAGE', `unknown shorthand flag: '${a[j]}' in ${a}`, see);
        if (spec.kind === 'bool') {
          set(spec, true);
          continue;
        }
        const rest = a.slice(j + 1);
        const v = rest !== '' ? rest.replace(/^=/, '') : argv[++i];
        if (v === undefined) throw new SkiffError('USAGE', `flag needs an argument: '${a[j]}' in ${a}`, see);
        set(spec, v);
        break;
      }
      continue;
    }
    positionals.push(a);
    if (stopAtPositional) {
      positionals.push(...argv.slice(i + 1));
      break;
    }
  }
  return { flags, positionals };
}

/** Splits a command line like a POSIX shell would: quotes and backslash escapes, no expansion. */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new SkiffError('USAGE', `unterminated ${quote === '"' ? 'double' : 'single'} quote`, 'close the quote');
  if (inWord) out.push(cur);
  return out;
}
