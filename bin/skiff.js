#!/usr/bin/env node
// Skiff's command: runs the bundled build (dist/skiff.js), building it first if it is missing.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const bundle = new URL('../dist/skiff.js', import.meta.url);
if (!existsSync(bundle)) execFileSync(process.execPath, [here + '../scripts/build.mjs'], { stdio: 'inherit' });
const { main } = await import(bundle.href);
process.exitCode = await main(process.argv.slice(2));
