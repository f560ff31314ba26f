// `run` = create + attach + start + wait (docker/cli run.go): the container's exit code becomes
// ours; 125 when the engine refused, 126/127 when the command could not be run. With -d: create,
// start, print the ID.
import type { EngineApi } from '../../client/api.ts';
import { attachStartWait, removeAfterExit, terminalNote } from '../attached.ts';
import type { Command } from '../command.ts';
import { createContainer, flagEnv, reportError, runFailureCode } from '../containers.ts';
import { containerOptions, type ContainerOptions, RUN_FLAGS } from '../run-flags.ts';

export const run: Command = {
  name: 'run',
  aliases: ['container run'],
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create and run a new container from an image',
  flags: RUN_FLAGS,
  args: { min: 1 },
  async run(ctx, args) {
    let o: ContainerOptions;
    try {
      o = containerOptions(args, flagEnv(ctx), 'run');
    } catch (e) {
      reportError(ctx, e);
      return 125;
    }
    const b = o.body;
    // docker/cli In.CheckTty: -it needs a terminal to read keys from.
    if (!o.detach && b.Tty && b.AttachStdin && (ctx.terminal?.stdin ?? (ctx.stdin as NodeJS.ReadStream)).isTTY !== true) {
      ctx.err.write('Error: the input device is not a TTY\n');
      return 1;
    }
    const autoRemove = b.HostConfig?.AutoRemove === true;
    let api: EngineApi | undefined;
    let id: string | undefined;
    try {
      api = await ctx.api();
      id = await createContainer(ctx, api, o);
      if (o.detach) {
        ctx.out.write(`${id}\n`);
        await api.containerStart(id);
        // `run -dit` is a common idiom; here it would leave a shell that ends with this command.
        if (b.Tty && terminalNote(api)) ctx.err.write(`${id.slice(0, 12)} has a terminal.${terminalNote(api)}\n`);
        return 0;
      }
      return await attachStartWait(ctx, api, {
        id, tty: b.Tty === true, detachKeys: o.detachKeys, autoRemove, sigProxy: o.sigProxy,
        want: { stdin: b.AttachStdin === true, stdout: b.AttachStdout === true, stderr: b.AttachStderr === true },
      });
    } catch (e) {
      if (ctx.signal.aborted && id === undefined) throw e; // interrupted while creating or pulling
      reportError(ctx, e);
      if (o.detach && autoRemove && api && id) await removeAfterExit(ctx, api, id);
      return runFailureCode(e);
    }
  },
};
