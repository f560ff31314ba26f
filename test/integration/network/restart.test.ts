// A daemon that crashes leaves its NAT rules behind; the next one removes them, and — since its
// container outlived it (live-restore) — puts back what that container needs: the bridge's NAT
// and its published port. Outbound traffic really is masqueraded: an "outside" namespace (made by
// the test, joined to the daemon's by a veth pair) sees the daemon's address, never the container's.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpEngineApi } from '../../../src/client/http.ts';
import { buildNetnsDaemon, canUseNetns, makeNetns, type Netns, type NetnsDaemon, startNetnsDaemon } from '../../helpers/netns.ts';
import { canRunContainers, processesUsing } from '../../helpers/runtime.ts';

describe.skipIf(!canRunContainers || !canUseNetns)('NAT across a daemon crash, and outbound masquerading (test namespaces)', () => {
  let ns: Netns;
  let outside: Netns;
  let build: Awaited<ReturnType<typeof buildNetnsDaemon>>;
  let d: NetnsDaemon | undefined;
  let root = '';

  beforeAll(async () => {
    ns = makeNetns();
    outside = makeNetns();
    // A link to the "outside": 10.250.0.1 in the daemon's namespace, 10.250.0.2 beyond it.
    const peer = `o${path.basename(outside.file).slice(-8)}`;
    ns.run('ip', ['link', 'add', 'uplink', 'type', 'veth', 'peer', 'name', peer]);
    ns.run('ip', ['link', 'set', peer, 'netns', outside.name]);
    ns.run('ip', ['addr', 'add', '10.250.0.1/24', 'dev', 'uplink']);
    ns.run('ip', ['link', 'set', 'uplink', 'up']);
    outside.run('ip', ['addr', 'add', '10.250.0.2/24', 'dev', peer]);
    outside.run('ip', ['link', 'set', peer, 'up']);
    build = await buildNetnsDaemon();
  });

  afterAll(async () => {
    try {
      if (d) {
        const api = await HttpEngineApi.connect({ host: d.host }).catch(() => undefined);
        for (const c of (await api?.containerList({ all: true }).catch(() => [])) ?? []) await api!.containerRemove(c.Id, { force: true }).catch(() => {});
        await api?.close();
        await d.stop();
      }
      for (let i = 0; i < 60 && root && processesUsing(root).length > 0; i++) await sleep(100);
      if (root) expect(processesUsing(root)).toEqual([]);
    } finally {
      if (root) fs.rmSync(root, { recursive: true, force: true });
      ns?.dispose();
      outside?.dispose();
      build?.dispose();
    }
  });

  const rules = () => ns.run('iptables-save', []).out.split('\n').filter((l) => l.includes('SKIFF'));

  it('masquerades outbound traffic, survives a daemon crash, and leaves nothing after a clean stop', async () => {
    d = await startNetnsDaemon(ns, build.script);
    root = d.root;
    let api = await HttpEngineApi.connect({ host: d.host });
    // Outbound: a server beyond the uplink answers with the address it sees the connection come
    // from. The outside has no route to 172.18.0.0/16: only a masqueraded packet gets an answer.
    const server = spawn('nsenter', [`--net=${outside.file}`, '--', process.execPath, '-e',
      "require('net').createServer((s) => s.end(s.remoteAddress + '\\n')).listen(7001, '10.250.0.2', () => console.log('listening'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => server.stdout!.once('data', () => resolve()));
      const { Id: probe } = await api.containerCreate({ Image: 'busybox', Cmd: ['sh', '-c', 'ip route | grep default; nc -w 3 10.250.0.2 7001'] });
      await api.containerStart(probe);
      await api.containerWait(probe);
      let out = '';
      for await (const c of api.containerLogs(probe, { stdout: true, stderr: true })) out += c.data.toString();
      expect(out).toBe('default via 172.18.0.1 dev eth0 \n10.250.0.1\n');
      await api.containerRemove(probe);
    } finally {
      server.kill('SIGKILL');
    }

    // A server with a published port; then the daemon is killed: the container and the rules stay.
    const { Id } = await api.containerCreate({ Image: 'busybox', Cmd: ['sh', '-c', 'while true; do echo still here | nc -l -p 80; done'], HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '8090' }] } } });
    await api.containerStart(Id);
    await api.close();
    // Let the pool's next warm init finish starting first: one killed mid-start would wait forever
    // for an engine that is gone (a runtime matter, not this test's).
    await sleep(1500);
    await d.kill();
    expect(rules().length).toBeGreaterThan(0);
    expect(ns.run('ip', ['link', 'show', 'skiff0']).code).toBe(0);

    // The next daemon: a crash's rules removed, then put back for the running container, port included.
    d = await startNetnsDaemon(ns, build.script, { root });
    api = await HttpEngineApi.connect({ host: d.host });
    let answer = '';
    for (let i = 0; i < 50 && !answer; i++) {
      answer = ns.run('/bin/busybox', ['nc', '-w', '2', '127.0.0.1', '8090']).out;
      if (!answer) await sleep(100);
    }
    expect(answer).toBe('still here\n');
    expect(rules()).toContain('-A SKIFF-POSTROUTING -s 172.18.0.0/16 ! -o skiff0 -j MASQUERADE');
    expect(rules().filter((r) => r.startsWith('-A POSTROUTING'))).toHaveLength(1); // not added twice
    await api.containerRemove(Id, { force: true });
    await api.close();
    await d.stop();
    d = undefined;
    // A clean stop with no container left: no rule, no bridge, no veth.
    expect(rules()).toEqual([]);
    const links = ns.run('ip', ['-o', 'link']).out.trim().split('\n').map((l) => l.split(':')[1]!.trim().split('@')[0]);
    expect(links).toEqual(['lo', 'uplink']);
  });
});
