// Builds the unpack worker (as scripts/build.mjs does for dist/) into a temp directory, so tests
// can run the worker-thread path of unpackLayer as well as the in-thread one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

const repo = path.resolve(import.meta.dirname, '../..');

export async function buildUnpackWorker(): Promise<{ script: string; dispose(): void }> {
  const dir = fs.mkdtempSync(path.join(repo, 'node_modules', '.skiff-worker-'));
  const script = path.join(dir, 'unpack-worker.js');
  await build({
    entryPoints: [path.join(repo, 'src/engine/unpack/worker.ts')],
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
