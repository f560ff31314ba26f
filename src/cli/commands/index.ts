// Every command, by every name it answers to. The one-shot shell (main.ts) and the REPL both look
// commands up here.
import type { Command } from '../command.ts';
import { base } from './base.ts';
import { history } from './history.ts';
import { images } from './images.ts';
import { importCmd } from './import.ts';
import { inspect } from './inspect.ts';
import { pull } from './pull.ts';
import { rmi } from './rmi.ts';
import { df, prune } from './system.ts';
import { tag } from './tag.ts';
import { volumeCommands } from './volume.ts';

export const commands: Command[] = [pull, images, inspect, history, tag, rmi, importCmd, base, df, prune, ...volumeCommands];

/** Finds the command named by the first one or two words; returns it and the remaining words. */
export function lookup(words: readonly string[]): { command: Command; rest: string[] } | undefined {
  for (const n of [2, 1]) {
    if (words.length < n) continue;
    const name = words.slice(0, n).join(' ');
    const command = commands.find((c) => c.name === name || c.aliases?.includes(name));
    if (command) return { command, rest: words.slice(n) };
  }
  return undefined;
}

/** Names a user can type, for help and completion. */
export function allNames(): string[] {
  return commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
}
