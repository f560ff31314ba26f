// `version` and `info`: the client answers for itself, the daemon for itself (GET /version,
// GET /info), and `info` names the daemon's parts as Docker's first design did. With no daemon
// to ask (SKIFF_NO_DAEMON), one line says so.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../helpers/runtime.ts';
import { stopDaemonOf } from '../helpers/skiffd.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/skiff.js');
let root: string;

function skiff(args: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, '--data-root', root, ...args], { encoding: 'utf8', input: '', timeout: 60_000, env: { ...process.env, SKIFF_BRIDGE: 'none', ...env } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe.skipIf(!isRoot)('version and info against the daemon (needs root: the command starts the daemon)', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [path.join(repo, 'scripts/build.mjs'), '--if-stale']);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-version-'));
  }, 60_000);

  afterAll(async () => {
    if (!root) return;
    await stopDaemonOf(root);
    fs.rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it('version: the client and the server, each with its API version', () => {
    const r = skiff(['version']);
    expect(r.err).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Client:\n Version: +\d+\.\d+\.\d+\n API version: +1\.41\n/);
    expect(r.out).toMatch(/\nServer: Skiff Engine\n Engine:\n {2}Version: +\d+\.\d+\.\d+\n {2}API version: +1\.41 \(minimum version 1\.24\)\n/);
  });

  it('info: what the daemon holds, its drivers, and its parts under their old names', () => {
    skiff(['base', 'learn/base:1']);
    const r = skiff(['info']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\n Images: 1\n/);
    expect(r.out).toMatch(/\n Storage Driver: (overlay2|vfs)\n/);
    expect(r.out).toContain(` Docker Root Dir: ${root}\n`);
    expect(r.out).toMatch(/ graphdriver: +(overlay2|vfs) /);
    expect(r.out).toMatch(/ networkdriver: +bridge, host, null /);
    expect(r.out).toMatch(/ execdriver: +skiff /);
    // Started with SKIFF_BRIDGE=none, the daemon warns that there is no default bridge.
    expect(r.out).toContain('WARNING: the default bridge is switched off');
  });

  it('with the engine in this process there is no daemon to ask: one line says so', () => {
    const r = skiff(['version'], { SKIFF_NO_DAEMON: '1' });
    expect(r.code).not.toBe(0);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/no daemon to ask.*SKIFF_NO_DAEMON/i);
  });
});

describe('a daemon named with -H that does not answer', () => {
  it('is the error, in one line: nothing falls back to the local store', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-noconn-'));
    try {
      for (const args of [['images'], ['volume', 'ls'], ['system', 'df'], ['tag', 'a', 'b']]) {
        const r = spawnSync(process.execPath, [bin, '--data-root', path.join(dir, 'root'), '-H', `unix://${dir}/none.sock`, ...args], { encoding: 'utf8', input: '', timeout: 30_000 });
        expect(r.status, args.join(' ')).toBe(1);
        expect(r.stderr).toMatch(/^Error: Cannot connect to the daemon at unix:\/\/.*none\.sock/);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
      }
      expect(fs.existsSync(path.join(dir, 'root'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
