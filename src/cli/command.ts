// A command is a small object — name, usage, flags, action — in its own file; the shell and the
// REPL dispatch by data (commands/index.ts), never through a giant switch.
import type { EngineApi } from '../client/api.ts';
import type { Engine } from '../engine/engine.ts';
import type { FlagSpec, ParsedArgs } from './args.ts';
import type { Terminal } from './terminal.ts';

export interface Output {
  /** Text, or a container's output as it came (bytes: not every program prints UTF-8). */
  write(s: string | Uint8Array): void;
  /** True when writing to a terminal: progress may redraw lines in place. */
  isTTY: boolean;
  columns: number;
}

export interface CommandContext {
  engine(): Promise<Engine>;
  /** The Engine API the container commands use (docker CLI style): the engine in this process,
   *  or a daemon. */
  api(): Promise<EngineApi>;
  /** Where the user's terminal is, for `run -it` / `exec -it` (raw mode, size, resize); in the
   *  REPL with the way to take it from the REPL for the session (Terminal.take). */
  terminal?: Terminal;
  out: Output;
  err: Output;
  signal: AbortSignal;
  /** Insecure (plain HTTP) registries allowed besides loopback ones. */
  insecureRegistries: string[];
  /** -H / SKIFF_HOST / DOCKER_HOST named the daemon: when it cannot be reached, that is the error
   *  (no falling back to the local store). */
  daemonNamed?: boolean;
  /** --trace: each registry exchange is printed as it happens (so a pull is made in this process). */
  trace?: boolean;
  /** Read standard input (for `import -`). */
  stdin: NodeJS.ReadableStream;
}

export interface Command {
  name: string;
  /** Other spellings: `images` is also `image ls`. */
  aliases?: string[];
  usage: string; // after the command name, e.g. "[OPTIONS] NAME[:TAG|@DIGEST]"
  summary: string;
  flags: FlagSpec[];
  args: { min: number; max?: number };
  run(ctx: CommandContext, args: ParsedArgs): Promise<number | void>;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
