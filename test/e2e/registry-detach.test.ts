// `registry serve -d`: Skiff's registry in a process of its own (the REPL's prompt comes back),
// answered once it listens; `registry stop` ends it. Mistakes are one line each.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/skiff.js');
let dir: string;
let root: string;

function skiff(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, '--data-root', path.join(dir, 'data'), 'registry', ...args], { encoding: 'utf8', input: '', timeout: 30_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('registry serve -d and registry stop', () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-regd-'));
    root = path.join(dir, 'reg');
  });
  afterAll(() => {
    if (fs.existsSync(path.join(root, 'serve.pid'))) skiff('stop', '--root', root);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts in the background, answers the registry protocol, and stops', async () => {
    const r = skiff('serve', '-d', '--addr', '127.0.0.1:0', '--root', root, '-q');
    expect(r.err).toBe('');
    const m = /^Skiff registry on (http:\/\/127\.0\.0\.1:\d+) in the background \(pid (\d+); log (\S+)\); stop it with: registry stop --root (\S+)\n$/.exec(r.out);
    expect(m, r.out).not.toBeNull();
    const [, url, pid, log] = m!;
    expect(log).toBe(path.join(root, 'serve.log'));
    expect((await fetch(`${url}/v2/`)).status).toBe(200);
    // One at a time per root.
    const again = skiff('serve', '-d', '--root', root);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(new RegExp(`^Error: a registry already runs in the background on ${url} for ${root} \\(pid ${pid}\\)`));
    const stop = skiff('stop', '--root', root);
    expect(stop).toEqual({ code: 0, out: `Stopped the registry on ${url} (pid ${pid})\n`, err: '' });
    // Gone (or a zombie its new parent has yet to reap).
    const running = () => {
      try {
        return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    expect(running()).toBe(false);
    await expect(fetch(`${url}/v2/`)).rejects.toThrow();
  });

  it('says in one line when there is nothing to stop, and why a start failed', async () => {
    const none = skiff('stop', '--root', root);
    expect(none.code).toBe(125);
    expect(none.err).toMatch(/^Error: no registry runs in the background for .* \(start one with: registry serve -d\)\n$/);
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const r = skiff('serve', '-d', '--addr', `127.0.0.1:${port}`, '--root', root);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^Error: the registry did not start: listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${port} \\(its log: `));
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(fs.existsSync(path.join(root, 'serve.pid'))).toBe(false);
    } finally {
      busy.close();
    }
  });
});
