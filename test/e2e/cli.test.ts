// The `skiff` command as a user runs it: the bundled CLI in a child process, Docker-shaped output,
// exit codes, and one-line errors without stack traces.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRun, isRoot, needs, startWorld, type World } from '../helpers/world.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/skiff.js');
let root: string;

beforeAll(() => {
  execFileSync(process.execPath, [path.join(repo, 'scripts/build.mjs'), '--if-stale']);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-cli-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function skiff(args: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, '--data-root', root, ...args], { encoding: 'utf8', input, env: { ...process.env, SKIFF_DEBUG: '', SKIFF_NO_DAEMON: '1' } }); // image commands: no daemon needed
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('skiff CLI', () => {
  it('prints help and version', () => {
    expect(skiff(['--help']).out).toMatch(/Usage:\s+skiff \[OPTIONS\] COMMAND/);
    expect(skiff(['pull', '--help']).out).toMatch(/skiff pull \[OPTIONS\] NAME\[:TAG\|@DIGEST\]/);
    expect(skiff(['--version']).out).toMatch(/^Skiff version \d+\.\d+\.\d+/);
  });

  it.each([
    [['frobnicate'], 1, /^skiff: 'frobnicate' is not a skiff command\./],
    [['pull'], 1, /"skiff pull" requires exactly 1 argument/],
    [['attach', 'x'], 1, /^skiff: 'attach' is a Docker command this version of Skiff does not have yet \(it has: run, create/],
    [['pull', 'Busybox'], 1, /^Error: invalid reference "Busybox": repository name must be lowercase/],
    [['pull', 'busybox:bad tag'], 1, /^Error: invalid reference/],
    [['images', '--bogus'], 125, /^Error: unknown flag: --bogus/],
    [['inspect', 'no-such-image'], 1, /^Error: No such object: no-such-image/],
    [['import', '/nonexistent.tar'], 125, /^Error: cannot open \/nonexistent.tar: no such file/],
  ])('%j fails with one clear line', (args, code, msg) => {
    const r = skiff(args);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(msg);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.skipIf(!isRoot)('builds the base image, lists, inspects, tags and removes it (needs root)', () => {
    expect(skiff(['base']).code).toBe(0);
    const images = skiff(['images']).out.split('\n');
    expect(images[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(images[1]).toMatch(/^busybox\s+latest\s+[0-9a-f]{12}\s+.+ago\s+\d/);
    expect(skiff(['inspect', '-f', '{{.Config.Cmd}} {{.Os}}', 'busybox']).out).toBe('[/bin/sh] linux\n');
    expect(skiff(['history', 'busybox']).out).toMatch(/skiff base: busybox-static from this host/);
    expect(skiff(['tag', 'busybox', 'learner/box:1']).code).toBe(0);
    expect(skiff(['images', '-q']).out.trim().split('\n')).toHaveLength(1);
    expect(skiff(['rmi', 'learner/box:1']).out).toBe('Untagged: learner/box:1\n');
    const df = skiff(['system', 'df']).out;
    expect(df).toMatch(/^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE/);
    expect(df).toMatch(/Images\s+1\s+0\s+\d/);
    const rmi = skiff(['rmi', 'busybox']);
    expect(rmi.out).toMatch(/^Untagged: busybox:latest\nDeleted: sha256:[0-9a-f]{64}\n/);
    expect(skiff(['images', '-q']).out).toBe('');
  });

  it.skipIf(!isRoot)('the shell runs the same commands from standard input (needs root)', () => {
    const r = skiff([], 'base tiny:1\nimages\ndocker images -q\nexit\n');
    expect(r.out).toMatch(/tiny\s+1\s+[0-9a-f]{12}/);
    expect(r.code).toBe(0);
  });
});

describe.skipIf(!canRun)(`skiff pull against a registry (${needs})`, () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('prints Docker\'s pull lines, then says the image is up to date', () => {
    const first = skiff(['pull', `${world.registry.host}/dockerfmt`]);
    expect(first.code).toBe(0);
    expect(first.out.split('\n').slice(0, 2)).toEqual(['Using default tag: latest', 'latest: Pulling from dockerfmt']);
    expect(first.out).toMatch(/\n[0-9a-f]{12}: Pull complete\n/);
    expect(first.out).toMatch(/\nDigest: sha256:[0-9a-f]{64}\n/);
    expect(first.out).toContain(`Status: Downloaded newer image for ${world.registry.host}/dockerfmt:latest\n${world.registry.host}/dockerfmt:latest\n`);
    const again = skiff(['pull', `${world.registry.host}/dockerfmt:latest`]);
    expect(again.out).not.toMatch(/Using default tag/);
    expect(again.out).toMatch(/[0-9a-f]{12}: Already exists/);
    expect(again.out).toContain(`Status: Image is up to date for ${world.registry.host}/dockerfmt:latest`);
    const trace = skiff(['--trace', 'pull', '-q', `${world.registry.host}/layered:v1`]);
    expect(trace.err).toMatch(/^\[ping\] GET 127\.0\.0\.1:\d+\/v2\/ → 200 \(\d+ ms\)$/m);
    expect(trace.err).toMatch(/^\[blob\] GET .*\/v2\/layered\/blobs\/sha256:[0-9a-f]{64} → 200/m);
    expect(trace.out).toBe(`${world.registry.host}/layered:v1\n`);
  });
});
