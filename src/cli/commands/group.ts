// What the command groups (`volume ...`, `network ...`) share: `GROUP` alone lists its subcommands
// as the docker CLI does, and a daemon's refusal is one line on stderr with exit status 1 (a bad
// flag, found before the engine is asked, stays the CLI's 125).
import { SkiffError } from '../../engine/errors.ts';
import type { Command, CommandContext } from '../command.ts';

export async function engineCall(ctx: CommandContext, fn: () => Promise<number | void>): Promise<number> {
  try {
    return (await fn()) ?? 0;
  } catch (e) {
    if (!(e instanceof SkiffError)) throw e;
    ctx.err.write(`Error: ${e.describe()}\n`);
    return 1;
  }
}

/** The `GROUP` command itself: lists `subcommands` (named "GROUP sub"). */
export function commandGroup(group: string, summary: string, title: string, subcommands: Command[]): Command {
  const prefix = `${group} `;
  return {
    name: group,
    usage: 'COMMAND',
    summary,
    flags: [],
    args: { min: 0 },
    async run(ctx, { positionals }) {
      if (positionals.length > 0) {
        ctx.err.write(`skiff: '${prefix}${positionals[0]}' is not a skiff command.\nSee 'skiff ${group}' for its commands\n`);
        return 1;
      }
      const width = Math.max(...subcommands.map((c) => c.name.length - prefix.length)) + 2;
      ctx.out.write(`\nUsage:  skiff ${group} COMMAND\n\n${title}\n\nCommands:\n${subcommands.map((c) => `  ${c.name.slice(prefix.length).padEnd(width)}${c.summary}\n`).join('')}\nRun 'skiff ${group} COMMAND --help' for more information on a command.\n`);
      return 0;
    },
  };
}
