// The Network diagram at 80 columns, from a recorded session (scripts/record-network-events.ts):
// the default bridge with db and web (linked as dbapp, port 8080 published), a user network `app`.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { Network } from '../../../src/visualize/Network.tsx';
import { emptyNetwork, foldNetwork, networkFromApi, networkRows, reduceNetwork } from '../../../src/visualize/model/network.ts';
import { DRAWING, events, widest } from './fixtures.ts';

const all = events('network');
const until = (pred: (e: (typeof all)[number]) => boolean) => foldNetwork(all.slice(0, all.findIndex(pred) + 1));
const frame = (el: React.ReactElement) => render(el).lastFrame() ?? '';
const idOf = (name: string): string => {
  const e = all.find((x) => x.type === 'container.create' && x.name === name);
  return e?.type === 'container.create' ? e.id : '';
};
const ipOf = (name: string, net: string) => {
  const id = idOf(name);
  const e = all.find((x) => x.type === 'network.ip' && x.id === id && x.network === net);
  return e?.type === 'network.ip' ? e.address : '';
};

describe('the network model', () => {
  it('folds bridges, addresses, veth pairs, links, ports and NAT rules from the events', () => {
    // While web runs: its port is published and its link recorded.
    const web = idOf('web');
    const m = until((e) => e.type === 'runtime.process' && e.id === web);
    expect(m.networks.bridge).toMatchObject({ bridge: 'skiff0', subnet: '172.18.0.0/16', gateway: '172.18.0.1', up: true });
    expect(m.containers[web]!.attachments[0]).toMatchObject({ network: 'bridge', address: ipOf('web', 'bridge'), containerIf: 'eth0', hostIf: expect.stringMatching(/^veth/) });
    expect(m.links).toEqual([{ from: web, to: expect.any(String), alias: 'dbapp', name: 'db' }]);
    expect(m.ports).toEqual([{ id: web, proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, dnat: true }]);
    expect(m.nat.rules).toContain('-A SKIFF-POSTROUTING -s 172.18.0.0/16 ! -o skiff0 -j MASQUERADE');
    expect(m.nat.rules.some((r) => r.includes('--dport 8080'))).toBe(true);
    // After it exits the port is gone, and its DNAT rule with it.
    const later = until((e) => e.type === 'network.connect' && e.network === 'app');
    expect(later.ports).toEqual([]);
    expect(later.nat.rules.some((r) => r.includes('--dport 8080'))).toBe(false);
    // At the end everything went: containers removed, bridges down, rules gone.
    const end = foldNetwork(all);
    expect(networkRows(end).every((r) => r.containers.length === 0)).toBe(true);
    expect(end.networks.bridge!.up).toBe(false);
    expect(end.networks.app!.removed).toBe(true);
    expect(end.nat.rules).toEqual([]);
  });

  it('is built from the API as well: network inspect and ps', () => {
    const m = networkFromApi([
      { Name: 'bridge', Id: 'b'.repeat(64), Driver: 'bridge', IPAM: { Config: [{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }] }, Options: { 'com.docker.network.bridge.name': 'skiff0' }, Containers: { ['c'.repeat(64)]: { Name: 'db', IPv4Address: '172.18.0.2/16', MacAddress: '02:42:ac:12:00:02' } } },
      { Name: 'host', Id: 'h'.repeat(64), Driver: 'host', IPAM: { Config: [] }, Options: {}, Containers: {} },
    ], [{ Id: 'c'.repeat(64), Names: ['/db'], State: 'running', Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }] }]);
    expect(Object.keys(m.networks)).toEqual(['bridge']);
    const rows = networkRows(m);
    expect(rows[0]!.containers[0]).toMatchObject({ name: 'db', running: true, attachment: { address: '172.18.0.2', prefixLength: 16 }, ports: [{ hostPort: 8080, containerPort: 80 }] });
    expect(reduceNetwork(emptyNetwork, { type: 'container.start', id: 'x' }).containers.x!.running).toBe(true);
  });
});

describe('Network', () => {
  const web = idOf('web');
  const live = until((e) => e.type === 'runtime.process' && e.id === web);

  it('draws each bridge with its containers, veth pairs, links, ports and the NAT rules', () => {
    const f = frame(<Network model={live} width={80} plain={false} />);
    expect(widest(f)).toBeLessThanOrEqual(80);
    expect(f).toMatch(/networks +2 bridges, 2 attachments/);
    expect(f).toMatch(/bridge +skiff0 +172\.18\.0\.0\/16 {2}gateway 172\.18\.0\.1/);
    expect(f).toMatch(new RegExp(`├─ db +${ipOf('db', 'bridge').replace(/\./g, '\\.')} +veth[0-9a-f]{7} ⇄ eth0`));
    expect(f).toMatch(new RegExp(`└─ web +${ipOf('web', 'bridge').replace(/\./g, '\\.')} +veth[0-9a-f]{7} ⇄ eth0`));
    expect(f).toContain('ports :8080→80/tcp  links dbapp → db');
    expect(f).toMatch(/app +br-[0-9a-f]{12} +172\.30\.0\.0\/24 {2}gateway 172\.30\.0\.1/);
    expect(f).toContain('Firewall rules (iptables)');
    expect(f).toContain('-A SKIFF-POSTROUTING -s 172.18.0.0/16 ! -o skiff0 -j MASQUERADE');
  });

  it('reads as plain sentences', () => {
    const f = frame(<Network model={live} width={80} plain />);
    expect(f).not.toMatch(DRAWING);
    const text = f.replace(/\s+/g, ' ');
    expect(text).toContain("Network bridge: bridge skiff0, subnet 172.18.0.0/16, the bridge's own address 172.18.0.1 is the containers' gateway.");
    expect(text).toContain(`web has ${ipOf('web', 'bridge')}/16; through the veth pair`);
    expect(text).toContain('it reaches db under the name dbapp; published: host port 8080 to its port 80/tcp.');
    expect(text).toContain('No container is attached.');
  });

  it('waits for a bridge without inventing one', () => {
    expect(frame(<Network model={emptyNetwork} width={80} plain={false} />)).toContain('no bridge network yet');
  });
});
