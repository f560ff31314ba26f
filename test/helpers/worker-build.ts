// Builds the unpack worker (as scripts/build.mjs does for dist/) into a temp directory, so tests
// can run the worker-thread path of unpackLayer as well as the in-thread one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll } from 'vitest';
import { unpackLayer } from '../../src/engine/unpack/unpack.ts';

const repo = path.resolve(import.meta.dirname, '../..');

/** Bundles one entry point of src/ as scripts/build.mjs does, into a temp dir under node_modules. */
export async function bundleForTest(entry: string, name: string): Promise<{ script: string; dispose(): void }> {
  const dir = fs.mkdtempSync(path.join(repo, 'node_modules', `.skiff-${name}-`));
  const script = path.join(dir, `${name}.js`);
  await build({
    entryPoints: [path.join(repo, entry)],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'esm',
    external: ['koffi'],
    logLevel: 'warning',
    banner: { js: "import { createRequire as __skiffRequire } from 'node:module'; const require = __skiffRequire(import.meta.url);" },
  });
  return { script, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function buildUnpackWorker(): Promise<{ script: string; dispose(): void }> {
  return bundleForTest('src/engine/unpack/worker.ts', 'unpack-worker');
}

/** Registers the worker build for the calling test file; `unpack(mode, …)` runs in either thread. */
export function unpackInBothThreads() {
  let worker: Awaited<ReturnType<typeof buildUnpackWorker>> | undefined;
  beforeAll(async () => {
    worker = await buildUnpackWorker();
  });
  afterAll(() => worker?.dispose());
  const modes = ['here', 'worker'] as const;
  const unpack = (mode: (typeof modes)[number], tar: Parameters<typeof unpackLayer>[0], dest: string) =>
    unpackLayer(tar, dest, mode === 'here' ? { thread: 'here' } : { workerScript: worker!.script });
  return { modes, unpack };
}
