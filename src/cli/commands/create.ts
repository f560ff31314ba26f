// `create`: the container, ready to start — its ID on stdout, warnings on stderr. The image is
// pulled first when it is not here, as `run` does.
import type { Command } from '../command.ts';
import { createContainer, flagEnv } from '../containers.ts';
import { containerOptions, CREATE_FLAGS } from '../run-flags.ts';

export const create: Command = {
  name: 'create',
  aliases: ['container create'],
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create a new container',
  flags: CREATE_FLAGS,
  args: { min: 1 },
  async run(ctx, args) {
    // Flag values that cannot be parsed are usage errors (125); what the engine refuses is 1.
    const o = containerOptions(args, flagEnv(ctx), 'create');
    const id = await createContainer(ctx, await ctx.api(), o);
    ctx.out.write(`${id}\n`);
  },
};
