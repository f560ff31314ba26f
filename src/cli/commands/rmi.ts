import type { Command } from '../command.ts';
import { daemonApi } from '../daemon-api.ts';

export const rmi: Command = {
  name: 'rmi',
  aliases: ['image rm', 'image remove'],
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Remove images; layers go only when no other image uses them',
  flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Remove the image even when several names point at it' }],
  args: { min: 1 },
  async run(ctx, { flags, positionals }) {
    const daemon = await daemonApi(ctx);
    const remove = daemon ? (n: string, force: boolean) => daemon.imageRemove(n, { force }) : async (n: string, force: boolean) => (await ctx.engine()).images.remove(n, { force });
    let failed = false;
    for (const name of positionals) {
      try {
        for (const r of await remove(name, flags.force === true)) {
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
