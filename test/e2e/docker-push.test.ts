// The real `docker` CLI pushing through skiffd: `docker login` (POST /auth: the daemon checks the
// credentials against the registry's challenge), `docker push` (POST /images/{name}/push with
// X-Registry-Auth: Docker's progress lines from Skiff's pusher), to Skiff's own registry behind
// htpasswd — and the second push of the same layers says "Layer already exists", a push to a new
// repository "Mounted from".
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Htpasswd, htpasswdLine, parseHtpasswd } from '../../src/registry/htpasswd.ts';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { which } from '../helpers/registry.ts';
import { buildInit, canRunContainers, needsRoot } from '../helpers/runtime.ts';
import { startSkiffRegistry, type TestRegistry } from '../helpers/skiff-registry.ts';

const dockerBin = fs.existsSync('/usr/local/bin/docker') ? '/usr/local/bin/docker' : which('docker');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(!dockerBin || !canRunContainers)(`docker push and login through skiffd (${needsRoot})`, () => {
  let init: Awaited<ReturnType<typeof buildInit>>;
  let d: TestDaemon;
  let reg: TestRegistry;
  let config: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    init = await buildInit();
    d = await startTestDaemon(init.script);
    reg = await startSkiffRegistry({ auth: { kind: 'htpasswd', htpasswd: new Htpasswd(parseHtpasswd(htpasswdLine('alice', 'wonderland', 4))) } });
    config = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-dockercfg-'));
    env = { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: config, DOCKER_CLI_HINTS: 'false' };
    delete env.DOCKER_TLS_VERIFY;
    delete env.DOCKER_CONTEXT;
  });
  afterAll(async () => {
    await reg?.stop();
    await d?.stop();
    init?.dispose();
    if (config) fs.rmSync(config, { recursive: true, force: true });
  });

  function docker(args: string[], input = ''): Promise<Result> {
    return new Promise((resolve) => {
      const child = execFile(dockerBin!, args, { env, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
      child.stdin!.end(input);
    });
  }

  it('docker login: refused with a wrong password, accepted with the right one and stored 0600', async () => {
    const wrong = await docker(['login', '-u', 'alice', '--password-stdin', reg.host], 'nope\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/Error response from daemon: .*incorrect username or password/);
    const ok = await docker(['login', '-u', 'alice', '--password-stdin', reg.host], 'wonderland\n');
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toContain('Login Succeeded');
    const file = path.join(config, 'config.json');
    const auths = (JSON.parse(fs.readFileSync(file, 'utf8')) as { auths: Record<string, { auth: string }> }).auths;
    expect(Buffer.from(auths[reg.host]!.auth, 'base64').toString()).toBe('alice:wonderland');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('docker push: Docker\'s lines, the digest the registry holds; again: already exists; elsewhere: mounted', async () => {
    const name = `${reg.host}/learner/box:1`;
    expect((await docker(['tag', 'busybox', name])).code).toBe(0);
    const r = await docker(['push', name]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`The push refers to repository [${reg.host}/learner/box]\n`);
    const { image } = await d.engine.images.resolve(name);
    const layer = image.config.rootfs.diff_ids[0]!.slice(7, 19);
    expect(r.stdout).toContain(`${layer}: Pushed\n`);
    const m = /^1: digest: (sha256:[0-9a-f]{64}) size: (\d+)$/m.exec(r.stdout);
    expect(m).not.toBeNull();
    const head = await fetch(`${reg.url}/v2/learner/box/manifests/1`, { method: 'HEAD', headers: { authorization: `Basic ${Buffer.from('alice:wonderland').toString('base64')}` } });
    expect(head.headers.get('docker-content-digest')).toBe(m![1]);
    expect(Number(head.headers.get('content-length'))).toBe(Number(m![2]));

    const again = await docker(['push', name]);
    expect(again.stdout).toContain(`${layer}: Layer already exists\n`);
    expect(again.stdout).toContain(`1: digest: ${m![1]} size: ${m![2]}\n`);

    expect((await docker(['tag', 'busybox', `${reg.host}/learner/other:2`])).code).toBe(0);
    const mounted = await docker(['push', `${reg.host}/learner/other:2`]);
    expect(mounted.code).toBe(0);
    expect(mounted.stdout).toContain(`${layer}: Mounted from learner/box\n`);
  });

  it('docker push of a name that is not here, and docker logout', async () => {
    const missing = await docker(['push', `${reg.host}/learner/nosuch:1`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/An image does not exist locally with the tag/);
    const out = await docker(['logout', reg.host]);
    expect(out.code).toBe(0);
    const denied = await docker(['push', `${reg.host}/learner/box:1`]);
    expect(denied.code).toBe(1);
    expect(denied.stdout + denied.stderr).toMatch(/authentication required|unauthorized/);
  });
});
