// `top`: the container's processes as the host's `ps -ef` sees them (host PIDs).
import type { Command } from '../command.ts';
import { table } from '../format.ts';

export const top: Command = {
  name: 'top',
  aliases: ['container top'],
  usage: 'CONTAINER',
  summary: 'Display the running processes of a container',
  flags: [],
  args: { min: 1, max: 1 },
  async run(ctx, { positionals }) {
    const t = await (await ctx.api()).containerTop(positionals[0]!);
    // docker/cli top.go: a tabwriter with minimum width 20.
    ctx.out.write(table(t.Titles, t.Processes, { minWidth: 20 }));
  },
};
