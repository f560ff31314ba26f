// Every command, by every name it answers to. The one-shot shell (main.ts) and the REPL both look
// commands up here.
import type { Command } from '../command.ts';
import { base } from './base.ts';
import { build } from './build.ts';
import { commit } from './commit.ts';
import { create } from './create.ts';
import { daemon } from './daemon.ts';
import { diff } from './diff.ts';
import { exec } from './exec.ts';
import { history } from './history.ts';
import { images } from './images.ts';
import { importCmd } from './import.ts';
import { containerInspect, imageInspect, inspect } from './inspect.ts';
import { logs } from './logs.ts';
import { networkCommands } from './network.ts';
import { port } from './port.ts';
import { ps } from './ps.ts';
import { pull } from './pull.ts';
import { push } from './push.ts';
import { login } from './login.ts';
import { logout } from './logout.ts';
import { search } from './search.ts';
import { registryCommands } from './registry.ts';
import { rm } from './rm.ts';
import { rmi } from './rmi.ts';
import { run } from './run.ts';
import { start } from './start.ts';
import { stats } from './stats.ts';
import { kill, restart, stop } from './stop.ts';
import { df, prune } from './system.ts';
import { tag } from './tag.ts';
import { top } from './top.ts';
import { info, version } from './version.ts';
import { volumeCommands } from './volume.ts';
import { wait } from './wait.ts';

const containerCommands: Command[] = [run, create, start, stop, restart, kill, rm, ps, logs, exec, wait, top, diff, stats, port, commit, containerInspect];

export const commands: Command[] = [...containerCommands, pull, build, images, inspect, imageInspect, history, tag, rmi, importCmd, base, df, prune, ...volumeCommands, ...networkCommands, daemon, push, login, logout, search, ...registryCommands, version, info];

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
