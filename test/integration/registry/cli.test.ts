// `skiff login`, `push`, `search`, `logout` and `registry htpasswd` through the CLI's own
// dispatcher, against Skiff's registry behind htpasswd: what a learner types, and what lands in
// ~/.docker/config.json (here $DOCKER_CONFIG).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Output } from '../../../src/cli/command.ts';
import { closeSession, runCommand, type Session } from '../../../src/cli/main.ts';
import { Htpasswd, htpasswdLine, parseHtpasswd } from '../../../src/registry/htpasswd.ts';
import { type FaultProxy, startFaultProxy } from '../../helpers/faults.ts';
import { freePort } from '../../helpers/registry.ts';
import { startSkiffRegistry, type TestRegistry } from '../../helpers/skiff-registry.ts';
import { isRoot } from '../../helpers/world.ts';

describe.skipIf(!isRoot)('login, push, search, logout from the CLI (needs root: base unpacks a layer)', () => {
  let reg: TestRegistry;
  let closed: FaultProxy;
  let root: string;
  let config: string;
  let session: Session;
  let out = '';
  let err = '';
  const savedConfig = process.env.DOCKER_CONFIG;
  const output = (append: (s: string) => void): Output => ({ write: (s) => append(String(s)), isTTY: false, columns: 80 });

  beforeAll(async () => {
    reg = await startSkiffRegistry({ auth: { kind: 'htpasswd', htpasswd: new Htpasswd(parseHtpasswd(htpasswdLine('alice', 'wonderland', 4))) } });
    closed = await startFaultProxy(reg.url);
    closed.rules.push({ path: /_catalog/, action: { kind: 'status', status: 404 } });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-cli-reg-'));
    config = path.join(root, 'docker');
    process.env.DOCKER_CONFIG = config;
  });
  afterAll(async () => {
    if (session) await closeSession(session);
    if (savedConfig === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = savedConfig;
    await closed?.stop();
    await reg?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  async function run(line: string, input?: string, signal = new AbortController().signal): Promise<number> {
    out = '';
    err = '';
    const stdin = new PassThrough();
    stdin.end(input ?? '');
    session ??= { out: output((s) => (out += s)), err: output((s) => (err += s)), stdin, dataRoot: path.join(root, 'data'), insecureRegistries: [], trace: false } as Session;
    (session as { stdin: NodeJS.ReadableStream }).stdin = stdin;
    return runCommand(session, line.split(' '), signal);
  }

  it('login: a wrong password is refused and nothing is stored; the right one is kept, 0600', async () => {
    expect(await run(`login -u alice --password-stdin ${reg.host}`, 'nope\n')).not.toBe(0);
    expect(err).toMatch(/incorrect username or password/);
    expect(fs.existsSync(path.join(config, 'config.json'))).toBe(false);
    expect(await run(`login -u alice --password-stdin ${reg.host}`, 'wonderland\n')).toBe(0);
    expect(out).toBe('Login Succeeded\n');
    const file = path.join(config, 'config.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ auths: { [reg.host]: { auth: Buffer.from('alice:wonderland').toString('base64') } } });
  });

  it('push prints Docker\'s lines, using the stored login', async () => {
    expect(await run(`base ${reg.host}/learner/cli:1`)).toBe(0);
    expect(await run(`push ${reg.host}/learner/cli:1`)).toBe(0);
    expect(out).toMatch(new RegExp(`^The push refers to repository \\[${reg.host}/learner/cli\\]\\n[0-9a-f]{12}: Preparing\\n[0-9a-f]{12}: Pushing\\n[0-9a-f]{12}: Pushed\\n1: digest: sha256:[0-9a-f]{64} size: \\d+\\n$`));
    expect(await run(`push ${reg.host}/learner/cli:1`)).toBe(0);
    expect(out).toMatch(/: Layer already exists\n/);
  });

  it('search lists matching repositories from the catalog; Docker Hub and closed catalogs are explained', async () => {
    expect(await run(`search ${reg.host}/cli`)).toBe(0);
    expect(out).toMatch(new RegExp(`^NAME\\s+DESCRIPTION\\s+STARS\\s+OFFICIAL\\n${reg.host}/learner/cli\\s+tags: 1\\s+0\\n$`));
    expect(await run('search busybox')).not.toBe(0);
    expect(err).toMatch(/Docker Hub's search service .* is not reachable/);
    expect(await run(`login -u alice --password-stdin ${closed.host}`, 'wonderland\n')).toBe(0);
    expect(await run(`search ${closed.host}/cli`)).not.toBe(0);
    expect(err).toMatch(new RegExp(`${closed.host} has no catalog \\(GET /v2/_catalog answered 404`));
  });

  it('logout forgets the login; a second logout says so', async () => {
    expect(await run(`logout ${reg.host}`)).toBe(0);
    expect(out).toBe(`Removing login credentials for ${reg.host}\n`);
    expect(await run(`logout ${reg.host}`)).toBe(0);
    expect(out).toBe(`Not logged in to ${reg.host}\n`);
    expect(await run(`push ${reg.host}/learner/cli:1`)).not.toBe(0);
    expect(err).toMatch(/authentication required/);
  });

  it('registry htpasswd prints a line the registry accepts', async () => {
    expect(await run('registry htpasswd --password-stdin bob', 'builder\n')).toBe(0);
    const h = new Htpasswd(parseHtpasswd(out));
    expect(await h.verify('bob', 'builder')).toBe(true);
  });

  it('registry serve --seed --token --htpasswd: lessons pull busybox anonymously; a push needs a login; Ctrl-C stops it', async () => {
    const port = await freePort();
    const dir = path.join(root, 'served');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'htpasswd'), htpasswdLine('teacher', 'chalk', 4) + '\n');
    const stop = new AbortController();
    const served = run(`registry serve -q --seed --token --addr 127.0.0.1:${port} --root ${dir} --htpasswd ${path.join(dir, 'htpasswd')}`, undefined, stop.signal);
    const url = `http://127.0.0.1:${port}`;
    try {
      for (let i = 0; i < 100; i++) {
        if (await fetch(`${url}/v2/`).then((r) => r.status === 401, () => false)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const ping = await fetch(`${url}/v2/`);
      expect(ping.headers.get('www-authenticate')).toMatch(new RegExp(`^Bearer realm="${url}/token",service="skiff-registry"$`));
      const anon = (await (await fetch(`${url}/token?service=skiff-registry&scope=repository:library/busybox:pull,push`)).json()) as { token: string };
      const m = await fetch(`${url}/v2/library/busybox/manifests/latest`, { headers: { authorization: `Bearer ${anon.token}` } });
      expect(m.status).toBe(200);
      expect(m.headers.get('content-type')).toBe('application/vnd.oci.image.manifest.v1+json');
      const up = await fetch(`${url}/v2/library/busybox/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${anon.token}` } });
      expect(up.status).toBe(401);
      await up.arrayBuffer();
      expect(fs.statSync(path.join(dir, 'auth', 'token-key.pem')).mode & 0o777).toBe(0o600);
    } finally {
      stop.abort();
      expect(await served).toBe(0);
    }
    await expect(fetch(`${url}/v2/`)).rejects.toThrow();
  });
});
