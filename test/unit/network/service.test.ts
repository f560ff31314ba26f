// Networks and a container's attachments without root: a recording fake stands in for the host's
// kernel (no bridge, veth or rule is made), the rest is the real service on a temp data root.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContainerStore } from '../../../src/engine/containers/store.ts';
import { EventBus, type EngineEvent } from '../../../src/engine/events.ts';
import type { HostNetwork } from '../../../src/engine/network/host.ts';
import { NetworkService } from '../../../src/engine/network/service.ts';
import { planRootfs } from '../../../src/engine/runtime/plan.ts';
import { runSteps } from '../../../src/engine/runtime/init/steps.ts';
import { recordingSyscalls } from '../../helpers/recording-syscalls.ts';

function fakeHost(calls: string[]): HostNetwork {
  return {
    ensureBridge: (name, address, prefix) => (calls.push(`bridge ${name} ${address}/${prefix}`), 'created'),
    addVeth: (v) => void calls.push(`veth ${v.hostIf.replace(/[0-9a-f]{7}$/, 'X')} ${v.bridge} ${v.peerName}@${v.peerPid} ${v.peerMac}`),
    deleteLink: (name) => (calls.push(`del ${name}`), true),
    exists: () => true,
    enableForwarding: () => false,
    configureInside: async (pid, ifname, address, prefix) => void calls.push(`inside ${pid} ${ifname} ${address}/${prefix}`),
  };
}

