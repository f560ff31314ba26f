// Tab completion, by data: command names from the registry (and the REPL's own), a command's
// flags from its FlagSpecs, and its arguments by what its usage line names — IMAGE, CONTAINER,
// VOLUME — from the engine's lists, fetched once per prompt.
import { endsAtFirstPositional, type FlagSpec } from '../cli/args.ts';
import type { Command } from '../cli/command.ts';
import { allNames, lookup } from '../cli/commands/index.ts';

export type ArgKind = 'image' | 'container' | 'volume' | 'object' | 'command' | 'panel' | 'none';

export interface CompletionSources {
  images(): Promise<string[]>;
  containers(): Promise<string[]>;
  volumes(): Promise<string[]>;
}

/** The REPL's own commands, and what their argument is. */
export const BUILTIN_ARGS: Record<string, ArgKind> = { help: 'command', show: 'panel', hide: 'none', clear: 'none', exit: 'none', quit: 'none' };
export const PANEL_NAMES = ['pull', 'layers', 'ns', 'cgroups', 'run', 'net', 'api'];

export interface Completion {
  /** The word being completed is text[from, to). */
  from: number;
  to: number;
  candidates: string[];
}

/** What each positional argument of a command is, read from its usage line ("[OPTIONS] IMAGE
 *  [COMMAND] [ARG...]"); the last one repeats when it ends in "...". */
export function argKinds(usage: string): { kinds: ArgKind[]; repeats: boolean } {
  const tokens = usage.split(/\s+/).filter((t) => t && t !== '[OPTIONS]');
  const kinds = tokens.map((t): ArgKind => {
    const word = t.replace(/[[\]]|\.\.\./g, '');
    if (/^(NAME\|ID)/.test(word)) return 'object';
    if (/IMAGE|REPOSITORY|^NAME\[?:TAG/.test(word)) return 'image';
    if (/CONTAINER/.test(word)) return 'container';
    if (/VOLUME/.test(word)) return 'volume';
    return 'none';
  });
  return { kinds, repeats: tokens.at(-1)?.includes('...') === true };
}

function takesValue(specs: readonly FlagSpec[], word: string): boolean {
  if (word.startsWith('--')) {
    if (word.includes('=')) return false;
    return specs.find((s) => s.name === word.slice(2))?.kind !== 'bool';
  }
  // -abc: the value, if the last letter wants one and nothing follows it, is the next word.
  const letters = word.slice(1);
  for (let i = 0; i < letters.length; i++) {
    const spec = specs.find((s) => s.short === letters[i]);
    if (spec && spec.kind !== 'bool') return i === letters.length - 1;
  }
  return false;
}

/** Where the word under the cursor begins: after the last space before it. */
function wordStart(text: string, cursor: number): number {
  let i = cursor;
  while (i > 0 && !/\s/.test(text[i - 1]!)) i--;
  return i;
}

const firstWords = () => [...new Set([...allNames().map((n) => n.split(' ')[0]!), ...Object.keys(BUILTIN_ARGS)])].sort();

/** Names whose first word is `first`, second words only: `image` → ls, pull, rm... */
const secondWords = (first: string) => [...new Set(allNames().filter((n) => n.startsWith(first + ' ')).map((n) => n.split(' ')[1]!))].sort();

async function candidatesOf(kind: ArgKind, src: CompletionSources): Promise<string[]> {
  switch (kind) {
    case 'image':
      return src.images();
    case 'container':
      return src.containers();
    case 'volume':
      return src.volumes();
    case 'object':
      return [...(await src.containers()), ...(await src.images())];
    case 'command':
      return firstWords();
    case 'panel':
      return PANEL_NAMES;
    default:
      return [];
  }
}

/** What the argument at the cursor is, from the words before it. */
function argKindAt(words: string[]): { kind: ArgKind; flags?: FlagSpec[] } {
  const builtin = BUILTIN_ARGS[words[0] ?? ''];
  if (builtin !== undefined) return { kind: words.length === 1 ? builtin : 'none' };
  const found = lookup(words);
  if (!found) return { kind: 'none' };
  const command: Command = found.command;
  const specs = [...command.flags, { name: 'help', kind: 'bool' as const, help: '' }];
  const stopAtPositional = endsAtFirstPositional(command.flags);
  const { kinds, repeats } = argKinds(command.usage);
  let n = 0;
  let valueNext = false;
  for (const w of found.rest) {
    if (valueNext) {
      valueNext = false;
      continue;
    }
    if (w.startsWith('-') && w.length > 1 && !(stopAtPositional && n > 0)) {
      valueNext = takesValue(specs, w);
      continue;
    }
    n++;
  }
  if (valueNext) return { kind: 'none' }; // the value of a flag: nothing to offer
  const kind = n < kinds.length ? kinds[n]! : repeats ? (kinds.at(-1) ?? 'none') : 'none';
  return { kind, ...(stopAtPositional && n > 0 ? {} : { flags: specs }) };
}

/** What could go where the cursor is; the caller keeps only those that start with the word. */
export async function complete(text: string, cursor: number, src: CompletionSources): Promise<Completion> {
  const from = wordStart(text, cursor);
  const word = text.slice(from, cursor);
  let before = text.slice(0, from).trim().split(/\s+/).filter(Boolean);
  if (before[0] === 'docker' || before[0] === 'skiff') before = before.slice(1);
  let all: string[];
  if (before.length === 0) all = firstWords();
  else if (before.length === 1 && secondWords(before[0]!).length > 0 && !lookup(before)) all = secondWords(before[0]!);
  else if (before.length === 1 && secondWords(before[0]!).length > 0 && !word.startsWith('-')) {
    // `volume` is a command and the first word of `volume ls`: offer both readings.
    const { kind } = argKindAt(before);
    all = [...secondWords(before[0]!), ...(await candidatesOf(kind, src))];
  } else {
    const { kind, flags } = argKindAt(before);
    all = word.startsWith('-') ? (flags ?? []).map((f) => `--${f.name}`) : await candidatesOf(kind, src);
  }
  const candidates = [...new Set(all.filter((c) => c.startsWith(word)))];
  return { from, to: cursor, candidates };
}

/** The longest prefix all the candidates share. */
export function commonPrefix(words: readonly string[]): string {
  if (words.length === 0) return '';
  let p = words[0]!;
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/** Lists fetched once per prompt: Tab pressed again on the same prompt asks the engine nothing. */
export class CachedSources implements CompletionSources {
  private cache = new Map<string, Promise<string[]>>();

  constructor(private readonly fetch: { [K in keyof CompletionSources]: () => Promise<string[]> }) {}

  private get(key: keyof CompletionSources): Promise<string[]> {
    let p = this.cache.get(key);
    if (!p) {
      // A list that cannot be had (no daemon yet, not root) completes nothing rather than failing.
      p = this.fetch[key]().catch(() => []);
      this.cache.set(key, p);
    }
    return p;
  }

  images = () => this.get('images');
  containers = () => this.get('containers');
  volumes = () => this.get('volumes');

  /** A new prompt: containers and images may have come and gone. */
  reset(): void {
    this.cache.clear();
  }
}
