// A command is a small object — name, usage, flags, action — in its own file; the shell and the
// REPL dispatch by data (commands/index.ts), never through a giant switch.
import type { Engine } from '../engine/engine.ts';
import type { FlagSpec, ParsedArgs } from './args.ts';

export interface Output {
  write(s: string): void;
  /** True when writing to a terminal: progress may redraw lines in place. */
  isTTY: boolean;
  columns: number;
}

export interface CommandContext {
  engine(): Promise<Engine>;
  out: Output;
  err: Output;
  signal: AbortSignal;
  /** Insecure (plain HTTP) registries allowed besides loopback ones. */
  insecureRegistries: string[];
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
