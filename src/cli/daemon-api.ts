// The daemon's endpoints beyond EngineApi (images, volumes, system), for the commands that ask a
// daemon as the docker CLI does: undefined when there is none to ask (the engine runs in this
// process, or no daemon could be reached), and the command works on the store itself.
import { HttpEngineApi } from '../client/http.ts';
import type { CommandContext } from './command.ts';

export async function daemonApi(ctx: CommandContext): Promise<HttpEngineApi | undefined> {
  // A daemon the user named must answer (docker's "Cannot connect"); the default one may be
  // missing (not root, no daemon): then the store is used directly.
  const api = ctx.daemonNamed ? await ctx.api() : await ctx.api().catch(() => undefined);
  return api instanceof HttpEngineApi ? api : undefined;
}
