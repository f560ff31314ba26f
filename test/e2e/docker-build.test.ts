// `build` and `commit` through skiffd: the real docker CLI with the classic builder
// (DOCKER_BUILDKIT=0, POST /build with the context tar) and `docker commit` (POST /commit), and
// Skiff's own CLI against the same daemon. Output, exit codes, and the engine behind the socket.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Output } from '../../src/cli/command.ts';
import { closeSession, runCommand, type Session } from '../../src/cli/main.ts';
import { Engine } from '../../src/engine/engine.ts';
import { buildBaseImage } from '../../src/engine/image/base.ts';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { pushImage } from '../helpers/push.ts';
import { haveDistribution, type RunningRegistry, startDistribution, which } from '../helpers/registry.ts';
import { buildInit, canRunContainers, cgroupsLeft, mountsUnder, needsRoot, processesUsing } from '../helpers/runtime.ts';

const dockerBin = fs.existsSync('/usr/local/bin/docker') ? '/usr/local/bin/docker' : which('docker');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function contextDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-e2e-ctx-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe.skipIf(!canRunContainers)(`build and commit through skiffd (${needsRoot})`, () => {
  let init: Awaited<ReturnType<typeof buildInit>>;
  let d: TestDaemon;
  let env: NodeJS.ProcessEnv;
  let config: string;
  let registry: RunningRegistry | undefined;
  const dirs: string[] = [];

  beforeAll(async () => {
    init = await buildInit();
    d = await startTestDaemon(init.script);
    config = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-dockercfg-'));
    env = { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: config, DOCKER_CLI_HINTS: 'false', DOCKER_BUILDKIT: '0' };
    delete env.DOCKER_TLS_VERIFY;
    delete env.DOCKER_CONTEXT;
  });
  afterAll(async () => {
    await registry?.stop();
    await d?.stop();
    init?.dispose();
    for (const x of [config, ...dirs]) if (x) fs.rmSync(x, { recursive: true, force: true });
    if (d) {
      expect(mountsUnder(d.root)).toEqual([]);
      expect(cgroupsLeft(d.cgroupParent)).toEqual([]);
      expect(processesUsing(d.root)).toEqual([]);
    }
  });

  function ctx(files: Record<string, string>): string {
    const dir = contextDir(files);
    dirs.push(dir);
    return dir;
  }

  function docker(args: string[], opts: { cwd?: string; input?: string } = {}): Promise<Result> {
    return new Promise((resolve) => {
      const child = execFile(dockerBin!, args, { env, cwd: opts.cwd, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
      child.stdin!.end(opts.input ?? '');
    });
  }

  /** Skiff's own CLI in this process, talking to the daemon over its socket (or, with `local`, to
   *  an engine of its own in this process, as with SKIFF_NO_DAEMON=1). */
  async function skiff(words: string[], input = '', local?: Partial<Session>): Promise<Result> {
    const out = { stdout: '', stderr: '' };
    const sink = (k: 'stdout' | 'stderr'): Output => ({ write: (s) => void (out[k] += typeof s === 'string' ? s : Buffer.from(s).toString()), isTTY: false, columns: 80 });
    const session: Session = {
      out: sink('stdout'), err: sink('stderr'), stdin: (async function* () { yield Buffer.from(input); })() as unknown as NodeJS.ReadableStream,
      dataRoot: d.engine.store.root, insecureRegistries: [], trace: false, ...(local ?? { host: d.host }),
    };
    try {
      const code = await runCommand(session, words, new AbortController().signal);
      return { code, ...out };
    } finally {
      await closeSession(session);
    }
  }

  describe.skipIf(!dockerBin)('the docker CLI', () => {
    it('DOCKER_BUILDKIT=0 docker build: the classic builder\'s steps, the image in the store, then the cache', async () => {
      const dir = ctx({
        Dockerfile: 'FROM busybox\nARG WHO=world\nRUN echo "hello $WHO" > /hello\nCOPY note.txt /note.txt\nCMD ["cat", "/hello", "/note.txt"]\n',
        'note.txt': 'a note\n',
        'secret.txt': 'never sent\n',
        '.dockerignore': 'secret.txt\n',
      });
      const r = await docker(['build', '-t', 'e2e/app:1', '--build-arg', 'WHO=docker', dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Sending build context to Docker daemon {2}[0-9.]+k?B\s*\n/); // the CLI redraws it with \r
      expect(r.stdout).toMatch(/Step 1\/5 : FROM busybox\n ---> [0-9a-f]{12}\nStep 2\/5 : ARG WHO=world\n ---> [0-9a-f]{12}\nStep 3\/5 : RUN echo "hello \$WHO" > \/hello\n ---> Running in ([0-9a-f]{12})\nRemoving intermediate container \1\n ---> [0-9a-f]{12}\n/);
      const { image } = await d.engine.images.resolve('e2e/app:1');
      expect(r.stdout).toContain(`Successfully built ${image.id.slice(7, 19)}\nSuccessfully tagged e2e/app:1\n`);
      expect(await docker(['run', '--rm', 'e2e/app:1'])).toMatchObject({ code: 0, stdout: 'hello docker\na note\n' });
      expect((await docker(['run', '--rm', 'e2e/app:1', 'ls', '/'])).stdout).not.toContain('secret');
      const hist = await docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'e2e/app:1']);
      expect(hist.stdout).toContain('|1 WHO=docker /bin/sh -c echo "hello $WHO" > /hello');

      const again = await docker(['build', '-t', 'e2e/app:1', '--build-arg', 'WHO=docker', dir]);
      expect(again.stdout.match(/ ---> Using cache\n/g)).toHaveLength(4); // ARG, RUN, COPY, CMD
      const quiet = await docker(['build', '-q', '--build-arg', 'WHO=docker', dir]);
      expect(quiet).toMatchObject({ code: 0, stdout: `${image.id}\n` });
    });

    it('a failing RUN: Docker\'s message and the command\'s exit code; a Dockerfile error: the daemon\'s 400', async () => {
      const dir = ctx({ Dockerfile: 'FROM busybox\nRUN echo trying && exit 3\n' });
      const r = await docker(['build', '-t', 'e2e/broken', dir]);
      expect(r.code).toBe(3);
      expect(r.stdout).toContain('trying\n');
      expect(r.stderr).toContain("The command '/bin/sh -c echo trying && exit 3' returned a non-zero code: 3");
      await expect(d.engine.images.resolve('e2e/broken')).rejects.toThrow(/No such image/);
      expect((await (await d.engine.containers()).list({ all: true })).length).toBe(0);

      fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\nFROBNICATE\n');
      const bad = await docker(['build', dir]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/Error response from daemon: dockerfile parse error on line 2: unknown instruction: FROBNICATE/);
      fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\nCOPY ../outside /x\n');
      const out = await docker(['build', dir]);
      expect(out.code).toBe(1);
      expect(out.stderr).toContain('forbidden path outside the build context: ../outside');
    });

    it('docker commit: the container\'s changes, --change and -m, as an image its containers see', async () => {
      const name = 'e2e-commit-src';
      const ran = await docker(['run', '--name', name, 'busybox', 'sh', '-c', 'echo committed > /made && rm /etc/group']);
      expect(ran.code).toBe(0);
      const c = await docker(['commit', '-m', 'by docker commit', '-a', 'e2e', '-c', 'CMD ["cat", "/made"]', '-c', 'ENV FROM_COMMIT=1', name, 'e2e/committed:1']);
      expect(c.code, c.stderr).toBe(0);
      const { image } = await d.engine.images.resolve('e2e/committed:1');
      expect(c.stdout).toBe(`${image.id}\n`);
      expect(await docker(['run', '--rm', 'e2e/committed:1'])).toMatchObject({ code: 0, stdout: 'committed\n' });
      expect((await docker(['run', '--rm', 'e2e/committed:1', 'sh', '-c', 'ls /etc/group 2>/dev/null || echo gone; echo $FROM_COMMIT'])).stdout).toBe('gone\n1\n');
      const hist = await docker(['history', '--format', '{{.Comment}}', 'e2e/committed:1']);
      expect(hist.stdout.split('\n')[0]).toBe('by docker commit');
      expect(JSON.parse((await docker(['inspect', 'e2e/committed:1'])).stdout)[0]).toMatchObject({ Author: 'e2e', Config: { Cmd: ['cat', '/made'] } });
      expect((await docker(['rm', name])).code).toBe(0);
      const missing = await docker(['commit', 'no-such-container']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/No such container: no-such-container/);
    });
  });

  it.runIf(haveDistribution() && dockerBin !== undefined)('FROM an image that is not here: pulled through the engine, its progress in the build\'s stream', async () => {
    registry = await startDistribution();
    await pushImage(registry.url, 'base', '1', { layers: [{ entries: [{ name: 'bin/', type: 'directory' }, { name: 'bin/busybox', data: fs.readFileSync('/bin/busybox'), mode: 0o755 }] }] });
    const ref = `${registry.host}/base:1`;
    const dir = ctx({ Dockerfile: `FROM ${ref}\nRUN ["/bin/busybox", "sh", "-c", "/bin/busybox echo pulled-and-built > /out"]\nCMD ["/bin/busybox", "cat", "/out"]\n` });
    const r = await docker(['build', '-t', 'e2e/pulled', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Step 1/3 : FROM ${ref}\n`);
    expect(r.stdout).toContain('1: Pulling from base\n');
    expect(r.stdout).toMatch(/Pull complete/);
    expect(r.stdout).toContain(`Status: Downloaded newer image for ${ref}\n`);
    await d.engine.images.resolve(ref);
    expect(await docker(['run', '--rm', 'e2e/pulled'])).toMatchObject({ code: 0, stdout: 'pulled-and-built\n' });
  });

  it('skiff build and skiff commit through the daemon: the same stream, the same results', async () => {
    const dir = ctx({ 'build/Dockerfile': 'FROM busybox\nCOPY . /src/\nRUN ls /src > /listing\nCMD ["cat", "/listing"]\n', 'build/a.txt': 'a\n', 'build/.dockerignore': 'Dockerfile\n' });
    const r = await skiff(['build', '-t', 'skiff/app', path.join(dir, 'build')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Sending build context to Skiff daemon {2}\S+\nStep 1\/4 : FROM busybox\n/);
    expect(r.stdout).toContain('Successfully tagged skiff/app:latest\n');
    const { image } = await d.engine.images.resolve('skiff/app');
    // .dockerignore left the Dockerfile out of what COPY sees (it was still sent, to be read).
    const rt = await d.engine.containers();
    const { Id } = await rt.create({ Image: 'skiff/app' });
    await rt.start(Id);
    await rt.wait(Id);
    let listing = '';
    for await (const e of rt.logs(Id, {})) listing += e.log;
    expect(listing).toBe('a.txt\n');

    const q = await skiff(['build', '-q', '-f', path.join(dir, 'build/Dockerfile'), path.join(dir, 'build')]);
    expect(q).toMatchObject({ code: 0, stdout: `${image.id}\n` });
    // A Dockerfile outside the context, and one on stdin.
    fs.writeFileSync(path.join(dir, 'Other.dockerfile'), 'FROM busybox\nLABEL from=outside\n');
    expect((await skiff(['build', '-t', 'skiff/outside', '-f', path.join(dir, 'Other.dockerfile'), path.join(dir, 'build')])).code).toBe(0);
    expect((await d.engine.images.resolve('skiff/outside')).image.config.config?.Labels).toEqual({ from: 'outside' });
    expect((await skiff(['build', '-t', 'skiff/stdin', '-f', '-', path.join(dir, 'build')], 'FROM busybox\nENV VIA=stdin\n')).code).toBe(0);
    expect((await d.engine.images.resolve('skiff/stdin')).image.config.config?.Env).toContain('VIA=stdin');

    const failing = await skiff(['build', '-f', '-', path.join(dir, 'build')], 'FROM busybox\nRUN exit 7\n');
    expect(failing.code).toBe(7);
    expect(failing.stderr).toBe("The command '/bin/sh -c exit 7' returned a non-zero code: 7\n");

    const cm = await skiff(['commit', '-m', 'skiff commit', '-c', 'CMD ["echo", "committed by skiff"]', Id, 'skiff/committed:2']);
    expect(cm.code, cm.stderr).toBe(0);
    expect(cm.stdout).toBe(`${(await d.engine.images.resolve('skiff/committed:2')).image.id}\n`);
    expect((await d.engine.images.resolve('skiff/committed:2')).image.config.history!.at(-1)).toMatchObject({ comment: 'skiff commit', empty_layer: true });
    await rt.remove(Id);
  });

  it('skiff build and commit with the engine in the CLI\'s own process (no daemon)', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-local-build-'));
    dirs.push(root);
    const setup = await Engine.open(root);
    await buildBaseImage(setup.store, 'busybox:latest');
    await setup.close();
    const local: Partial<Session> = { dataRoot: root, inProcess: true, runtime: { initScript: init.script, cgroupParent: d.cgroupParent } };
    const dir = ctx({ Dockerfile: 'FROM busybox\nRUN echo local > /where\n' });
    const r = await skiff(['build', '-t', 'local/app', dir], '', local);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ ---> Running in [0-9a-f]{12}\nRemoving intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\nSuccessfully built [0-9a-f]{12}\nSuccessfully tagged local\/app:latest\n$/);
    const created = await skiff(['create', '--name', 'local-c', 'local/app', 'sh', '-c', 'cat /where > /copied'], '', local);
    expect(created.code, created.stderr).toBe(0);
    expect((await skiff(['start', '-a', 'local-c'], '', local)).code).toBe(0);
    const cm = await skiff(['commit', 'local-c', 'local/committed'], '', local);
    expect(cm.code, cm.stderr).toBe(0);
    expect(cm.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect((await skiff(['rm', 'local-c'], '', local)).code).toBe(0);
    expect((await skiff(['run', '--rm', 'local/committed', 'cat', '/copied'], '', local)).stdout).toBe('local\n');
    expect(mountsUnder(root)).toEqual([]);
    expect(processesUsing(root)).toEqual([]);
  });
});
