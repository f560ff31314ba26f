// `start`: created or stopped containers run again. With -a (and -i) the command stays attached,
// as `run` does, and ends with the container's exit code.
import { SkiffError } from '../../engine/errors.ts';
import { attachStartWait } from '../attached.ts';
import type { Command } from '../command.ts';
import { reportError } from '../containers.ts';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../detach-keys.ts';

export const start: Command = {
  name: 'start',
  aliases: ['container start'],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  flags: [
    { name: 'attach', short: 'a', kind: 'bool', help: 'Attach STDOUT/STDERR and forward signals' },
    { name: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container' },
    { name: 'interactive', short: 'i', kind: 'bool', help: "Attach container's STDIN" },
  ],
  args: { min: 1 },
  async run(ctx, { flags, positionals }) {
    const api = await ctx.api();
    if (flags.attach !== true && flags.interactive !== true) {
      const failed: string[] = [];
      for (const name of positionals) {
        try {
          await api.containerStart(name);
          ctx.out.write(`${name}\n`);
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          reportError(ctx, e);
          failed.push(name);
        }
      }
      if (failed.length) ctx.err.write(`Error: failed to start containers: ${failed.join(', ')}\n`);
      return failed.length ? 1 : 0;
    }
    if (positionals.length > 1) throw new SkiffError('USAGE', 'you cannot start and attach multiple containers at once', 'start them one by one');
    const detachKeys = parseDetachKeys(typeof flags['detach-keys'] === 'string' ? flags['detach-keys'] : DEFAULT_DETACH_KEYS);
    const c = await api.containerInspect(positionals[0]!);
    const tty = c.Config.Tty === true;
    return attachStartWait(ctx, api, {
      id: c.Id, tty, detachKeys, autoRemove: c.HostConfig.AutoRemove === true, sigProxy: !tty,
      want: { stdin: flags.interactive === true && c.Config.OpenStdin === true, stdout: true, stderr: true },
    });
  },
};
