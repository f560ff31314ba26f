// Building from a context — a directory here, or the tar a client sent — with the engine's store,
// images and containers. The daemon's POST /build and the in-process client both come here, so a
// build behaves the same whoever asks.
import fs from 'node:fs';
import path from 'node:path';
import { shortId } from '../digest.ts';
import type { Engine } from '../engine.ts';
import { SkiffError } from '../errors.ts';
import { familiarString, parseReference } from '../reference.ts';
import { contextDir, unpackContext } from './archive.ts';
import { type BuildDeps, Builder, type BuildOptions, type BuildOutput, type BuildResult } from './builder.ts';
import { BuildContext, relParts } from './context.ts';

export type { BuildOptions, BuildOutput, BuildResult } from './builder.ts';

export interface BuildRequest extends BuildOptions {
  /** The Dockerfile's path inside the context (default Dockerfile). */
  dockerfile?: string;
}

/** What the classic builder says when it is done, and the result's ID for the client (`aux`). */
export interface BuildSink extends BuildOutput {
  aux?(id: string): void;
}

export function engineBuildDeps(engine: Engine, pull?: BuildDeps['pull']): BuildDeps {
  return {
    store: engine.store,
    images: engine.images,
    events: engine.events,
    containers: () => engine.containers(),
    pull: pull ?? (async (ref, out) => {
      out.stream(`Pulling ${ref}\n`);
      await engine.pull(ref);
    }),
  };
}

/** The Dockerfile's text, read inside the context (a symlink may not lead out of it either). */
function readDockerfile(root: string, name: string): string {
  const parts = relParts(name);
  if (parts === null || path.isAbsolute(name)) throw new SkiffError('USAGE', `the Dockerfile (${name}) must be within the build context`, 'give its path relative to the context directory');
  const ctx = new BuildContext(root);
  const tries = name === 'Dockerfile' ? ['Dockerfile', 'dockerfile'] : [name];
  for (const n of tries) {
    let found;
    try {
      found = ctx.resolve('Dockerfile', n)[0];
    } catch (e) {
      if (e instanceof SkiffError && /not found/.test(e.message)) continue;
      throw e;
    }
    if (found?.info.type === 'file') return fs.readFileSync(found.abs, 'utf8');
  }
  throw new SkiffError('USAGE', `Cannot locate specified Dockerfile: ${name}`, `put a ${name} in the context, or name another file with -f`);
}

/** Builds from a context directory; the classic builder's closing lines go to `out`. */
export async function buildDirectory(deps: BuildDeps, root: string, req: BuildRequest, out: BuildSink): Promise<BuildResult> {
  const dockerfile = readDockerfile(root, req.dockerfile || 'Dockerfile');
  const result = await new Builder(deps, BuildContext.open(root), req, out).run(dockerfile);
  out.aux?.(result.imageId);
  out.stream(`Successfully built ${shortId(result.imageId)}\n`);
  for (const t of result.tags) out.stream(`Successfully tagged ${familiarString(parseReference(t))}\n`);
  return result;
}

/** Builds from a context tar (POST /build's body): unpacked privately, removed afterwards. */
export async function buildArchive(deps: BuildDeps, dataRoot: string, tar: AsyncIterable<Uint8Array>, req: BuildRequest, out: BuildSink): Promise<BuildResult> {
  const ctx = await contextDir(dataRoot);
  try {
    await unpackContext(tar, ctx.dir);
    return await buildDirectory(deps, ctx.dir, req, out);
  } finally {
    await ctx.remove();
  }
}
