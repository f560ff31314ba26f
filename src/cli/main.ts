// `skiff [global options] <command> [args]`: one Docker-style command, then exit with Docker's
// exit codes. With no command, the interactive shell. Errors are one line (what is wrong, and the
// fix) — never a stack trace, unless SKIFF_DEBUG=1.
import { fileURLToPath } from 'node:url';
import type { EngineApi } from '../client/api.ts';
import { LocalEngineApi } from '../client/local.ts';
import { DEFAULT_DATA_ROOT, Engine, type RuntimeOptions } from '../engine/engine.ts';
import { describeError, SkiffError } from '../engine/errors.ts';
import { endsAtFirstPositional, parseArgs, type FlagSpec } from './args.ts';
import type { CommandContext, Output } from './command.ts';
import { connectDaemon } from './connect.ts';
import { commands, lookup } from './commands/index.ts';
import { commandHelp, globalHelp } from './help.ts';
import { traceLine } from './progress.ts';
import type { Terminal } from './terminal.ts';

export const VERSION = '0.1.0';

/** Docker commands a learner may type that Skiff's engine cannot do yet (containers come next). */
const NOT_YET = ['attach', 'pause', 'unpause', 'rename', 'update', 'cp', 'export', 'save', 'load', 'compose', 'swarm'];

const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'data-root', kind: 'string', help: 'data root' },
  { name: 'insecure-registry', kind: 'list', help: 'plain-HTTP registry' },
  { name: 'trace', kind: 'bool', help: 'trace registry exchanges' },
  { name: 'storage-driver', kind: 'string', help: 'overlay or vfs' },
  { name: 'host', short: 'H', kind: 'string', help: 'daemon address' },
  { name: 'plain', kind: 'bool', help: 'plain text: no color, drawing or redrawn lines' },
  { name: 'lang', kind: 'string', help: 'language of the lessons: en or zh (default: from LANG)' },
  { name: 'version', short: 'v', kind: 'bool', help: 'version' },
  { name: 'help', short: 'h', kind: 'bool', help: 'help' },
];

export interface Session {
  out: Output;
  err: Output;
  stdin: NodeJS.ReadableStream;
  dataRoot: string;
  insecureRegistries: string[];
  trace: boolean;
  engine?: Promise<Engine>;
  api?: Promise<EngineApi>;
  /** Container runtime settings: warm inits kept ready (the REPL keeps one), the rootfs driver. */
  runtime?: RuntimeOptions;
  /** -H / SKIFF_HOST / DOCKER_HOST: the daemon the user named. */
  host?: string;
  /** SKIFF_NO_DAEMON: containers run by the engine inside this process. */
  inProcess?: boolean;
  /** --plain or NO_COLOR: text a screen reader reads well — no color, no drawing, no redrawn lines. */
  plain?: boolean;
  /** --lang: the lessons' language (en, zh); unset: from the locale. */
  lang?: string;
  /** Told when the engine is opened in this process (the REPL follows its events from then). */
  onEngine?: (engine: Engine) => void;
  /** The user's terminal as the commands get it (the REPL's can be taken from it, Terminal.take). */
  terminal?: Terminal;
}

function output(stream: NodeJS.WriteStream, plain = false): Output {
  return { write: (s) => void stream.write(s), get isTTY() { return !plain && stream.isTTY === true; }, get columns() { return stream.columns ?? 80; } };
}

/** Opens the engine once per session, on first use, so `skiff --help` never touches the store. */
function engineOf(s: Session): () => Promise<Engine> {
  return () => {
    s.engine ??= Engine.open(s.dataRoot, s.runtime).then((engine) => {
      if (s.trace) engine.events.on((e) => {
        const line = traceLine(e);
        if (line) s.err.write(`${line}\n`);
      });
      s.onEngine?.(engine);
      return engine;
    });
    return s.engine;
  };
}

/** The Engine API: a daemon (started when needed, see connect.ts), or the engine in this process. */
function apiOf(s: Session): () => Promise<EngineApi> {
  return () => {
    s.api ??= s.inProcess
      ? engineOf(s)().then((engine) => new LocalEngineApi(engine))
      : connectDaemon({
          dataRoot: s.dataRoot, err: s.err, bin: skiffBin(),
          ...(s.host ? { host: s.host } : {}),
          daemonArgs: [...s.insecureRegistries.flatMap((r) => ['--insecure-registry', r]), ...(s.runtime?.driver ? ['--storage-driver', s.runtime.driver] : [])],
        });
    return s.api;
  };
}

/** The script that runs Skiff (to start the daemon with): bin/skiff.js beside the bundle. */
function skiffBin(): string {
  const arg = process.argv[1] ?? '';
  return /skiff(\.js)?$/.test(arg) ? arg : fileURLToPath(new URL('../bin/skiff.js', import.meta.url));
}

/** Lets go of what the session opened; containers started with -d keep running. */
export async function closeSession(s: Session): Promise<void> {
  const api = await s.api?.catch(() => undefined);
  if (api) await api.close();
  else await (await s.engine?.catch(() => undefined))?.close();
}

