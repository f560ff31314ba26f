import { SkiffError } from '../../engine/errors.ts';
import { parseReference, repositoryName } from '../../engine/reference.ts';
import type { Command } from '../command.ts';
import { daemonApi } from '../daemon-api.ts';

export const tag: Command = {
  name: 'tag',
  aliases: ['image tag'],
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  summary: 'Give an image another name',
  flags: [],
  args: { min: 2, max: 2 },
  async run(ctx, { positionals }) {
    const [source, target] = positionals as [string, string];
    const daemon = await daemonApi(ctx);
    if (daemon) {
      // As the docker CLI sends it: the target's repository and tag apart (a bad name fails here).
      const ref = parseReference(target);
      if (ref.digest) throw new SkiffError('USAGE', `cannot tag with a digest ("${target}")`, 'a digest names content; give a tag like name:1.0 instead');
      return void (await daemon.imageTag(source, repositoryName(ref), ref.tag));
    }
    const engine = await ctx.engine();
    await engine.images.tag(source, target);
  },
};
