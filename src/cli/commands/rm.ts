// `rm`: remove containers (a running one only with -f, which kills it first); -v takes its
// anonymous volumes too. Named volumes always stay: their data outlives the container.
import { isSkiffError, SkiffError } from '../../engine/errors.ts';
import type { Command } from '../command.ts';
import { eachContainer } from '../containers.ts';

export const rm: Command = {
  name: 'rm',
  aliases: ['container rm', 'container remove'],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Remove one or more containers',
  flags: [
    { name: 'force', short: 'f', kind: 'bool', help: 'Force the removal of a running container (uses SIGKILL)' },
    { name: 'link', short: 'l', kind: 'bool', help: 'Remove the specified link (links come with networking)' },
    { name: 'volumes', short: 'v', kind: 'bool', help: 'Remove anonymous volumes associated with the container' },
  ],
  args: { min: 1 },
  async run(ctx, { flags, positionals }) {
    if (flags.link === true) throw new SkiffError('USAGE', 'links come with networking: Skiff has none to remove yet', 'leave out -l');
    const force = flags.force === true;
    const api = await ctx.api();
    return eachContainer(ctx, positionals, async (name) => {
      const id = name.replace(/^\/+|\/+$/g, '');
      if (id === '') throw new SkiffError('USAGE', 'container name cannot be empty', 'name a container');
      try {
        await api.containerRemove(id, { force, volumes: flags.volumes === true });
      } catch (e) {
        // `rm -f` of a container that is not there is no error (docker/cli rm.go), and no output.
        if (force && isSkiffError(e, 'CONTAINER_NOT_FOUND')) return false;
        throw e;
      }
      return true;
    });
  },
};
