// The diagrams drawn on the panel worker's thread: the same lines as drawn here, the newest
// drawing asked for wins, and without a built worker the drawing is done here.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PanelDrawer } from '../../../src/repl/drawer.ts';
import { emptyModels, reduceModels } from '../../../src/repl/feed.ts';
import { drawPanel, type PanelInput } from '../../../src/repl/panel.tsx';
import { events } from '../visualize/fixtures.ts';

const repo = path.resolve(import.meta.dirname, '../../..');
let dir: string;
let script: string;

beforeAll(async () => {
  // Built as scripts/build.mjs builds dist/panel-worker.js, into a temp dir under node_modules.
  dir = fs.mkdtempSync(path.join(repo, 'node_modules', '.skiff-panel-worker-'));
  script = path.join(dir, 'panel-worker.js');
  // Split, as there: Ink's devtools (a package we do not ship) are a chunk loaded only with DEV=true.
  await build({
    entryPoints: { 'panel-worker': path.join(repo, 'src/repl/panel-worker.ts') }, outdir: dir, splitting: true, bundle: true, platform: 'node', format: 'esm',
    external: ['koffi', 'react-devtools-core'], logLevel: 'warning', jsx: 'automatic', define: { 'process.env.NODE_ENV': '"production"' },
    banner: { js: "import { createRequire as __skiffRequire } from 'node:module'; const require = __skiffRequire(import.meta.url);" },
  });
}, 60_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const out = { isTTY: false } as NodeJS.WriteStream;
const input = (panel: PanelInput['panel'], name: string): PanelInput => ({
  panel, models: events(name).reduce(reduceModels, emptyModels()), plain: true, runOutput: '', samples: [], images: [],
});

const drawn = (d: PanelDrawer, i: PanelInput) => new Promise<string[]>((resolve) => d.draw(i, 80, resolve));

describe('PanelDrawer', () => {
  it('draws on the worker what would be drawn here', async () => {
    const d = new PanelDrawer(out, true, script);
    try {
      const run = input('run', 'run-volume');
      expect(await drawn(d, run)).toEqual(drawPanel(run, 80));
      expect(d.threaded).toBe(true);
    } finally {
      d.close();
    }
  });

  it('asked again while drawing: draws the newest, and drops what was asked in between', async () => {
    const d = new PanelDrawer(out, true, script);
    try {
      const got: string[] = [];
      d.draw(input('pull', 'pull-token'), 80, () => void got.push('pull'));
      d.draw(input('ns', 'run-volume'), 80, () => void got.push('ns (dropped)'));
      const last = await drawn(d, input('run', 'run-volume'));
      expect(got).toEqual(['pull']);
      expect(last.join('\n')).toMatch(/docker run, step by step/);
      expect(d.threaded).toBe(true);
    } finally {
      d.close();
    }
  });

  it('draws here when there is no worker', async () => {
    const d = new PanelDrawer(out, true, undefined);
    const ns = input('ns', 'run-volume');
    expect(await drawn(d, ns)).toEqual(drawPanel(ns, 80));
    expect(d.threaded).toBe(false);
  });
});
