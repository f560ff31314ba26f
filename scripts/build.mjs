// Bundles the CLI into dist/skiff.js with esbuild: one file loads far faster than hundreds of
// modules from node_modules (DESIGN.md: start-up cost). `--if-stale` rebuilds only when a source
// file is newer than the bundle. koffi stays external: it loads a native binary at run time.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
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

// CommonJS dependencies bundled into an ES module still call require() for Node built-ins.
const banner = { js: "import { createRequire as __skiffRequire } from 'node:module'; const require = __skiffRequire(import.meta.url);" };
const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', sourcemap: 'linked', logLevel: 'warning', banner };
const outdir = path.dirname(outfile);

// The CLI, split (DESIGN.md: start-up cost): the REPL — Ink, React and the diagrams — is a chunk
// of its own that main.ts imports only when it opens the shell, so a one-shot command never loads
// it. Chunks sit beside skiff.js: modules that find init.js and unpack-worker.js beside
// themselves (import.meta.url) may land in one. React is built for production (no development
// checks); Ink's devtools load only with DEV=true, and need a package we do not ship.
const cli = await build({
  ...common,
  // The panel worker draws the REPL's diagrams on a thread of its own (src/repl/drawer.ts).
  entryPoints: { skiff: path.join(root, 'src/cli/main.ts'), 'panel-worker': path.join(root, 'src/repl/panel-worker.ts') },
  outdir,
  splitting: true,
  chunkNames: '[name]-[hash]',
  external: ['koffi', 'react-devtools-core'],
  define: { 'process.env.NODE_ENV': '"production"' },
  metafile: true,
});

// The unpack worker is its own file: a worker thread starts from a script. So is the init of
// every container: a process of its own, kept small (one file, no shared chunks) to start fast.
await build({
  ...common,
  entryPoints: {
    'unpack-worker': path.join(root, 'src/engine/unpack/worker.ts'),
    init: path.join(root, 'src/engine/runtime/init/main.ts'),
  },
  outdir,
  external: ['koffi'],
});

// Chunks of earlier builds (their names carry a content hash). Ones written in the last minutes
// are left: a skiff started just before this build may still import them.
const current = new Set(Object.keys(cli.metafile.outputs).map((f) => path.basename(f)));
for (const f of readdirSync(outdir)) {
  if (!/^[\w-]+-[A-Z0-9]{8}\.js(\.map)?$/.test(f) || current.has(f)) continue;
  const file = path.join(outdir, f);
  if (Date.now() - statSync(file).mtimeMs > 10 * 60_000) rmSync(file, { force: true });
}
