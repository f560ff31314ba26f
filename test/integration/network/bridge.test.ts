// Networking for real, inside a network namespace this test made (nothing touches the machine's own
// network): the daemon runs in it, makes skiff0 and its NAT rules there, and every packet goes to
// loopback or to an address inside it. Containers reach each other by IP and by link alias, a
// server answers through a published port on the namespace's loopback, addresses go back to the
// pool, user-defined networks resolve names, and shutdown leaves no interface and no rule.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpEngineApi } from '../../../src/client/http.ts';
import type { CreateRequest } from '../../../src/client/api.ts';
import { buildNetnsDaemon, canUseNetns, makeNetns, type Netns, type NetnsDaemon, startNetnsDaemon } from '../../helpers/netns.ts';
import { canRunContainers, cgroupsLeft, processesUsing } from '../../helpers/runtime.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!canRunContainers || !canUseNetns)('bridge networking in a test network namespace (needs root, ip, nsenter, busybox-static)', () => {
  let ns: Netns;
  let build: Awaited<ReturnType<typeof buildNetnsDaemon>>;
  let d: NetnsDaemon;
  let api: HttpEngineApi;

  beforeAll(async () => {
    ns = makeNetns();
    build = await buildNetnsDaemon();
    d = await startNetnsDaemon(ns, build.script);
    api = await HttpEngineApi.connect({ host: d.host });
  });

  afterAll(async () => {
    try {
      if (api) {
        for (const c of await api.containerList({ all: true }).catch(() => [])) await api.containerRemove(c.Id, { force: true }).catch(() => {});
        for (const n of await api.networkList().catch(() => [])) if (!['bridge', 'host', 'none'].includes(n.Name)) await api.networkRemove(n.Id).catch(() => {});
        await api.close();
      }
      await d?.stop();
      // A warm init the daemon was starting as it stopped ends by itself (its watchdog sees no engine).
      for (let i = 0; i < 60 && processesUsing(d.root).length > 0; i++) await sleep(100);
      expect(processesUsing(d.root)).toEqual([]);
      // Nothing of Skiff is left in the namespace: no bridge, no veth, no firewall rule.
      expect(ns.run('ip', ['-o', 'link']).out.trim().split('\n').map((l) => l.split(':')[1]!.trim())).toEqual(['lo']);
      expect(ns.run('iptables-save', []).out).not.toMatch(/SKIFF/);
      expect(cgroupsLeft(`skiff-test-${path.basename(d.root).slice(-6)}`)).toEqual([]);
    } finally {
      if (d) fs.rmSync(d.root, { recursive: true, force: true });
      ns?.dispose();
      build?.dispose();
    }
  });

  async function output(id: string): Promise<string> {
    let s = '';
    for await (const c of api.containerLogs(id, { stdout: true, stderr: true })) s += c.data.toString();
    return s;
  }

  async function run(body: Omit<CreateRequest, 'Image'>, name?: string): Promise<{ id: string; code: number; out: string }> {
    const { Id } = await api.containerCreate({ Image: 'busybox', ...body }, name);
    await api.containerStart(Id);
    const r = await api.containerWait(Id);
    return { id: Id, code: r.StatusCode, out: await output(Id) };
  }

  async function detached(body: Omit<CreateRequest, 'Image'>, name: string): Promise<string> {
    const { Id } = await api.containerCreate({ Image: 'busybox', ...body }, name);
    await api.containerStart(Id);
    return Id;
  }

  it('gives each container an address on skiff0; they reach each other by IP and by link alias', async () => {
    const db = await detached({ Cmd: ['sleep', '60'], Env: ['DB_USER=skiff'], ExposedPorts: { '5432/tcp': {} } }, 'db');
    const info = await api.containerInspect(db);
    const ip = info.NetworkSettings.IPAddress;
    expect(ip).toMatch(/^172\.18\.\d+\.\d+$/);
    expect(info.NetworkSettings).toMatchObject({ Gateway: '172.18.0.1', IPPrefixLen: 16, MacAddress: expect.stringMatching(/^02:42:ac:12:/) });
    expect(info.NetworkSettings.Networks.bridge?.IPAddress).toBe(ip);
    // The host side: the bridge with its address, and the veth pair's end on it.
    const links = ns.run('ip', ['-o', 'addr', 'show', 'dev', 'skiff0']);
    expect(links.out).toContain('inet 172.18.0.1/16');
    expect(ns.run('ip', ['-o', 'link', 'show', 'master', 'skiff0']).out).toMatch(/veth[0-9a-f]{7}/);

    const web = await run({ Cmd: ['sh', '-c', `ip -o addr show eth0; ip route; ping -c1 -W2 ${ip} >/dev/null && echo by-ip; ping -c1 -W2 dbapp >/dev/null && echo by-alias; nc -z -w1 db 1 2>/dev/null; grep dbapp /etc/hosts; env | grep ^DBAPP_ | sort`], HostConfig: { Links: ['db:dbapp'] } }, 'web');
    expect(web.code).toBe(0);
    expect(web.out).toMatch(/eth0\s+inet 172\.18\.\d+\.\d+\/16/);
    expect(web.out).toContain('default via 172.18.0.1 dev eth0');
    expect(web.out).toContain('by-ip\n');
    expect(web.out).toContain('by-alias\n');
    expect(web.out).toContain(`${ip}\tdbapp db\n`);
    // Docker's link variables (moby daemon/links): address and ports, name, the linked environment.
    expect(web.out).toContain(`DBAPP_ENV_DB_USER=skiff\nDBAPP_NAME=/web/dbapp\nDBAPP_PORT=tcp://${ip}:5432\nDBAPP_PORT_5432_TCP=tcp://${ip}:5432\nDBAPP_PORT_5432_TCP_ADDR=${ip}\nDBAPP_PORT_5432_TCP_PORT=5432\nDBAPP_PORT_5432_TCP_PROTO=tcp\n`);
    expect((await api.containerInspect(web.id)).HostConfig.Links).toEqual(['/db:/web/dbapp']);
    // The explain-run steps 4 and 5 are real now.
    await api.containerRemove(web.id);
    await api.containerRemove(db, { force: true });
  });

  it('a link to a container that is not running fails the start with Docker\'s words', async () => {
    const { Id: stopped } = await api.containerCreate({ Image: 'busybox', Cmd: ['true'] }, 'sleeper');
    const { Id } = await api.containerCreate({ Image: 'busybox', Cmd: ['true'], HostConfig: { Links: ['sleeper:s'] } }, 'linker');
    await expect(api.containerStart(Id)).rejects.toThrow('Cannot link to a non running container: /sleeper AS /linker/s');
    await expect(api.containerCreate({ Image: 'busybox', Cmd: ['true'], HostConfig: { Links: ['nosuch:x'] } })).rejects.toThrow('Could not get container for nosuch');
    await api.containerRemove(Id);
    await api.containerRemove(stopped);
  });

  it('answers through a published port on the namespace\'s loopback (userland proxy) and its own address (DNAT)', async () => {
    const server = ['sh', '-c', 'while true; do echo "hello from $(hostname)" | nc -l -p 80; done'];
    const id = await detached({ Cmd: server, ExposedPorts: { '80/tcp': {} }, HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } } }, 'srv');
    const info = await api.containerInspect(id);
    expect(info.NetworkSettings.Ports).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] });
    const ask = (addr: string) => {
      for (let i = 0; i < 50; i++) {
        const r = ns.run('/bin/busybox', ['nc', '-w', '2', addr, '8080']);
        if (r.out.includes('hello')) return r.out;
        spawnSleep(100);
      }
      return '';
    };
    expect(ask('127.0.0.1')).toBe(`hello from ${id.slice(0, 12)}\n`);
    // A packet for one of the namespace's own addresses is rewritten by the DNAT rule.
    const save = ns.run('iptables-save', ['-t', 'nat']).out;
    expect(save).toContain(`-A SKIFF-DNAT ! -i skiff0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination ${info.NetworkSettings.IPAddress}:80`);
    expect(save).toContain('-A SKIFF-POSTROUTING -s 172.18.0.0/16 ! -o skiff0 -j MASQUERADE');
    expect(ask('172.18.0.1')).toBe(`hello from ${id.slice(0, 12)}\n`);
    // ps and port show it.
    const listed = (await api.containerList()).find((c) => c.Id === id)!;
    expect(listed.Ports).toEqual([{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }]);
    // A second container cannot take the same host port: its start fails, nothing is left half-made.
    const { Id: clash } = await api.containerCreate({ Image: 'busybox', Cmd: ['sleep', '5'], HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '8080' }] } } });
    await expect(api.containerStart(clash)).rejects.toThrow(/port is already allocated/);
    expect((await api.containerInspect(clash)).State.Status).toBe('created');
    await api.containerRemove(clash);
    // Stopped: the proxy lets go and the DNAT rule goes.
    await api.containerKill(id);
    await api.containerWait(id);
    for (let i = 0; i < 40 && ns.run('iptables-save', ['-t', 'nat']).out.includes('--dport 8080'); i++) await sleep(50);
    expect(ns.run('iptables-save', ['-t', 'nat']).out).not.toContain('--dport 8080');
    expect(ns.run('/bin/busybox', ['nc', '-w', '1', '127.0.0.1', '8080']).out).toBe('');
    expect((await api.containerInspect(id)).NetworkSettings.Ports).toEqual({});
    await api.containerRemove(id);
  });

  it('-P publishes every exposed port on a free host port', async () => {
    const id = await detached({ Cmd: ['sleep', '30'], ExposedPorts: { '80/tcp': {}, '53/udp': {} }, HostConfig: { PublishAllPorts: true } }, 'all-ports');
    const ports = (await api.containerInspect(id)).NetworkSettings.Ports;
    expect(Object.keys(ports).sort()).toEqual(['53/udp', '80/tcp']);
    for (const b of Object.values(ports)) expect(Number(b![0]!.HostPort)).toBeGreaterThan(1024);
    await api.containerRemove(id, { force: true });
  });

  it('--network none has only lo; --network container:NAME shares its interfaces', async () => {
    const none = await run({ Cmd: ['ls', '/sys/class/net'], HostConfig: { NetworkMode: 'none' } });
    expect(none.out).toBe('lo\n');
    const owner = await detached({ Cmd: ['sleep', '30'] }, 'owner');
    const ip = (await api.containerInspect(owner)).NetworkSettings.IPAddress;
    const joined = await run({ Cmd: ['sh', '-c', 'ip -o -4 addr show eth0'], HostConfig: { NetworkMode: 'container:owner' } });
    expect(joined.out).toContain(`inet ${ip}/16`);
    await api.containerRemove(joined.id);
    await api.containerRemove(none.id);
    await api.containerRemove(owner, { force: true });
  });

  it('hands every address out once and takes it back on rm', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await api.containerCreate({ Image: 'busybox', Cmd: ['true'] })).Id);
    const ips = await Promise.all(ids.map(async (id) => (await api.containerInspect(id)).NetworkSettings.Networks.bridge!.IPAddress));
    expect(new Set(ips).size).toBe(3);
    const pool = fs.readdirSync(path.join(d.dataRoot, 'networks', 'ipam', (await api.networkInspect('bridge')).Id)).filter((f) => f !== 'cursor');
    for (const ip of ips) expect(pool).toContain(ip);
    expect(Object.keys((await api.networkInspect('bridge')).Containers)).toEqual(expect.arrayContaining(ids));
    for (const id of ids) await api.containerRemove(id);
    const after = fs.readdirSync(path.join(d.dataRoot, 'networks', 'ipam', (await api.networkInspect('bridge')).Id)).filter((f) => f !== 'cursor');
    for (const ip of ips) expect(after).not.toContain(ip);
    expect((await api.networkInspect('bridge')).Containers).toEqual({});
  });

  it('user-defined networks: containers find each other by name, connect and disconnect live', async () => {
    const { Id: netId } = await api.networkCreate({ Name: 'app', IPAM: { Config: [{ Subnet: '172.30.0.0/24' }] } });
    expect((await api.networkInspect('app')).IPAM.Config).toEqual([{ Subnet: '172.30.0.0/24', Gateway: '172.30.0.1' }]);
    const one = await detached({ Cmd: ['sleep', '60'], HostConfig: { NetworkMode: 'app' } }, 'one');
    const two = await run({ Cmd: ['sh', '-c', 'ping -c1 -W2 one >/dev/null && echo found-one; cat /etc/hosts | grep one'], HostConfig: { NetworkMode: 'app' } }, 'two');
    expect(two.out).toContain('found-one');
    expect(two.out).toMatch(/^172\.30\.0\.\d+\tone [0-9a-f]{12}$/m);
    // `one` learned about `two` in place (its bind-mounted /etc/hosts is the same file, rewritten).
    const exec = await api.execCreate(one, { Cmd: ['sh', '-c', 'grep -c two /etc/hosts'], AttachStdout: true, AttachStderr: true });
    const stream = await api.execStart(exec.Id, { tty: false });
    let seen = '';
    for await (const c of stream!.output) seen += c.data.toString();
    expect(seen.trim()).toBe('1');
    // connect a running container to the default bridge: a new interface appears inside at once.
    await api.networkConnect('bridge', 'one');
    const settings = (await api.containerInspect(one)).NetworkSettings.Networks;
    expect(Object.keys(settings).sort()).toEqual(['app', 'bridge']);
    const e2 = await api.execCreate(one, { Cmd: ['ip', '-o', '-4', 'addr', 'show', 'eth1'], AttachStdout: true });
    let eth1 = '';
    for await (const c of (await api.execStart(e2.Id, { tty: false }))!.output) eth1 += c.data.toString();
    expect(eth1).toContain(`inet ${settings.bridge!.IPAddress}/16`);
    await api.networkDisconnect('bridge', 'one');
    expect(Object.keys((await api.containerInspect(one)).NetworkSettings.Networks)).toEqual(['app']);
    await expect(api.networkRemove('app')).rejects.toThrow(/has active endpoints/);
    await api.containerRemove(two.id);
    await api.containerRemove(one, { force: true });
    await api.networkRemove(netId);
    expect(ns.run('ip', ['link', 'show', `br-${netId.slice(0, 12)}`]).code).not.toBe(0);
  });
});

function spawnSleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

