// `port CONTAINER [PRIVATE_PORT[/PROTO]]`: where a container's ports are published, read from
// NetworkSettings.Ports of inspect, as docker/cli's port.go does.
import { SkiffError } from '../../engine/errors.ts';
import { portLines } from '../../engine/network/ports.ts';
import type { Command } from '../command.ts';

export const port: Command = {
  name: 'port',
  aliases: ['container port'],
  usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
  summary: 'List port mappings or a specific mapping for the container',
  flags: [],
  args: { min: 1, max: 2 },
  async run(ctx, { positionals }) {
    const [name, which] = positionals as [string, string | undefined];
    const info = await (await ctx.api()).containerInspect(name);
    const lines = portLines(info.NetworkSettings?.Ports ?? {}, which);
    if (which && lines.length === 0) {
      throw new SkiffError('USAGE', `No public port '${which.includes('/') ? which : `${which}/tcp`}' published for ${name}`, 'see every published port with: port ' + name);
    }
    ctx.out.write(lines.map((l) => `${l}\n`).join(''));
  },
};
