// Bundles the CLI into dist/skiff.js with esbuild: one file loads far faster than hundreds of
// modules from node_modules (DESIGN.md: start-up cost). `--if-stale` rebuilds only when a source
// file is newer than the bundle. koffi stays external: it loads a native binary at run time.
import { build } from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(root, 'dist', 'skiff.js');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

if (process.argv.includes('--if-stale')) {
  let built = 0;
  try {
    built = statSync(outfile).mtimeMs;
  } catch {}
  if (built > newest(path.join(root, 'src')) && built > statSync(path.join(root, 'package.json')).mtimeMs) process.exit(0);
}

await build({
  // The unpack worker is its own file: a worker thread starts from a script. So is the init of
  // every container: a process of its own, kept small so that it starts fast.
  entryPoints: {
    skiff: path.join(root, 'src/cli/main.ts'),
    'unpack-worker': path.join(root, 'src/engine/unpack/worker.ts'),
    init: path.join(root, 'src/engine/runtime/init/main.ts'),
  },
  outdir: path.dirname(outfile),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['koffi'],
  sourcemap: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies bundled into an ES module still call require() for Node built-ins.
  banner: { js: "import { createRequire as __skiffRequire } from 'node:module'; const require = __skiffRequire(import.meta.url);" },
});
