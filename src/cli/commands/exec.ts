// `exec`: one more process in a running container — its namespaces, cgroup and root — attached
// like `run` (-i input, -t a pseudo-terminal of the user's size), or started and left with -d.
// The exit code is the process's (docker/cli exec.go).
import type { ExecConfig } from '../../client/api.ts';
import { SkiffError } from '../../engine/errors.ts';
import { type FlagSpec, flagsEndAtFirstPositional } from '../args.ts';
import type { Command } from '../command.ts';
import { terminalNote } from '../attached.ts';
import { flagEnv, reportError, runFailureCode } from '../containers.ts';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../detach-keys.ts';
import { containerFlags, envFromFlags } from '../run-flags.ts';
import { startSession } from '../session.ts';
import { terminalSize } from '../terminal.ts';

export const exec: Command = {
  name: 'exec',
  aliases: ['container exec'],
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  summary: 'Execute a command in a running container',
  flags: flagsEndAtFirstPositional(([
    { name: 'detach', short: 'd', kind: 'bool', help: 'Detached mode: run command in the background' },
    { name: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container' },
    { name: 'privileged', kind: 'bool', help: 'Give extended privileges to the command' },
    ...containerFlags('env', 'env-file', 'interactive', 'tty', 'user', 'workdir'),
  ] as FlagSpec[]).sort((a, b) => a.name.localeCompare(b.name))),
  args: { min: 2 },
  async run(ctx, { flags, positionals }) {
    const [container, ...cmd] = positionals as [string, ...string[]];
    const detach = flags.detach === true;
    const tty = flags.tty === true;
    const interactive = flags.interactive === true && !detach;
    const detachKeys = parseDetachKeys(typeof flags['detach-keys'] === 'string' ? flags['detach-keys'] : DEFAULT_DETACH_KEYS);
    const env = envFromFlags(flags, flagEnv(ctx), 'exec');
    const api = await ctx.api();
    // "No such container" before anything else, as docker/cli checks it first.
    const c = await api.containerInspect(container);
    if (!detach && tty && interactive && (ctx.terminal?.stdin ?? (ctx.stdin as NodeJS.ReadStream)).isTTY !== true) {
      ctx.err.write('Error: the input device is not a TTY\n');
      return 1;
    }
    const size = tty ? terminalSize(ctx.terminal?.stdout) : undefined;
    const config: ExecConfig = {
      Cmd: cmd, Tty: tty, AttachStdin: interactive, AttachStdout: !detach, AttachStderr: !detach,
      ...(env.length ? { Env: env } : {}),
      ...(typeof flags.user === 'string' ? { User: flags.user } : {}),
      ...(typeof flags.workdir === 'string' ? { WorkingDir: flags.workdir } : {}),
      ...(flags.privileged === true ? { Privileged: true } : {}),
      ...(size ? { ConsoleSize: [size.rows, size.cols] as [number, number] } : {}),
    };
    const { Id: execId } = await api.execCreate(c.Id, config);
    let stream;
    try {
      stream = await api.execStart(execId, { tty, detach, ...(size ? { size } : {}) });
    } catch (e) {
      // The command could not be started (not found, not executable): its code, as Docker's.
      if ((e as { exitCode?: unknown }).exitCode === undefined) throw e;
      reportError(ctx, e);
      return runFailureCode(e);
    }
    if (!stream) return 0;
    const stdin = interactive ? (ctx.terminal?.stdin ?? ctx.stdin) : undefined;
    const session = startSession({
      stream, tty, out: ctx.out, err: ctx.err, detachKeys,
      ...(stdin ? { stdin } : {}), ...(ctx.terminal ? { terminal: ctx.terminal } : {}),
      resize: (s) => api.execResize(execId, s.rows, s.cols),
    });
    session.beginInput(); // the process runs already
    // Ctrl-C (the shell's interrupt) lets go, as the docker CLI dies of it: the process runs on.
    let onAbort: () => void = () => {};
    const interrupted = new Promise<'interrupted'>((resolve) => (onAbort = () => resolve('interrupted')));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const ended = await Promise.race([session.done, interrupted]);
      if (ended === 'interrupted') {
        stream.close();
        return 130;
      }
      if (ended.detached) {
        ctx.err.write(`\nDetached from the exec in ${c.Id.slice(0, 12)}.${terminalNote(api)}\n`);
        return 0;
      }
      // The output has ended; the exit code is recorded a moment later.
      for (let i = 0; i < 100; i++) {
        const info = await api.execInspect(execId);
        if (!info.Running && info.ExitCode !== null) return info.ExitCode;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new SkiffError('RUNTIME', 'the exec\'s output ended but its exit code never came', 'see the container with: skiff inspect ' + container);
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      session.stop();
    }
  },
};
