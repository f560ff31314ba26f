// RUN: the command runs in a real container of the engine, made from the image of the step before
// — the same create, attach, start and wait that `docker run` does — and what it changed in its
// writable layer becomes the step's layer (image/commit.ts). The container never outlives the
// step: it is removed whether the command succeeded, failed or was interrupted.
import type { ContainerService } from '../containers/service.ts';
import type { ContainerInspect } from '../containers/types.ts';
import { SkiffError } from '../errors.ts';

export interface RunSpec {
  imageId: string;
  argv: string[];
  env: string[];
  workdir?: string;
  user?: string;
  networkMode?: string;
}

export interface Ran {
  id: string;
  info: ContainerInspect;
  exitCode: number;
}

/** A RUN that ended with a non-zero code: Docker's message, and the code as the build's exit code. */
export function runFailed(argv: readonly string[], code: number): SkiffError {
  const e = new SkiffError('RUNTIME', `The command '${argv.join(' ')}' returned a non-zero code: ${code}`, 'the command failed inside the build container; its output is above');
  return Object.assign(e, { exitCode: code });
}

/**
 * Creates and runs the container; its output goes to `output` as it comes. The caller removes
 * the container (`created` hands it the ID as soon as there is one, so nothing can leak).
 */
export async function runInContainer(containers: ContainerService, spec: RunSpec, output: (chunk: Buffer) => void, created: (id: string) => void, signal?: AbortSignal): Promise<Ran> {
  const { Id: id } = await containers.create({
    Image: spec.imageId,
    Cmd: spec.argv,
    // The RUN command runs as it is written: no entrypoint of the image in front of it.
    Entrypoint: [],
    Env: spec.env,
    ...(spec.workdir ? { WorkingDir: spec.workdir } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: { NetworkMode: spec.networkMode ?? 'default' },
  });
  created(id);
  const attachment = await containers.attach(id, { stdin: false, stdout: true, stderr: true });
  const exited = containers.wait(id, 'next-exit', signal);
  exited.catch(() => {});
  const onAbort = () => void containers.kill(id, 'SIGKILL').catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await containers.start(id).catch((e: unknown) => {
      // A command that cannot start at all (127 not found, 126 not executable) fails the step too.
      const code = (e as { exitCode?: unknown }).exitCode;
      if (typeof code !== 'number') throw e;
      const failed = runFailed(spec.argv, code);
      failed.message += `: ${(e as Error).message}`;
      throw failed;
    });
    for await (const chunk of attachment.output()) output(chunk.data);
    const exit = await exited;
    if (signal?.aborted) throw new SkiffError('RUNTIME', 'Build cancelled', 'nothing of this build step was kept');
    return { id, info: await containers.inspect(id), exitCode: exit.StatusCode };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    attachment.close();
  }
}
