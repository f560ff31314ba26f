// `wait`: block until each container stops, then print its exit code.
import type { Command } from '../command.ts';
import { reportError } from '../containers.ts';

export const wait: Command = {
  name: 'wait',
  aliases: ['container wait'],
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Block until one or more containers stop, then print their exit codes',
  flags: [],
  args: { min: 1 },
  async run(ctx, { positionals }) {
    const api = await ctx.api();
    let failed = false;
    for (const name of positionals) {
      try {
        ctx.out.write(`${(await api.containerWait(name, 'not-running')).StatusCode}\n`);
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        failed = true;
        reportError(ctx, e);
      }
    }
    return failed ? 1 : 0;
  },
};
