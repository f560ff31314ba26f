// The REPL's own commands, each a small object as the Docker-style ones are (src/cli/commands):
// help, show and hide of the diagrams, clear, exit. They answer at once, so they may be typed
// while a command runs (`show pull` during a pull).
import type { Command } from '../cli/command.ts';
import { commandHelp } from '../cli/help.ts';
import { commands, lookup } from '../cli/commands/index.ts';
import { PANEL_NAMES } from './complete.ts';
import type { LogKind, PanelName } from './store.ts';

/** What a builtin may do to the shell. */
export interface ShellControl {
  print(kind: LogKind, text: string): void;
  showPanel(name: PanelName): void;
  hidePanel(): void;
  clearScreen(): void;
  exit(): void;
}

export interface Builtin {
  name: string;
  aliases?: string[];
  usage: string;
  summary: string;
  run(shell: ShellControl, args: string[]): void;
}

export const PANEL_WORDS: Record<PanelName, string> = {
  pull: 'the pull handshake: every request to the registry and token service, each layer',
  layers: "the image's layers, the container's writable layer, overlay, and what it changed",
  ns: "the container's namespaces beside the host's, PID 1, hostname, mounts",
  cgroups: 'live gauges of memory, CPU and pids against their limits; OOM kills',
  run: 'the seven steps of `docker run`, each timed from what the engine did',
  net: 'the bridges, each container\'s interface and IP, links and published ports',
};

const GROUPS: { title: string; names: string[] }[] = [
  { title: 'Containers', names: ['run', 'create', 'start', 'stop', 'restart', 'kill', 'rm', 'ps', 'logs', 'exec', 'wait', 'top', 'diff', 'stats', 'container inspect'] },
  { title: 'Images', names: ['pull', 'images', 'history', 'tag', 'rmi', 'import', 'base', 'inspect', 'image inspect', 'image prune', 'system df'] },
  { title: 'Volumes', names: ['volume create', 'volume ls', 'volume inspect', 'volume rm', 'volume prune'] },
];

function columns(rows: [string, string][]): string {
  const w = Math.max(...rows.map(([a]) => a.length)) + 2;
  return rows.map(([a, b]) => `  ${a.padEnd(w)}${b}`).join('\n');
}

export function replHelp(): string {
  const summary = (n: string) => commands.find((c) => c.name === n)?.summary ?? '';
  const listed = new Set(GROUPS.flatMap((g) => g.names));
  const rest = commands.filter((c) => !listed.has(c.name) && c.name !== 'volume').map((c) => c.name);
  const groups = [...GROUPS, ...(rest.length ? [{ title: 'Also', names: rest }] : [])];
  return [
    'Type Docker-style commands, without `docker` in front: pull busybox, images, run -it busybox sh.',
    ...groups.flatMap((g) => ['', `${g.title}:`, columns(g.names.map((n) => [n, summary(n)]))]),
    '',
    'In this shell:',
    columns(BUILTINS.map((b) => [`${b.name} ${b.usage}`.trim(), b.summary])),
    '',
    'Keys: Tab completes; Up/Down walk the history; Ctrl-C interrupts the running command;',
    'Ctrl-D on an empty line leaves; PgUp/PgDn scroll the diagram; Ctrl-L clears the screen.',
    "Run 'help COMMAND' for a command's options.",
  ].join('\n');
}

const help: Builtin = {
  name: 'help',
  usage: '[COMMAND]',
  summary: 'List the commands, or show one command\'s options',
  run(shell, args) {
    if (args.length === 0) return shell.print('out', replHelp());
    const own = findBuiltin(args[0]!);
    if (own) return shell.print('out', `Usage:  ${own.name} ${own.usage}\n\n${own.summary}${own === show ? `\n\n${columns(PANEL_NAMES.map((p) => [p, PANEL_WORDS[p as PanelName]]))}` : ''}`);
    const found = lookup(args);
    if (!found) return shell.print('error', `Error: '${args.join(' ')}' is not a Skiff command; type help to list them`);
    const c: Command = found.command;
    shell.print('out', commandHelp(c).replace(/^\n/, ''));
  },
};

const show: Builtin = {
  name: 'show',
  usage: PANEL_NAMES.join('|'),
  summary: 'Draw a live diagram under the output, from what the engine really does',
  run(shell, args) {
    const name = args[0];
    if (!name || !PANEL_NAMES.includes(name)) {
      return shell.print('error', `Error: show what? Use one of: ${PANEL_NAMES.map((p) => `show ${p}`).join(', ')}`);
    }
    shell.showPanel(name as PanelName);
  },
};

const hide: Builtin = { name: 'hide', usage: '', summary: 'Close the diagram', run: (shell) => shell.hidePanel() };
const clear: Builtin = { name: 'clear', usage: '', summary: 'Clear the screen', run: (shell) => shell.clearScreen() };
const exit: Builtin = { name: 'exit', aliases: ['quit'], usage: '', summary: 'Leave Skiff (Ctrl-D does too); containers started with -d keep running', run: (shell) => shell.exit() };

export const BUILTINS: Builtin[] = [help, show, hide, clear, exit];

export function findBuiltin(name: string): Builtin | undefined {
  return BUILTINS.find((b) => b.name === name || b.aliases?.includes(name));
}