/** Runs one command line (already split into words); returns the exit code. */
export async function runCommand(s: Session, words: string[], signal: AbortSignal): Promise<number> {
  const found = lookup(words);
  if (!found) {
    if (NOT_YET.includes(words[0] ?? '')) {
      s.err.write(`skiff: '${words[0]}' is a Docker command this version of Skiff does not have yet (it has: ${commands.map((c) => c.name).join(', ')}).\n`);
    } else {
      s.err.write(`skiff: '${words.join(' ')}' is not a skiff command.\nSee 'skiff --help'\n`);
    }
    return 1;
  }
  const { command, rest } = found;
  try {
    // --help (and -h, unless the command has a -h of its own, like run's --hostname) counts only
    // among the command's own flags: in `run busybox ls -h` it belongs to ls.
    const helpFlag: FlagSpec = { name: 'help', kind: 'bool', help: 'Print usage', ...(command.flags.some((f) => f.short === 'h') ? {} : { short: 'h' }) };
    const parsed = parseArgs(rest, [...command.flags, helpFlag], { command: command.name, stopAtPositional: endsAtFirstPositional(command.flags) });
    if (parsed.flags.help) {
      s.out.write(commandHelp(command));
      return 0;
    }
    const args = { ...parsed, flags: Object.fromEntries(Object.entries(parsed.flags).filter(([k]) => k !== 'help')) };
    const n = args.positionals.length;
    const { min, max } = command.args;
    if (n < min || (max !== undefined && n > max)) {
      const want = max === min ? `exactly ${min} argument${min === 1 ? '' : 's'}` : max === undefined ? `at least ${min} argument${min === 1 ? '' : 's'}` : `at most ${max} argument${max === 1 ? '' : 's'}`;
      s.err.write(`"skiff ${command.name}" requires ${want}.\nSee 'skiff ${command.name} --help'.\n\nUsage:  skiff ${command.name} ${command.usage}\n`);
      return 1;
    }
    const ctx: CommandContext = {
      engine: engineOf(s), api: apiOf(s), out: s.out, err: s.err, signal, insecureRegistries: s.insecureRegistries, trace: s.trace, daemonNamed: s.host !== undefined, stdin: s.stdin,
      ...(s.terminal ? { terminal: s.terminal } : process.stdin.isTTY && process.stdout.isTTY ? { terminal: { stdin: process.stdin, stdout: process.stdout } } : {}),
    };
    return (await command.run(ctx, args)) ?? 0;
  } catch (e) {
    if (signal.aborted) {
      s.err.write('Interrupted: nothing half-done was kept.\n');
      return 130;
    }
    s.err.write(`Error: ${describeError(e)}\n`);
    if (process.env.SKIFF_DEBUG && e instanceof Error && e.stack) s.err.write(e.stack + '\n');
    return e instanceof SkiffError && e.code === 'USAGE' ? 125 : 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  let global;
  try {
    global = parseArgs(argv, GLOBAL_FLAGS, { stopAtPositional: true });
  } catch (e) {
    process.stderr.write(`Error: ${describeError(e)}\n`);
    return 125;
  }
  const plain = global.flags.plain === true || Boolean(process.env.NO_COLOR);
  const out = output(process.stdout, plain);
  const err = output(process.stderr, plain);
  if (global.flags.version) {
    out.write(`Skiff version ${VERSION}\n`);
    return 0;
  }
  if (global.flags.help) {
    out.write(globalHelp());
    return 0;
  }
  const session: Session = {
    out, err, stdin: process.stdin,
    dataRoot: (global.flags['data-root'] as string | undefined) ?? process.env.SKIFF_DATA_ROOT ?? DEFAULT_DATA_ROOT,
    insecureRegistries: (global.flags['insecure-registry'] as string[] | undefined) ?? [],
    trace: global.flags.trace === true,
    runtime: { ...(global.flags['storage-driver'] ? { driver: global.flags['storage-driver'] as RuntimeOptions['driver'] } : {}) },
    ...(((global.flags.host as string | undefined) ?? process.env.SKIFF_HOST ?? process.env.DOCKER_HOST) ? { host: (global.flags.host as string | undefined) ?? process.env.SKIFF_HOST ?? process.env.DOCKER_HOST } : {}),
    inProcess: process.env.SKIFF_NO_DAEMON === '1',
    plain,
    ...(global.flags.lang ? { lang: global.flags.lang as string } : {}),
  };
  const words = global.positionals[0] === 'docker' ? global.positionals.slice(1) : global.positionals;
  if (words.length === 0) {
    // A shell lives on: one container init is kept warm, so `run` starts in milliseconds.
    session.runtime = { poolSize: 1, ...session.runtime };
    try {
      // The Ink REPL is its own chunk of the bundle, loaded only here: one-shot commands never
      // pay for Ink and React. Without a terminal (`echo images | skiff`), the plain line shell.
      if (process.stdin.isTTY && process.stdout.isTTY) {
        // Ink draws only a last frame when the environment says CI (is-in-ci, read when Ink
        // loads). A person at a terminal is typing into this shell whatever CI says.
        delete process.env.CI;
        delete process.env.CONTINUOUS_INTEGRATION;
        const { startRepl } = await import('../repl/index.tsx');
        return await startRepl(session, { run: runCommand, api: apiOf(session), engine: engineOf(session) });
      }
      const { repl } = await import('./repl.ts');
      return await repl(session, runCommand);
    } finally {
      await closeSession(session);
    }
  }
  // Ctrl-C aborts the command (its cleanup runs); a second Ctrl-C gives up at once.
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await runCommand(session, words, controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
    await closeSession(session);
  }
}
