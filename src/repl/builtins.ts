// The REPL's own commands, each a small object as the Docker-style ones are (src/cli/commands):
// help, show and hide of the diagrams, clear, exit. They answer at once, so they may be typed
// while a command runs (`show pull` during a pull).
import type { Command } from '../cli/command.ts';
import { commandHelp } from '../cli/help.ts';
import { commands, lookup } from '../cli/commands/index.ts';
import { PANEL_NAMES } from './complete.ts';
import type { LessonRunner } from '../lessons/runner.ts';
import type { LogKind, PanelName } from './store.ts';

/** What a builtin may do to the shell. */
export interface ShellControl {
  /** The lessons, when the content loaded; else why not. */
  readonly lessons?: LessonRunner | undefined;
  readonly lessonsError?: string | undefined;
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
  api: 'each request this shell (a client) sends the daemon, and its answer',
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
    'Lessons: type lessons to list the guided lessons, lesson 1 to begin.',
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

/** A lesson command: runs on the runner, or says why there are no lessons. */
function lessonCommand(name: string, usage: string, summary: string, run: (l: LessonRunner, args: string[], shell: ShellControl) => Promise<void> | void): Builtin {
  return {
    name, usage, summary,
    run(shell, args) {
      const l = shell.lessons;
      if (!l) return shell.print('error', `Error: the lessons could not be loaded: ${shell.lessonsError ?? 'no content folder'}`);
      void Promise.resolve(run(l, args, shell)).catch((e: unknown) => shell.print('error', `Error: ${(e as Error)?.message ?? String(e)}`));
    },
  };
}

const LESSON_BUILTINS: Builtin[] = [
  lessonCommand('lessons', '', 'List the guided lessons and your progress', (l) => l.list()),
  lessonCommand('lesson', 'N', 'Open lesson N (without N: the one you were in)', (l, a) => l.open(a[0])),
  lessonCommand('next', '', 'Go on to the next step of the lesson', (l) => l.next()),
  lessonCommand('hint', '', "A hint for this step, from what the engine saw you do", (l) => l.hint()),
  lessonCommand('check', '', "Show each of this step's checks and whether it holds", (l) => l.check()),
  lessonCommand('quiz', '', "Answer this step's question", (l) => l.quiz()),
  lessonCommand('reset', '[--all]', "Remove this lesson's containers, images and volumes and start it again (--all: every lesson, all progress)", (l, a, shell) => {
    const bad = a.find((x) => x !== '--all');
    if (bad) return shell.print('error', `Error: reset takes only --all, not "${bad}"`);
    return l.reset(a.includes('--all'));
  }),
  lessonCommand('lang', 'en|zh', 'Switch the lessons to English or Chinese (中文)', (l, a) => l.setLang(a[0])),
];

export const BUILTINS: Builtin[] = [help, show, hide, clear, exit, ...LESSON_BUILTINS];

export function findBuiltin(name: string): Builtin | undefined {
  return BUILTINS.find((b) => b.name === name || b.aliases?.includes(name));
}