describe('the network service', () => {
  let root: string;
  let calls: string[];
  let events: EngineEvent[];
  let store: ContainerStore;
  let net: NetworkService;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-netsvc-'));
    calls = [];
    events = [];
    const bus = new EventBus();
    bus.on((e) => void events.push(e));
    store = new ContainerStore(root);
    store.init();
    net = new NetworkService(root, bus, store, { bridge: 'skiff0', host: () => fakeHost(calls), firewallTool: () => undefined });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('has bridge, host and none from the start (bridge hidden when switched off), with stable IDs', () => {
    expect(net.list().map((n) => [n.Name, n.Driver])).toEqual([['bridge', 'bridge'], ['host', 'host'], ['none', 'null']]);
    expect(net.inspect('bridge').IPAM.Config).toEqual([{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }]);
    const again = new NetworkService(root, new EventBus(), store, { bridge: 'skiff0', host: () => fakeHost(calls) });
    expect(again.inspect('bridge').Id).toBe(net.inspect('bridge').Id);
    const off = new NetworkService(root, new EventBus(), store, { bridge: 'none', host: () => fakeHost(calls) });
    expect(off.list().map((n) => n.Name)).toEqual(['host', 'none']);
    expect(() => off.find('bridge')).toThrow('network bridge not found');
    expect(off.endpoints.resolveMode({})).toEqual({ kind: 'none' });
    const bip = new NetworkService(fs.mkdtempSync(path.join(root, 'b-')), new EventBus(), store, { bridge: 'br9', subnet: '10.9.0.254/24', host: () => fakeHost(calls) });
    expect(bip.inspect('bridge').IPAM.Config).toEqual([{ Subnet: '10.9.0.0/24', Gateway: '10.9.0.254' }]);
  });

  it('creates user networks with a free subnet, refuses clashes, and removes them', async () => {
    const { Id } = await net.create({ Name: 'app' });
    expect(net.inspect('app')).toMatchObject({ Id, Driver: 'bridge', Scope: 'local', IPAM: { Driver: 'default', Config: [{ Subnet: '172.19.0.0/16', Gateway: '172.19.0.1' }] } });
    expect(net.inspect(Id.slice(0, 5)).Name).toBe('app');
    await expect(net.create({ Name: 'app' })).rejects.toThrow('network with name app already exists');
    await expect(net.create({ Name: 'b', IPAM: { Config: [{ Subnet: '172.19.1.0/24' }] } })).rejects.toThrow('Pool overlaps with other one on this address space (app: 172.19.0.0/16)');
    await expect(net.create({ Name: 'host' })).rejects.toThrow('pre-defined network and cannot be created');
    await expect(net.create({ Name: 'c', Driver: 'overlay' })).rejects.toThrow('plugin "overlay" not found');
    await expect(net.remove('bridge')).rejects.toThrow('bridge is a pre-defined network and cannot be removed');
    expect(net.list({ type: ['custom'] }).map((n) => n.Name)).toEqual(['app']);
    expect(await net.prune()).toEqual(['app']);
    expect(() => net.find('app')).toThrow('network app not found');
    expect(events.filter((e) => e.type === 'network.create' || e.type === 'network.remove').map((e) => e.type)).toEqual(['network.create', 'network.remove']);
  });

  it('gives a container an address at create, a veth at start (its far end eth0 in the init\'s namespace), and takes the address back on rm', async () => {
    const rec = { id: 'a'.repeat(64), name: 'web', hostConfig: {}, config: { Hostname: 'aaaaaaaaaaaa', ExposedPorts: {} } };
    const made = net.endpoints.attachAtCreate(rec.id, rec.name, 'aaaaaaaaaaaa', {}, undefined);
    expect(made.net.mode).toBe('networks');
    expect(made.net.endpoints.bridge).toMatchObject({ IPAddress: '172.18.0.2', IPPrefixLen: 16, Gateway: '172.18.0.1', MacAddress: '02:42:ac:12:00:02', ifname: 'eth0' });
    expect(made.hosts).toContain('172.18.0.2\taaaaaaaaaaaa\n');
    expect(made.events.map((e) => e.type)).toEqual(['network.ip', 'network.connect', 'runtime.step']);
    fs.mkdirSync(store.dir(rec.id));
    fs.writeFileSync(path.join(store.dir(rec.id), 'config.json'), JSON.stringify(rec));
    fs.writeFileSync(path.join(store.dir(rec.id), 'network.json'), JSON.stringify(made.net));
    fs.writeFileSync(path.join(store.dir(rec.id), 'hosts'), made.hosts);
    const start = await net.endpoints.prepareStart(rec as never, 4242);
    expect(start.plan).toEqual({ mode: 'bridge', interfaces: [{ ifname: 'eth0', address: '172.18.0.2', prefixLength: 16 }], gateway: '172.18.0.1' });
    expect(calls).toEqual(['bridge skiff0 172.18.0.1/16', 'veth vethX skiff0 eth0@4242 02:42:ac:12:00:02']);
    // The init then configures eth0 from inside: address, up, the default route.
    const sys = recordingSyscalls();
    await runSteps(planRootfs({ rootfsDir: '/r', rootfsMounts: [], hostname: 'h', files: { hosts: '/h', hostname: '/hn', resolvConf: '/rc' }, volumes: [], cgroup: { version: 1, dirs: [] }, network: start.plan }).filter((s) => s.do.startsWith('net-') || s.do === 'loopback-up'), { sys, report: () => {}, copyTree: async () => {} });
    expect(sys.calls).toEqual([['loopbackUp'], ['setIpv4Address', 'eth0', '172.18.0.2', 16], ['linkUp', 'eth0'], ['addDefaultRoute', '172.18.0.1']]);
    net.endpoints.release(rec.id);
    expect(net.pool.leases(net.inspect('bridge').Id).size).toBe(0);
    // (create's own events are emitted by the container service once the container exists)
    expect(events.filter((e) => e.type === 'network.ip').map((e) => e.type === 'network.ip' && e.action)).toEqual(['released']);
  });

  it('checks network modes and links at create', () => {
    expect(() => net.endpoints.resolveMode({ NetworkMode: 'nosuch' })).toThrow('network nosuch not found');
    expect(net.endpoints.resolveMode({ NetworkMode: 'container:db' })).toEqual({ kind: 'container', target: 'db' });
    expect(() => net.endpoints.attachAtCreate('b'.repeat(64), 'x', 'h', { Links: ['nosuch:alias'] }, undefined)).toThrow('Could not get container for nosuch');
    expect(() => net.endpoints.attachAtCreate('b'.repeat(64), 'x', 'h', { NetworkMode: 'host', PortBindings: { '80/tcp': [{ HostPort: '80' }] } }, undefined)).toThrow('port publishing and the host network mode');
    expect(() => net.endpoints.attachAtCreate('b'.repeat(64), 'x', 'h', { NetworkMode: 'container:nosuch' }, undefined)).toThrow('No such container: nosuch');
  });
});
