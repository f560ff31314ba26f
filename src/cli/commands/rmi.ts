import type { Command } from '../command.ts';

export const rmi: Command = {
  name: 'rmi',
  aliases: ['image rm', 'image remove'],
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Remove images; layers go only when no other image uses them',
  flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Remove the image even when several names point at it' }],
  args: { min: 1 },
  async run(ctx, { flags, positionals }) {
    const engine = await ctx.engine();
    let failed = false;
    for (const name of positionals) {
      try {
        for (const r of await engine.images.remove(name, { force: flags.force === true })) {
          ctx.out.write('Untagged' in r ? `Untagged: ${r.Untagged}\n` : `Deleted: ${r.Deleted}\n`);
        }
      } catch (e) {
        failed = true;
        ctx.err.write(`Error: ${(e as Error).message}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
