// The real docker CLI against skiffd, with the daemon inside a network namespace this test made:
// `docker run -p` publishes a port that answers on the namespace's loopback, `docker port` reads
// it back, and `docker network create/ls/inspect/connect/rm` manage a network whose containers
// find each other by name. The CLI itself reaches the daemon over its unix socket.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpEngineApi } from '../../../src/client/http.ts';
import { buildNetnsDaemon, canUseNetns, makeNetns, type Netns, type NetnsDaemon, startNetnsDaemon } from '../../helpers/netns.ts';
import { which } from '../../helpers/registry.ts';
import { canRunContainers } from '../../helpers/runtime.ts';

const docker = which('docker');

describe.skipIf(!canRunContainers || !canUseNetns || !docker)('the docker CLI: run -p and network commands against skiffd in a test namespace (needs root, ip, the docker CLI)', () => {
  let ns: Netns;
  let build: Awaited<ReturnType<typeof buildNetnsDaemon>>;
  let d: NetnsDaemon;
  let config: string;

  beforeAll(async () => {
    ns = makeNetns();
    build = await buildNetnsDaemon();
    d = await startNetnsDaemon(ns, build.script);
    config = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-docker-config-'));
  });

  afterAll(async () => {
    try {
      if (d) {
        const api = await HttpEngineApi.connect({ host: d.host }).catch(() => undefined);
        for (const c of (await api?.containerList({ all: true }).catch(() => [])) ?? []) await api!.containerRemove(c.Id, { force: true }).catch(() => {});
        for (const n of (await api?.networkList().catch(() => [])) ?? []) if (!['bridge', 'host', 'none'].includes(n.Name)) await api!.networkRemove(n.Id).catch(() => {});
        await api?.close();
        await d.stop();
        fs.rmSync(d.root, { recursive: true, force: true });
      }
      if (config) fs.rmSync(config, { recursive: true, force: true });
    } finally {
      ns?.dispose();
      build?.dispose();
    }
  });

  function dk(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: config, DOCKER_CLI_HINTS: 'false', DOCKER_BUILDKIT: '0' };
    delete env.DOCKER_TLS_VERIFY;
    delete env.DOCKER_CONTEXT;
    return new Promise((resolve) => {
      execFile(docker!, args, { env, timeout: 30_000, encoding: 'utf8' }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, out: stdout, err: stderr });
      });
    });
  }

  it('docker run -p publishes a port that answers on the namespace\'s loopback; docker port and ps show it', async () => {
    const run = await dk('run', '-d', '--name', 'web', '-p', '8082:80', '--expose', '443', 'busybox', 'sh', '-c', 'while true; do echo "hi from docker run -p" | nc -l -p 80; done');
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect((await dk('port', 'web')).out).toBe('80/tcp -> 0.0.0.0:8082\n');
    expect((await dk('port', 'web', '80')).out).toBe('0.0.0.0:8082\n');
    expect((await dk('ps', '--format', '{{.Ports}}')).out).toBe('443/tcp, 0.0.0.0:8082->80/tcp\n');
    let answer = '';
    for (let i = 0; i < 50 && !answer.includes('hi'); i++) {
      answer = ns.run('/bin/busybox', ['nc', '-w', '2', '127.0.0.1', '8082']).out;
      if (!answer) await new Promise((r) => setTimeout(r, 100));
    }
    expect(answer).toBe('hi from docker run -p\n');
    expect((await dk('inspect', '-f', '{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Gateway}}', 'web')).out).toMatch(/^172\.18\.\d+\.\d+ 172\.18\.0\.1\n$/);
  });

  it('docker run --link resolves the alias inside', async () => {
    const r = await dk('run', '--rm', '--link', 'web:webapp', 'busybox', 'sh', '-c', 'ping -c1 -W2 webapp >/dev/null && echo reached; echo $WEBAPP_NAME');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^reached\n\/[a-z_0-9]+\/webapp\n$/);
  });

  it('docker network create, ls, inspect, run --network, connect, rm', async () => {
    const created = await dk('network', 'create', '--subnet', '172.31.5.0/24', 'dnet');
    expect(created).toMatchObject({ code: 0, err: '' });
    const id = created.out.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const ls = await dk('network', 'ls');
    expect(ls.out).toMatch(/^NETWORK ID +NAME +DRIVER +SCOPE\n/);
    expect(ls.out).toMatch(new RegExp(`${id.slice(0, 12)} +dnet +bridge +local`));
    expect(ls.out).toMatch(/ bridge +bridge +local\n/);
    expect((await dk('network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}', 'dnet')).out).toBe('172.31.5.0/24 172.31.5.1\n');
    expect((await dk('run', '-d', '--name', 'one', '--network', 'dnet', 'busybox', 'sleep', '60')).code).toBe(0);
    const two = await dk('run', '--rm', '--network', 'dnet', 'busybox', 'sh', '-c', 'ping -c1 -W2 one >/dev/null && echo found one by name');
    expect(two).toMatchObject({ code: 0, out: 'found one by name\n' });
    expect((await dk('network', 'connect', 'dnet', 'web')).code).toBe(0);
    expect((await dk('network', 'inspect', '-f', '{{range .Containers}}{{.Name}} {{end}}', 'dnet')).out.trim().split(' ').sort()).toEqual(['one', 'web']);
    const busy = await dk('network', 'rm', 'dnet');
    expect(busy.code).not.toBe(0);
    expect(busy.err).toContain('has active endpoints');
    expect((await dk('network', 'disconnect', 'dnet', 'web')).code).toBe(0);
    expect((await dk('rm', '-f', 'one')).code).toBe(0);
    expect(await dk('network', 'rm', 'dnet')).toMatchObject({ code: 0, out: 'dnet\n' });
    expect((await dk('network', 'inspect', 'dnet')).err).toMatch(/network dnet not found/);
  });
});
