// The real `docker` CLI against Skiff's daemon on a temp socket: what a learner who already knows
// Docker types, with Docker's own client. Each command is checked on its output and exit code and
// on the engine behind the socket.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { pushImage, type Built } from '../helpers/push.ts';
import { haveDistribution, type RunningRegistry, startDistribution, which } from '../helpers/registry.ts';
import { buildInit, canRunContainers, cgroupsLeft, mountsUnder, needsRoot, processesUsing } from '../helpers/runtime.ts';

const dockerBin = fs.existsSync('/usr/local/bin/docker') ? '/usr/local/bin/docker' : which('docker');
if (!dockerBin) console.log('docker CLI tests skipped: no docker binary (/usr/local/bin/docker or docker on PATH)');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(!dockerBin || !canRunContainers)(`the docker CLI against skiffd (${needsRoot})`, () => {
  let init: Awaited<ReturnType<typeof buildInit>>;
  let d: TestDaemon;
  let env: NodeJS.ProcessEnv;
  let config: string;
  let registry: RunningRegistry | undefined;
  let fixture: Built | undefined;
  let runnable: Built | undefined;
  const tag = randomBytes(3).toString('hex');

  beforeAll(async () => {
    init = await buildInit();
    d = await startTestDaemon(init.script);
    config = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-dockercfg-'));
    // The CLI's own config in a temp dir: no user settings, no hints, no plugins.
    env = { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: config, DOCKER_CLI_HINTS: 'false', DOCKER_BUILDKIT: '0' };
    delete env.DOCKER_TLS_VERIFY;
    delete env.DOCKER_CONTEXT;
    if (haveDistribution()) {
      registry = await startDistribution();
      fixture = await pushImage(registry.url, 'fixture', 'v1', { layers: [{ entries: [{ name: 'etc/', type: 'directory' }, { name: 'etc/motd', data: 'from the loopback registry\n' }] }, { entries: [{ name: 'data', data: 'x'.repeat(300_000) }] }] });
      // An image that runs: the host's static busybox, pushed by hand (the store never sees it first).
      runnable = await pushImage(registry.url, 'runnable', '1', { layers: [{ entries: [{ name: 'bin/', type: 'directory' }, { name: 'bin/busybox', data: fs.readFileSync('/bin/busybox'), mode: 0o755 }] }], cmd: ['/bin/busybox', 'echo', 'pulled and ran'] });
      // A lying image: its config's DiffIDs do not match its layers (the registry cannot tell).
      await pushImage(registry.url, 'liar', 'v1', { layers: [{ entries: [{ name: 'x', data: 'x' }] }], wrongDiffIds: true });
    }
  });
  afterAll(async () => {
    await registry?.stop();
    await d?.stop();
    init?.dispose();
    if (config) fs.rmSync(config, { recursive: true, force: true });
    if (d) {
      expect(mountsUnder(d.root)).toEqual([]);
      expect(cgroupsLeft(d.cgroupParent)).toEqual([]);
      expect(processesUsing(d.root)).toEqual([]);
    }
  });

  /** Runs docker asynchronously: the daemon answering it lives in this very process. */
  function docker(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Result> {
    return new Promise((resolve) => {
      const child = execFile(dockerBin!, args, { env, timeout: opts.timeoutMs ?? 30_000, encoding: 'utf8' }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
      child.stdin!.end(opts.input ?? '');
    });
  }

  const containers = () => d.engine.containers();

  it('docker version: client and server agree on API 1.41', async () => {
    const r = await docker(['version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Server: Skiff\n Engine:\n  Version:\s+\d+\.\d+\.\d+\n  API version:\s+1\.41 \(minimum version 1\.24\)/);
    expect(r.stdout).toMatch(/Client:[\s\S]*API version:\s+1\.41 \(downgraded from 1\.\d+\)/);
  });

  it('docker info: the engine\'s own numbers', async () => {
    const r = await docker(['info']);
    expect(r.code).toBe(0);
    const all = await (await containers()).list({ all: true });
    expect(r.stdout).toContain(` Containers: ${all.length}\n`);
    expect(r.stdout).toContain(` Images: ${(await d.engine.images.list()).length}\n`);
    expect(r.stdout).toMatch(/ Storage Driver: (overlay2|vfs)\n/);
    expect(r.stdout).toContain(' Cgroup Driver: cgroupfs\n');
    expect(r.stdout).toContain(` Docker Root Dir: ${d.engine.store.root}\n`);
    expect(r.stdout).toContain(` Kernel Version: ${os.release()}\n`);
  });

  it.runIf(haveDistribution())('docker pull from a loopback registry: Docker\'s progress lines, the image in the store', async () => {
    const ref = `${registry!.host}/fixture:v1`;
    const r = await docker(['pull', ref]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('v1: Pulling from fixture\n');
    expect(r.stdout.match(/: Pull complete\n/g)).toHaveLength(2);
    expect(r.stdout).toContain(`Digest: ${fixture!.manifestDigest}\n`);
    expect(r.stdout).toContain(`Status: Downloaded newer image for ${ref}\n`);
    expect((await d.engine.images.resolve(ref)).image.id).toBe(fixture!.configDigest);
    const again = await docker(['pull', ref]);
    expect(again.stdout.match(/: Already exists\n/g)).toHaveLength(2);
    expect(again.stdout).toContain(`Status: Image is up to date for ${ref}\n`);
    const missing = await docker(['pull', `${registry!.host}/nosuch:v1`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Error response from daemon: .*manifest unknown/m);
    // Failing after the stream began: the error is a line of the stream, and the CLI says it.
    const liar = await docker(['pull', `${registry!.host}/liar:v1`]);
    expect(liar.code).toBe(1);
    expect(liar.stdout).toContain('v1: Pulling from liar\n');
    expect(liar.stderr).toMatch(/unpacks to sha256:[0-9a-f]{64}, but the image config expects/);
    await expect(d.engine.images.resolve(`${registry!.host}/liar:v1`)).rejects.toThrow(/No such image/);
  });

  it.runIf(haveDistribution())('docker run of a missing image: create says 404, the CLI pulls, creates again and runs', async () => {
    const ref = `${registry!.host}/runnable:1`;
    const r = await docker(['run', '--rm', ref]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Unable to find image '${ref}' locally`);
    expect(r.stdout).toBe('pulled and ran\n');
    expect((await d.engine.images.resolve(ref)).image.id).toBe(runnable!.configDigest);
  });

  it('docker images: the table, from the store', async () => {
    const r = await docker(['images']);
    expect(r.code).toBe(0);
    const { image } = await d.engine.images.resolve('busybox');
    expect(r.stdout).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\n/);
    expect(r.stdout).toMatch(new RegExp(`\\nbusybox\\s+latest\\s+${image.id.slice(7, 19)}\\s+`));
    expect((await docker(['images', '-q'])).stdout.trim().split('\n').sort()).toEqual([...new Set((await d.engine.images.list()).map((i) => i.id.slice(7, 19)))].sort());
  });

  it('docker run --rm busybox echo hi: the output, exit 0, and no container left', async () => {
    const before = (await (await containers()).list({ all: true })).length;
    const r = await docker(['run', '--rm', 'busybox', 'echo', 'hi']);
    expect(r).toMatchObject({ code: 0, stdout: 'hi\n' });
    expect((await (await containers()).list({ all: true })).length).toBe(before);
  });

  it('docker run gives the container\'s exit code, and 127 for a missing command', async () => {
    const r = await docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo to-stderr >&2; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('to-stderr\n');
    const kept = await docker(['run', '--name', `e2e-exit-${tag}`, 'busybox', 'sh', '-c', 'exit 3']);
    expect(kept.code).toBe(3);
    expect((await (await containers()).inspect(`e2e-exit-${tag}`)).State).toMatchObject({ Status: 'exited', ExitCode: 3 });
    expect((await docker(['rm', `e2e-exit-${tag}`])).code).toBe(0);
    const missing = await docker(['run', '--rm', 'busybox', 'nosuchcommand']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/executable file not found/);
  });

  it('docker run -d, ps, logs, exec, inspect, stop, rm', async () => {
    const name = `e2e-web-${tag}`;
    const run = await docker(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'echo started; exec sleep 60']);
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect((await (await containers()).inspect(name)).State).toMatchObject({ Status: 'running', Running: true });
    const ps = await docker(['ps']);
    expect(ps.stdout).toMatch(new RegExp(`\\n${id.slice(0, 12)}\\s+busybox\\s+"sh -c .{1,2}echo started…"\\s+.+\\s+Up .+\\s+${name}\\n`));
    let logs = await docker(['logs', name]);
    for (let i = 0; i < 50 && logs.stdout === ''; i++) logs = await docker(['logs', name]);
    expect(logs).toMatchObject({ code: 0, stdout: 'started\n' });
    expect(await docker(['exec', name, 'sh', '-c', 'echo $((6*7)) $(hostname)'])).toMatchObject({ code: 0, stdout: `42 ${id.slice(0, 12)}\n` });
    expect((await docker(['exec', name, 'sh', '-c', 'exit 9'])).code).toBe(9);
    expect(await docker(['exec', '-i', name, 'cat'], { input: 'through stdin\n' })).toMatchObject({ code: 0, stdout: 'through stdin\n' });
    expect((await docker(['inspect', '-f', '{{.State.Status}} {{.Name}} {{.Config.Image}}', name])).stdout).toBe(`running /${name} busybox\n`);
    const stop = await docker(['stop', '-t', '1', name]);
    expect(stop).toMatchObject({ code: 0, stdout: `${name}\n` });
    expect((await (await containers()).inspect(name)).State).toMatchObject({ Status: 'exited', Running: false });
    expect((await docker(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Names}} {{.State}}'])).stdout).toBe(`${name} exited\n`);
    expect(await docker(['rm', name])).toMatchObject({ code: 0, stdout: `${name}\n` });
    expect(() => d.engine.containerStore.resolve(name)).toThrow(/No such container/);
    const gone = await docker(['logs', name]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/No such container/);
  });

  it.runIf(which('tmux') !== undefined)('docker run -it through a pseudo-terminal, with a resize', async () => {
    const server = `skiff-e2e-${tag}`;
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    const name = `e2e-tty-${tag}`;
    const cmd = `DOCKER_HOST=${d.host} DOCKER_CONFIG=${config} ${dockerBin} run -it --rm --name ${name} busybox sh; echo "EXIT=$?"; sleep 60`;
    tmux('new-session', '-d', '-s', 'e2e', '-x', '100', '-y', '30', cmd);
    try {
      tmux('set-option', '-t', 'e2e', 'status', 'off');
      const screen = () => tmux('capture-pane', '-p', '-t', 'e2e');
      const waitFor = async (re: RegExp) => {
        for (let i = 0; i < 200; i++) {
          if (re.test(screen())) return;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`${re} never appeared:\n${screen()}`);
      };
      await waitFor(/^\/ #\s*$/m);
      expect((await (await containers()).inspect(name)).Config).toMatchObject({ Tty: true, OpenStdin: true });
      const size = () => tmux('display-message', '-p', '-t', 'e2e', '#{pane_height} #{pane_width}').trim();
      tmux('send-keys', '-t', 'e2e', 'stty size; echo "T=$TERM"', 'Enter');
      await waitFor(new RegExp(`^${size()}$`, 'm'));
      await waitFor(/^T=xterm$/m);
      tmux('resize-window', '-t', 'e2e', '-x', '120', '-y', '40'); // SIGWINCH: the CLI sends POST /resize
      const after = size();
      expect(after).toBe('40 120');
      for (let i = 0; i < 20; i++) {
        tmux('send-keys', '-t', 'e2e', 'clear; stty size', 'Enter');
        await new Promise((r) => setTimeout(r, 150));
        if (new RegExp(`^${after}$`, 'm').test(screen())) break;
      }
      expect(screen()).toMatch(new RegExp(`^${after}$`, 'm'));
      tmux('send-keys', '-t', 'e2e', 'exit 7', 'Enter');
      await waitFor(/^EXIT=7$/m);
      for (let i = 0; i < 50 && (await (await containers()).list({ all: true })).some((c) => c.Names[0] === `/${name}`); i++) await new Promise((r) => setTimeout(r, 100));
      expect((await (await containers()).list({ all: true })).map((c) => c.Names[0])).not.toContain(`/${name}`);
    } finally {
      try {
        tmux('kill-server');
      } catch {
        // gone already
      }
    }
  });

  it('docker volume create, ls, inspect, rm', async () => {
    const name = `e2e-vol-${tag}`;
    expect(await docker(['volume', 'create', name])).toMatchObject({ code: 0, stdout: `${name}\n` });
    expect((await d.engine.volumes.inspect(name)).Name).toBe(name);
    expect((await docker(['volume', 'ls'])).stdout).toMatch(new RegExp(`\\nlocal\\s+${name}\\n`));
    expect(JSON.parse((await docker(['volume', 'inspect', name])).stdout)[0]).toMatchObject({ Name: name, Driver: 'local', Mountpoint: d.engine.volumes.mountpoint(name) });
    expect(await docker(['volume', 'rm', name])).toMatchObject({ code: 0, stdout: `${name}\n` });
    await expect(d.engine.volumes.inspect(name)).rejects.toThrow(/no such volume/i);
  });

  it('docker inspect: images and containers as the engine has them', async () => {
    const { image } = await d.engine.images.resolve('busybox');
    const img = JSON.parse((await docker(['inspect', 'busybox'])).stdout)[0];
    expect(img).toMatchObject({ Id: image.id, RepoTags: ['busybox:latest'], Os: 'linux', RootFS: { Layers: image.config.rootfs.diff_ids } });
    const { stdout } = await docker(['create', '--name', `e2e-insp-${tag}`, '-e', 'A=1', 'busybox', 'true']);
    const id = stdout.trim();
    const c = JSON.parse((await docker(['inspect', `e2e-insp-${tag}`])).stdout)[0];
    expect(c).toEqual(JSON.parse(JSON.stringify(await (await containers()).inspect(id))));
    expect(c.Config.Env).toContain('A=1');
    const none = await docker(['inspect', `nosuch-${tag}`]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/No such object/);
    await docker(['rm', id]);
  });
});
