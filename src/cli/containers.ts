// What the container commands share: creating with a pull when the image is missing (docker/cli
// create.go), Docker's exit codes for `run`, and "for each container named, do X, print the name".
import fs from 'node:fs';
import type { EngineApi } from '../client/api.ts';
import { describeError, isSkiffError } from '../engine/errors.ts';
import { familiarString, parseReference } from '../engine/reference.ts';
import type { CommandContext, Output } from './command.ts';
import { pull } from './commands/pull.ts';
import type { ContainerOptions, FlagEnv } from './run-flags.ts';
import { terminalSize } from './terminal.ts';

/** What `run`/`create` read from the world besides their arguments. */
export function flagEnv(ctx: CommandContext): FlagEnv {
  const size = terminalSize(ctx.terminal?.stdout);
  return { env: process.env, cwd: process.cwd(), readFile: (f) => fs.readFileSync(f, 'utf8'), ...(size ? { terminalSize: size } : {}) };
}

const discard: Output = { write: () => {}, isTTY: false, columns: 80 };

/**
 * Creates the container; when the image is not here, says so on stderr, pulls it (progress on
 * stderr too: stdout is for the container's ID or output) and creates again. Warnings go to
 * stderr as `WARNING: ...`.
 */
export async function createContainer(ctx: CommandContext, api: EngineApi, o: ContainerOptions): Promise<string> {
  const image = o.body.Image!;
  let created;
  try {
    created = await api.containerCreate(o.body, o.name);
  } catch (e) {
    let ref;
    try {
      ref = parseReference(image);
    } catch {
      throw e; // not a name we could pull (an image ID, say): the engine's error stands
    }
    if (!isSkiffError(e, 'IMAGE_NOT_FOUND')) throw e;
    const shown = familiarString(ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: 'latest' } : ref);
    if (!o.quiet) ctx.err.write(`Unable to find image '${shown}' locally\n`);
    const code = await pull.run({ ...ctx, out: o.quiet ? discard : ctx.err }, { flags: {}, positionals: [image] });
    if (typeof code === 'number' && code !== 0) throw e;
    created = await api.containerCreate(o.body, o.name);
  }
  for (const w of created.Warnings ?? []) ctx.err.write(`WARNING: ${w}\n`);
  return created.Id;
}

/**
 * `run`'s exit code for a failure of its own (docker/cli run.go toStatusError): 126 when the
 * command cannot be executed, 127 when it is not found, 125 for anything else the engine refused.
 * Skiff's engine says which (`exitCode` on the start error); docker/cli can only read the text of
 * the daemon's message, which is what we do for an error that is neither ours nor the system's.
 */
export function runFailureCode(e: unknown): number {
  const code = (e as { exitCode?: unknown }).exitCode;
  if (code === 126 || code === 127) return code;
  if (isSkiffError(e) || typeof (e as { code?: unknown }).code === 'string') return 125;
  const message = e instanceof Error ? e.message : String(e);
  if (/executable file not found|no such file or directory/.test(message)) return 127;
  if (/permission denied|is a directory/i.test(message)) return 126;
  return 125;
}

/** Prints one error line, as every container command does. */
export function reportError(ctx: CommandContext, e: unknown): void {
  ctx.err.write(`Error: ${describeError(e)}\n`);
}

/**
 * `stop a b c` and friends: act on each container in turn, print each name that worked, one error
 * line for each that did not; exit 1 when any failed (docker/cli's errors.Join).
 */
export async function eachContainer(ctx: CommandContext, names: string[], act: (name: string) => Promise<boolean | void>): Promise<number> {
  let failed = false;
  for (const name of names) {
    try {
      if ((await act(name)) !== false) ctx.out.write(`${name}\n`);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      failed = true;
      reportError(ctx, e);
    }
  }
  return failed ? 1 : 0;
}
