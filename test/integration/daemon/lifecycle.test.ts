// `skiff daemon` as a process: its socket (0660, the docker group), its pidfile (one daemon per data
// root; a stale one is taken over), a graceful SIGTERM that leaves containers running (live-restore),
// a restart that finds them again, and TCP only with TLS client certificates or --insecure-tcp.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpEngineApi } from '../../../src/client/http.ts';
import { groupId } from '../../../src/daemon/listen.ts';
import { buildSkiffCli, type DaemonProcess, pingable, spawnDaemon } from '../../helpers/daemon.ts';
import { freePort, which } from '../../helpers/registry.ts';
import { canRunContainers, cgroupsLeft, mountsUnder, needsRoot, processesUsing } from '../../helpers/runtime.ts';

describe.skipIf(!canRunContainers)(`skiff daemon, the process (${needsRoot})`, () => {
  let cli: Awaited<ReturnType<typeof buildSkiffCli>>;
  let dir: string;
  let dataRoot: string;
  let socket: string;
  let pidfile: string;
  let cgroupParent: string;
  const running: DaemonProcess[] = [];

  beforeAll(async () => {
    cli = await buildSkiffCli();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-lifecycle-'));
    dataRoot = path.join(dir, 'data');
    socket = path.join(dir, 'skiff.sock');
    pidfile = path.join(dir, 'skiff.pid');
    cgroupParent = `skiff-test-${path.basename(dir).slice(-6)}`;
    const base = spawnSync(cli.run[0]!, [...cli.run.slice(1), '--data-root', dataRoot, 'base'], { encoding: 'utf8' });
    expect(base.status, base.stderr).toBe(0);
  });
  afterAll(async () => {
    // Whatever a failed test left: containers removed through a daemon, then every daemon stopped.
    if (fs.existsSync(dataRoot)) {
      const d = running.find((p) => p.child.exitCode === null && p.child.signalCode === null) ?? (await start().catch(() => undefined));
      if (d) {
        const api = await HttpEngineApi.connect({ host: `unix://${socket}` }).catch(() => undefined);
        for (const c of (await api?.containerList({ all: true })) ?? []) await api!.containerRemove(c.Id, { force: true, volumes: true }).catch(() => {});
        await api?.close();
      }
    }
    for (const p of running) await p.stop();
    cli?.dispose();
    if (dir) {
      expect(processesUsing(dir)).toEqual([]);
      expect(mountsUnder(dir)).toEqual([]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    if (cgroupParent) expect(cgroupsLeft(cgroupParent)).toEqual([]);
  });

  async function start(extra: string[] = [], sock = socket): Promise<DaemonProcess> {
    const p = await spawnDaemon(cli.run, ['--data-root', dataRoot, '-H', `unix://${sock}`, '--pidfile', pidfile, '--cgroup-parent', cgroupParent, ...extra], { socket: sock });
    running.push(p);
    return p;
  }

  /** A daemon that must refuse to start: its exit code and what it said. */
  function refused(args: string[]): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
      execFile(cli.run[0]!, [...cli.run.slice(1), 'daemon', ...args], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, out: stdout + stderr });
      });
    });
  }

  it('makes its socket 0660 for root and the docker group, and writes its pidfile', async () => {
    const d = await start();
    const st = fs.statSync(socket);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o660);
    expect(st.uid).toBe(0);
    expect(st.gid).toBe(groupId('docker') ?? 0);
    expect(fs.readFileSync(pidfile, 'utf8').trim()).toBe(String(d.child.pid));
    await d.stop();
    expect(fs.existsSync(socket)).toBe(false);
    expect(fs.existsSync(pidfile)).toBe(false);
  });

  it('refuses a second daemon on the same pidfile or the same socket', async () => {
    const d = await start();
    const samePid = await refused(['--data-root', dataRoot, '-H', `unix://${path.join(dir, 'other.sock')}`, '--pidfile', pidfile]);
    expect(samePid.code).toBe(1);
    expect(samePid.out).toContain(`another Skiff daemon is running (pid ${d.child.pid}, pidfile ${pidfile})`);
    const sameSocket = await refused(['--data-root', path.join(dir, 'other-root'), '-H', `unix://${socket}`, '--pidfile', path.join(dir, 'other.pid')]);
    expect(sameSocket.code).toBe(1);
    expect(sameSocket.out).toContain(`another daemon is listening on ${socket}`);
    const noGroup = await refused(['--data-root', path.join(dir, 'other-root'), '-H', `unix://${path.join(dir, 'other.sock')}`, '--pidfile', path.join(dir, 'other.pid'), '--group', 'no-such-group-x']);
    expect(noGroup.out).toContain('group "no-such-group-x" does not exist');
    expect(fs.existsSync(path.join(dir, 'other.sock'))).toBe(false);
    // A path that is not a socket is never taken over (never deleted).
    fs.writeFileSync(path.join(dir, 'precious'), 'data');
    const notSocket = await refused(['--data-root', path.join(dir, 'other-root'), '-H', `unix://${path.join(dir, 'precious')}`, '--pidfile', path.join(dir, 'other.pid')]);
    expect(notSocket.out).toContain('exists and is not a socket');
    expect(fs.readFileSync(path.join(dir, 'precious'), 'utf8')).toBe('data');
    expect(await pingable(socket)).toBe(true); // the first one is unharmed
    expect(fs.existsSync(path.join(dir, 'other.pid'))).toBe(false);
    await d.stop();
  });

  it('stops gracefully on SIGTERM leaving containers running, and a restarted daemon finds them', async () => {
    let d = await start();
    let api = await HttpEngineApi.connect({ host: `unix://${socket}` });
    const { Id: ticker } = await api.containerCreate({ Image: 'busybox', Cmd: ['sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done'] }, 'ticker');
    await api.containerStart(ticker);
    const { Id: brief } = await api.containerCreate({ Image: 'busybox', Cmd: ['sleep', '1'], HostConfig: { AutoRemove: true } });
    await api.containerStart(brief);
    const pid = (await api.containerInspect(ticker)).State.Pid;
    const follow = api.containerLogs(ticker, { follow: true })[Symbol.asyncIterator]();
    expect((await follow.next()).value?.data.toString()).toMatch(/^tick \d+\n$/);
    await api.close();

    const { code } = await d.stop();
    expect(code).toBe(0);
    expect(d.output()).toContain('containers keep running');
    await follow.next().then(() => {}, () => {}); // the follow ended with the daemon
    expect(fs.existsSync(`/proc/${pid}`)).toBe(true); // live-restore: the container outlives the daemon
    expect(fs.existsSync(socket)).toBe(false);
    await new Promise((r) => setTimeout(r, 1500)); // `brief` ends while no daemon watches

    d = await start();
    expect(d.output()).toMatch(/found 1 running and [01] stopped container\(s\)/); // `brief` may be gone already
    api = await HttpEngineApi.connect({ host: `unix://${socket}` });
    const info = await api.containerInspect(ticker);
    expect(info.State).toMatchObject({ Running: true, Pid: pid });
    // --rm done on restart: the exit is settled, then the container removed.
    for (let i = 0; i < 50 && (await api.containerInspect(brief).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
    await expect(api.containerInspect(brief)).rejects.toMatchObject({ code: 'CONTAINER_NOT_FOUND' });
    // What it printed while no daemon listened was waiting in the pipe: the log goes on without a gap.
    const count = async () => (await collectLines(api, ticker)).length;
    const n = await count();
    await new Promise((r) => setTimeout(r, 600));
    const lines = await collectLines(api, ticker);
    expect(lines.length).toBeGreaterThan(n);
    expect(lines.map((l) => Number(l.split(' ')[1]))).toEqual(lines.map((_, i) => i));
    await api.containerRemove(ticker, { force: true });
    await api.close();

    // A daemon killed outright leaves its pidfile and socket behind: the next one takes both over.
    d.child.kill('SIGKILL');
    await d.exited;
    expect(fs.existsSync(pidfile)).toBe(true);
    d = await start();
    expect(fs.readFileSync(pidfile, 'utf8').trim()).toBe(String(d.child.pid));
    await d.stop();
  });

  it('listens on TCP only with TLS client certificates, or with --insecure-tcp and a loud warning', async () => {
    const port = await freePort();
    const plain = await refused(['--data-root', dataRoot, '-H', `tcp://127.0.0.1:${port}`, '--pidfile', pidfile]);
    expect(plain.code).toBe(125); // a usage error, as the CLI reports them
    expect(plain.out).toMatch(/refusing to listen on tcp:\/\/127\.0\.0\.1:\d+ without TLS/);
    expect((await refused(['--data-root', dataRoot, '-H', `tcp://127.0.0.1:${port}`, '--tlscert', 'x'])).out).toMatch(/TLS needs all three/);

    const insecure = await start(['-H', `tcp://127.0.0.1:${port}`, '--insecure-tcp']);
    expect(insecure.output()).toMatch(/WARNING: the API is listening on tcp:\/\/127\.0\.0\.1:\d+ WITHOUT TLS/);
    const overTcp = await HttpEngineApi.connect({ host: `tcp://127.0.0.1:${port}`, tls: undefined });
    expect(overTcp.kind).toBe('skiff-daemon');
    expect((await overTcp.version()).ApiVersion).toBe('1.41');
    await overTcp.close();
    await insecure.stop();

    if (!which('openssl')) return;
    const certs = makeCerts(path.join(dir, 'certs'));
    const tlsPort = await freePort();
    const secure = await start(['-H', `tcp://127.0.0.1:${tlsPort}`, '--tlscert', certs.serverCert, '--tlskey', certs.serverKey, '--tlscacert', certs.ca]);
    const read = (f: string) => fs.readFileSync(f);
    const withCert = await HttpEngineApi.connect({ host: `tcp://127.0.0.1:${tlsPort}`, tls: { ca: read(certs.ca), cert: read(certs.clientCert), key: read(certs.clientKey), verify: true } });
    expect(withCert.kind).toBe('skiff-daemon');
    expect((await withCert.containerList({ all: true })).length).toBeGreaterThanOrEqual(0);
    await withCert.close();
    // No client certificate: the TLS handshake itself is refused.
    await expect(HttpEngineApi.connect({ host: `tcp://127.0.0.1:${tlsPort}`, tls: { ca: read(certs.ca), verify: true } })).rejects.toThrow();
    // The docker CLI the way its users set it up: DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.
    const docker = fs.existsSync('/usr/local/bin/docker') ? '/usr/local/bin/docker' : which('docker');
    if (docker) {
      const env = { ...process.env, DOCKER_HOST: `tcp://127.0.0.1:${tlsPort}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs.dir, DOCKER_CONFIG: certs.dir };
      const out = await new Promise<string>((resolve, reject) => execFile(docker, ['version', '--format', '{{.Server.Version}} {{.Server.APIVersion}}'], { env, encoding: 'utf8' }, (e, so, se) => (e ? reject(new Error(se)) : resolve(so))));
      expect(out).toMatch(/^\d+\.\d+\.\d+ 1\.41\n$/);
    }
    await secure.stop();
  });
});

async function collectLines(api: HttpEngineApi, id: string): Promise<string[]> {
  let text = '';
  for await (const c of api.containerLogs(id, {})) text += c.data.toString();
  return text.split('\n').filter(Boolean);
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as `docker` TLS docs make them. */
function makeCerts(dir: string) {
  fs.mkdirSync(dir, { recursive: true });
  const p = (n: string) => path.join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=skiff-test-ca');
  fs.writeFileSync(p('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  fs.writeFileSync(p('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [who, cn] of [['server', '127.0.0.1'], ['client', 'learner']] as const) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}-key.pem`, '-out', `${who}.csr`, '-subj', `/CN=${cn}`);
    ssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${who}-cert.pem`, '-days', '1', '-extfile', `${who}.ext`);
  }
  // The docker CLI's names in DOCKER_CERT_PATH.
  fs.copyFileSync(p('client-cert.pem'), p('cert.pem'));
  fs.copyFileSync(p('client-key.pem'), p('key.pem'));
  return { dir, ca: p('ca.pem'), serverCert: p('server-cert.pem'), serverKey: p('server-key.pem'), clientCert: p('client-cert.pem'), clientKey: p('client-key.pem') };
}
