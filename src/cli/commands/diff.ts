// `diff`: what the container changed in its writable layer — A added, C changed, D deleted.
import type { Command } from '../command.ts';

const KIND = ['C', 'A', 'D'] as const;

export const diff: Command = {
  name: 'diff',
  aliases: ['container diff'],
  usage: 'CONTAINER',
  summary: "Inspect changes to files or directories on a container's filesystem",
  flags: [],
  args: { min: 1, max: 1 },
  async run(ctx, { positionals }) {
    const changes = await (await ctx.api()).containerChanges(positionals[0]!);
    ctx.out.write(changes.map((c) => `${KIND[c.Kind]} ${c.Path}\n`).join(''));
  },
};
