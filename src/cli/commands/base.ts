import { buildBaseImage } from '../../engine/image/base.ts';
import type { Command } from '../command.ts';

export const base: Command = {
  name: 'base',
  aliases: ['image base'],
  usage: '[OPTIONS] [NAME[:TAG]]',
  summary: 'Build a tiny real base image offline from this host (busybox-static, or /bin/sh and tools)',
  flags: [{ name: 'busybox', kind: 'string', help: 'Path of a statically linked busybox (default /bin/busybox)', placeholder: 'path' }],
  args: { min: 0, max: 1 },
  async run(ctx, { flags, positionals }) {
    const engine = await ctx.engine();
    const name = positionals[0] ?? 'busybox:latest';
    const r = await buildBaseImage(engine.store, name, typeof flags.busybox === 'string' ? flags.busybox : undefined);
    ctx.out.write(`Built ${name} from ${r.kind === 'busybox-static' ? 'the static busybox' : "this host's /bin/sh and tools"}\n${r.imageId}\n`);
  },
};
