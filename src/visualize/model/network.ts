// The Network diagram's model: bridges with their subnets, the containers on them with their
// addresses and veth pairs, links between containers, published ports and the NAT rules — folded
// from the engine's network events, or built from the API's network and container listings when
// there are no events to fold (a daemon that was already running). Pure.
import type { EngineEvent } from '../../engine/events.ts';

export interface NetBridge {
  name: string;
  id?: string;
  bridge?: string;
  subnet?: string;
  gateway?: string;
  /** The interface exists (made, or found, and not removed since). */
  up: boolean;
  removed?: boolean;
}

export interface NetAttachment {
  network: string;
  address: string;
  prefixLength: number;
  hostIf?: string;
  containerIf?: string;
  mac?: string;
}

export interface NetContainer {
  id: string;
  name?: string;
  attachments: NetAttachment[];
  running: boolean;
  removed: boolean;
}

export interface NetLink {
  from: string;
  to: string;
  alias: string;
  name: string;
}

export interface NetPort {
  id: string;
  proto: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
  containerPort: number;
  dnat: boolean;
}

export interface NetworkModel {
  networks: Record<string, NetBridge>;
  containers: Record<string, NetContainer>;
  links: NetLink[];
  /** Published ports now listening. */
  ports: NetPort[];
  nat: { tool?: string; rules: string[] };
}

export const emptyNetwork: NetworkModel = { networks: {}, containers: {}, links: [], ports: [], nat: { rules: [] } };

function container(m: NetworkModel, id: string): NetContainer {
  return m.containers[id] ?? { id, attachments: [], running: false, removed: false };
}

function withContainer(m: NetworkModel, id: string, f: (c: NetContainer) => NetContainer): NetworkModel {
  return { ...m, containers: { ...m.containers, [id]: f(container(m, id)) } };
}

function withNetwork(m: NetworkModel, name: string, f: (n: NetBridge) => NetBridge): NetworkModel {
  return { ...m, networks: { ...m.networks, [name]: f(m.networks[name] ?? { name, up: false }) } };
}

export function reduceNetwork(m: NetworkModel, e: EngineEvent): NetworkModel {
  switch (e.type) {
    case 'container.create':
      return withContainer(m, e.id, (c) => ({ ...c, name: e.name }));
    case 'container.start':
      return withContainer(m, e.id, (c) => ({ ...c, running: true }));
    case 'runtime.process':
      return e.execId ? m : withContainer(m, e.id, (c) => ({ ...c, running: true }));
    case 'container.exit':
      return { ...withContainer(m, e.id, (c) => ({ ...c, running: false })), ports: m.ports.filter((p) => p.id !== e.id) };
    case 'container.destroy':
      return { ...withContainer(m, e.id, (c) => ({ ...c, removed: true, running: false, attachments: [] })), links: m.links.filter((l) => l.from !== e.id && l.to !== e.id) };
    case 'network.create':
      return withNetwork(m, e.network, (n) => ({ ...n, id: e.networkId, ...(e.bridge ? { bridge: e.bridge } : {}), ...(e.subnet ? { subnet: e.subnet } : {}), ...(e.gateway ? { gateway: e.gateway } : {}), removed: false }));
    case 'network.remove':
      return withNetwork(m, e.network, (n) => ({ ...n, removed: true, up: false }));
    case 'network.bridge': {
      const [gateway = '', prefix = ''] = e.address.split('/');
      return withNetwork(m, e.network, (n) => ({ ...n, bridge: e.bridge, gateway, subnet: n.subnet ?? subnetOf(gateway, Number(prefix)), up: e.action !== 'removed' }));
    }
    case 'network.ip': {
      const next = withNetwork(m, e.network, (n) => ({ ...n, subnet: e.subnet || n.subnet, gateway: e.gateway || n.gateway }));
      return withContainer(next, e.id, (c) => ({
        ...c,
        attachments: e.action === 'assigned'
          ? [...c.attachments.filter((a) => a.network !== e.network), { network: e.network, address: e.address, prefixLength: e.prefixLength }]
          : c.attachments.filter((a) => a.network !== e.network),
      }));
    }
    case 'network.veth':
      return withContainer(m, e.id, (c) => ({ ...c, attachments: c.attachments.map((a) => (a.network === e.network ? { ...a, hostIf: e.hostIf, containerIf: e.containerIf, mac: e.mac } : a)) }));
    case 'network.link':
      return { ...m, links: [...m.links.filter((l) => !(l.from === e.id && l.alias === e.alias)), { from: e.id, to: e.target, alias: e.alias, name: e.name }] };
    case 'network.port':
      if (e.action === 'stop') return { ...m, ports: m.ports.filter((p) => !(p.id === e.id && p.hostPort === e.hostPort && p.proto === e.proto)) };
      return { ...m, ports: [...m.ports, { id: e.id, proto: e.proto, hostIp: e.hostIp, hostPort: e.hostPort, containerPort: e.containerPort, dnat: e.dnat }] };
    case 'network.nat': {
      if (e.forwarding) return m;
      const rules = e.action === 'add' ? [...m.nat.rules.filter((r) => !e.rules.includes(r)), ...e.rules] : m.nat.rules.filter((r) => !e.rules.includes(r));
      return { ...m, nat: { tool: e.tool, rules } };
    }
    default:
      return m;
  }
}

