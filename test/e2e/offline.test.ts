// Offline first: with Docker Hub out of reach (SKIFF_DOCKER_HUB points at a closed port), `run
// busybox` on an empty data root still works — the daemon the command starts serves Skiff's
// offline registry on loopback, and the pull really goes over HTTP to it. What it lacks fails in
// one line that says what does work.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopDaemonOf } from '../helpers/skiffd.ts';
import { canRunContainers, needsRoot } from '../helpers/runtime.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/skiff.js');
let root: string;

function skiff(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, '--data-root', root, ...args], {
    encoding: 'utf8', input: '', timeout: 60_000,
    env: { ...process.env, SKIFF_DEBUG: '', SKIFF_DOCKER_HUB: 'http://127.0.0.1:1' },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe.skipIf(!canRunContainers)(`offline: Docker Hub out of reach (${needsRoot})`, () => {
  beforeAll(() => {
    execFileSync(process.execPath, [path.join(repo, 'scripts/build.mjs'), '--if-stale']);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-offline-'));
  }, 60_000);

  afterAll(async () => {
    if (!root) return;
    skiff(['rm', '-f', ...skiff(['ps', '-aq']).out.split('\n').filter(Boolean)]);
    await stopDaemonOf(root);
    expect(fs.existsSync(path.join(root, 'offline-registry.json'))).toBe(false); // the daemon took its notice away
    fs.rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it('pull busybox as the first command starts the daemon, whose offline registry serves it', () => {
    const r = skiff(['pull', 'busybox']);
    expect(r.out).toMatch(/Status: Downloaded newer image for busybox:latest\ndocker\.io\/library\/busybox:latest\n$/);
    expect(r.code).toBe(0);
    expect(skiff(['rmi', 'busybox']).code).toBe(0);
  }, 60_000);

  it('run busybox on an empty data root pulls it from the offline registry and runs it', async () => {
    expect(skiff(['images', '-q']).out).toBe('');
    const r = skiff(['run', '--rm', 'busybox', 'echo', 'hello from offline']);
    expect(r.err).toMatch(/Unable to find image 'busybox:latest' locally/);
    expect(r.err).toMatch(/Status: Downloaded newer image for busybox:latest/);
    expect(r.out).toBe('hello from offline\n');
    expect(r.code).toBe(0);
    // The daemon's notice names the registry it serves: a loopback HTTP address.
    const notice = JSON.parse(fs.readFileSync(path.join(root, 'offline-registry.json'), 'utf8')) as { url: string };
    expect(notice.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${notice.url}/v2/library/busybox/tags/list`)).json()).toEqual({ name: 'library/busybox', tags: ['latest'] });
    expect(skiff(['pull', 'busybox']).out).toMatch(/Status: Image is up to date for busybox:latest/);
  }, 60_000);

  it('an image the offline registry lacks fails in one line that says what works', () => {
    const r = skiff(['pull', 'ubuntu:24.04']);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n').at(-1)).toMatch(/^Error: docker\.io\/library\/ubuntu:24\.04: Docker Hub cannot be reached \(.*connection refused.*\) and Skiff's offline registry does not have this image \(offline, `pull busybox` works/);
    expect(r.err).not.toMatch(/\n\s+at /);
  }, 60_000);
});
