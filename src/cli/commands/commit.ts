// `commit`: a container's changes (what `diff` lists) as a new image on top of its image.
import { SkiffError } from '../../engine/errors.ts';
import { parseReference } from '../../engine/reference.ts';
import { type Command, str } from '../command.ts';

export const commit: Command = {
  name: 'commit',
  aliases: ['container commit'],
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  summary: "Create a new image from a container's changes",
  flags: [
    { name: 'author', short: 'a', kind: 'string', help: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")', placeholder: 'string' },
    { name: 'change', short: 'c', kind: 'list', help: 'Apply Dockerfile instruction to the created image (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR)', placeholder: 'instruction' },
    { name: 'message', short: 'm', kind: 'string', help: 'Commit message', placeholder: 'string' },
    { name: 'pause', short: 'p', kind: 'bool', help: 'Accepted for Docker compatibility; Skiff reads a running container as it is' },
  ],
  args: { min: 1, max: 2 },
  async run(ctx, { flags, positionals }) {
    const name = positionals[1];
    if (name && parseReference(name).digest) throw new SkiffError('USAGE', `refusing to create a tag with a digest reference ("${name}")`, 'give a name like learner/app:1.0');
    const api = await ctx.api();
    if (!api.containerCommit) throw new SkiffError('UNSUPPORTED', 'this engine cannot commit containers', 'use a Skiff daemon or Docker');
    const r = await api.containerCommit(positionals[0]!, {
      ...(name ? { name } : {}),
      ...(str(flags.message) ? { comment: str(flags.message)! } : {}),
      ...(str(flags.author) ? { author: str(flags.author)! } : {}),
      ...(flags.change ? { changes: flags.change as string[] } : {}),
    });
    ctx.out.write(`${r.Id}\n`);
  },
};