export function foldNetwork(events: readonly EngineEvent[]): NetworkModel {
  return events.reduce(reduceNetwork, emptyNetwork);
}

function subnetOf(gateway: string, prefix: number): string | undefined {
  const parts = gateway.split('.').map(Number);
  if (parts.length !== 4 || !Number.isInteger(prefix)) return undefined;
  const n = parts.reduce((a, p) => ((a << 8) | p) >>> 0, 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const base = (n & mask) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (base >>> s) & 0xff).join('.')}/${prefix}`;
}

/** The shapes of `GET /networks` and `GET /containers/json` the model can be built from. */
export interface NetworkListing {
  Name: string;
  Id: string;
  Driver: string;
  IPAM: { Config: { Subnet?: string; Gateway?: string }[] };
  Options: Record<string, string>;
  Containers: Record<string, { Name: string; IPv4Address: string; MacAddress: string }>;
}

export interface ContainerListing {
  Id: string;
  Names: string[];
  State: string;
  Ports: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
}

/** The current state from the API (no events needed): what `network ls`/`inspect` and `ps` say. */
export function networkFromApi(networks: readonly NetworkListing[], containers: readonly ContainerListing[] = []): NetworkModel {
  const m: NetworkModel = { networks: {}, containers: {}, links: [], ports: [], nat: { rules: [] } };
  for (const n of networks) {
    if (n.Driver !== 'bridge') continue;
    const cfg = n.IPAM.Config[0];
    const bridge = n.Options['com.docker.network.bridge.name'] ?? (n.Name === 'bridge' ? undefined : `br-${n.Id.slice(0, 12)}`);
    m.networks[n.Name] = { name: n.Name, id: n.Id, up: true, ...(bridge ? { bridge } : {}), ...(cfg?.Subnet ? { subnet: cfg.Subnet } : {}), ...(cfg?.Gateway ? { gateway: cfg.Gateway } : {}) };
    for (const [id, c] of Object.entries(n.Containers)) {
      const [address = '', prefix = '0'] = c.IPv4Address.split('/');
      const prev = m.containers[id] ?? { id, name: c.Name, attachments: [], running: false, removed: false };
      m.containers[id] = { ...prev, attachments: [...prev.attachments, { network: n.Name, address, prefixLength: Number(prefix), ...(c.MacAddress ? { mac: c.MacAddress } : {}) }] };
    }
  }
  for (const c of containers) {
    const known = m.containers[c.Id];
    if (known) m.containers[c.Id] = { ...known, running: c.State === 'running', name: known.name ?? c.Names[0]?.replace(/^\//, '') };
    for (const p of c.Ports) if (p.PublicPort) m.ports.push({ id: c.Id, proto: p.Type === 'udp' ? 'udp' : 'tcp', hostIp: p.IP ?? '0.0.0.0', hostPort: p.PublicPort, containerPort: p.PrivatePort, dnat: false });
  }
  return m;
}

export interface NetworkRow {
  network: NetBridge;
  containers: (NetContainer & { attachment: NetAttachment; ports: NetPort[]; links: NetLink[] })[];
}

/** What the diagram draws: each network that is there, with the containers attached to it. */
export function networkRows(m: NetworkModel): NetworkRow[] {
  return Object.values(m.networks)
    .filter((n) => !n.removed)
    .sort((a, b) => (a.name === 'bridge' ? -1 : b.name === 'bridge' ? 1 : a.name.localeCompare(b.name)))
    .map((network) => ({
      network,
      containers: Object.values(m.containers)
        .filter((c) => !c.removed)
        .flatMap((c) => {
          const attachment = c.attachments.find((a) => a.network === network.name);
          return attachment ? [{ ...c, attachment, ports: m.ports.filter((p) => p.id === c.id), links: m.links.filter((l) => l.from === c.id) }] : [];
        })
        .sort((a, b) => compareIp(a.attachment.address, b.attachment.address)),
    }));
}

function compareIp(a: string, b: string): number {
  const n = (s: string) => s.split('.').reduce((x, p) => x * 256 + Number(p), 0);
  return n(a) - n(b);
}

/** A container's name (or short ID) for the diagram. */
export function containerLabel(m: NetworkModel, id: string): string {
  return m.containers[id]?.name ?? id.slice(0, 12);
}
