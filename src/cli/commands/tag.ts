import type { Command } from '../command.ts';

export const tag: Command = {
  name: 'tag',
  aliases: ['image tag'],
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  summary: 'Give an image another name',
  flags: [],
  args: { min: 2, max: 2 },
  async run(ctx, { positionals }) {
    const engine = await ctx.engine();
    await engine.images.tag(positionals[0]!, positionals[1]!);
  },
};
