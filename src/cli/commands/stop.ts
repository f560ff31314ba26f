// `stop`: the stop signal (SIGTERM unless the container says otherwise), then SIGKILL after the
// timeout. `restart` is stop + start; `kill` sends one signal. Each prints the names it handled.
import { SkiffError } from '../../engine/errors.ts';
import type { EngineApi } from '../../client/api.ts';
import type { Command } from '../command.ts';
import { eachContainer } from '../containers.ts';

/** `-t 5` → 5; pflag's words for anything else. */
export function timeoutFlag(v: unknown, command: string): number | undefined {
  if (typeof v !== 'string') return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw new SkiffError('USAGE', `invalid argument "${v}" for "-t, --timeout" flag: strconv.ParseInt: parsing "${v}": invalid syntax`, `see 'skiff ${command} --help'`);
  return Number(v);
}

/** `stop` and `restart`: the same shape, a timeout and a list of containers. */
function timed(name: 'stop' | 'restart', summary: string, act: (api: EngineApi, container: string, timeout?: number) => Promise<void>): Command {
  return {
    name,
    aliases: [`container ${name}`],
    usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    summary,
    flags: [{ name: 'timeout', short: 't', kind: 'string', help: 'Seconds to wait before killing the container', placeholder: 'int' }],
    args: { min: 1 },
    async run(ctx, { flags, positionals }) {
      const timeout = timeoutFlag(flags.timeout, name);
      const api = await ctx.api();
      return eachContainer(ctx, positionals, (c) => act(api, c, timeout));
    },
  };
}

export const stop = timed('stop', 'Stop one or more running containers', (api, c, t) => api.containerStop(c, t));
export const restart = timed('restart', 'Restart one or more containers', (api, c, t) => api.containerRestart(c, t));

export const kill: Command = {
  name: 'kill',
  aliases: ['container kill'],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Kill one or more running containers',
  flags: [{ name: 'signal', short: 's', kind: 'string', help: 'Signal to send to the container (default KILL)' }],
  args: { min: 1 },
  async run(ctx, { flags, positionals }) {
    const api = await ctx.api();
    const signal = typeof flags.signal === 'string' ? flags.signal : undefined;
    return eachContainer(ctx, positionals, (name) => api.containerKill(name, signal));
  },
};
