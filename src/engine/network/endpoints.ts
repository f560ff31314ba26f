// The container side of networking: what `create` allocates (an address from the pool of each
// network the container joins), what `start` sets up (veth pairs into the container's namespace,
// links, /etc/hosts, then published ports), what the end of the process releases (ports) and what
// `rm` gives back (the addresses). A container's attachments live in its directory:
//   <dataRoot>/containers/<id>/network.json   mode, endpoints by network name, ports bound now
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { macForIp } from '../../kernel/net.ts';
import type { ContainerRecord, ContainerStore, StateFile } from '../containers/store.ts';
import type { HostConfig } from '../containers/types.ts';
import { SkiffError } from '../errors.ts';
import type { EngineEvent, EventBus } from '../events.ts';
import type { NetworkPlan } from '../runtime/plan.ts';
import type { HostNetwork } from './host.ts';
import { type HostsEntry, hostsFile, writeInPlace } from './hosts.ts';
import type { AddressPool } from './ipam.ts';
import { linkEnv, linkEntry, parseLink } from './links.ts';
import type { Plumbing, Publication } from './plumbing.ts';
import { type PortMap, wantedBindings } from './ports.ts';
import type { NetworkService } from './service.ts';
import type { NetworkStore } from './store.ts';
import { parseSubnet } from './subnet.ts';
import type { ContainerNetwork, Endpoint, NetworkRecord, NetworkSettings } from './types.ts';

export interface EndpointsDeps {
  store: NetworkStore;
  pool: AddressPool;
  plumbing: Plumbing;
  host: () => HostNetwork;
  events: EventBus;
  containers: ContainerStore;
  service: NetworkService;
}

/** NetworkingConfig of POST /containers/create (the part Skiff reads). */
export interface NetworkingConfig {
  EndpointsConfig?: Record<string, { IPAMConfig?: { IPv4Address?: string } | null; Aliases?: string[] | null } | null> | null;
}

export type ResolvedMode = { kind: 'none' } | { kind: 'host' } | { kind: 'container'; target: string } | { kind: 'network'; net: NetworkRecord };

export interface StartNetwork {
  plan: NetworkPlan;
  /** What the engine did for the "network interface on a bridge" step (the runner adds the init's part). */
  step: { ms: number; detail: string; skipped?: boolean };
  /** Link variables for the process's environment. */
  env: string[];
  /** --network container:NAME: that container's hosts and resolv.conf are bound instead of ours. */
  files?: { hosts: string; resolvConf: string };
}

const isBridgeNet = (n: NetworkRecord) => n.Driver === 'bridge';

export class Endpoints {
  constructor(private readonly d: EndpointsDeps) {}

  private file(id: string): string {
    return path.join(this.d.containers.dir(id), 'network.json');
  }

  read(id: string): ContainerNetwork | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.file(id), 'utf8')) as ContainerNetwork;
    } catch {
      return undefined;
    }
  }

  private write(id: string, net: ContainerNetwork): void {
    if (!fs.existsSync(this.d.containers.dir(id))) return; // removed meanwhile
    const tmp = `${this.file(id)}.tmp-p${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(net));
    fs.renameSync(tmp, this.file(id));
  }

  private record(id: string): ContainerRecord | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.d.containers.dir(id), 'config.json'), 'utf8')) as ContainerRecord;
    } catch {
      return undefined;
    }
  }

  private running(id: string): StateFile | undefined {
    try {
      const sf = JSON.parse(fs.readFileSync(path.join(this.d.containers.dir(id), 'state.json'), 'utf8')) as StateFile;
      return sf.state.Status === 'running' ? sf : undefined;
    } catch {
      return undefined;
    }
  }

  /** The containers attached to a network, with their endpoints there. */
  members(networkId: string): { id: string; name: string; endpoint: Endpoint }[] {
    const out: { id: string; name: string; endpoint: Endpoint }[] = [];
    for (const id of this.d.containers.ids()) {
      const net = this.read(id);
      const ep = net && Object.values(net.endpoints).find((e) => e.NetworkID === networkId);
      if (!ep) continue;
      out.push({ id, name: this.record(id)?.name ?? id.slice(0, 12), endpoint: ep });
    }
    return out;
  }

  runningOn(networkId: string): boolean {
    return this.members(networkId).some((m) => this.running(m.id));
  }

  /** HostConfig.NetworkMode → what it means here (Docker's names: default, bridge, none, host, container:X, a network). */
  resolveMode(h: HostConfig): ResolvedMode {
    const mode = h.NetworkMode || 'default';
    if (mode === 'default') {
      const net = this.d.service.defaultNetwork();
      return net ? { kind: 'network', net } : { kind: 'none' };
    }
    if (mode === 'none') return { kind: 'none' };
    if (mode === 'host') return { kind: 'host' };
    if (mode.startsWith('container:')) {
      const target = mode.slice('container:'.length);
      if (!target) throw new SkiffError('USAGE', 'invalid network mode "container:": name the container', 'e.g. --network container:db');
      return { kind: 'container', target };
    }
    const net = this.d.service.find(mode);
    if (net.Driver === 'host') return { kind: 'host' };
    if (net.Driver === 'null') return { kind: 'none' };
    return { kind: 'network', net };
  }

  /**
   * At create: checks the network mode and links, and takes an address from the network's pool.
   * Returns the container's network.json, its /etc/hosts, the normalised links, and the events to
   * emit once the container exists. On a later failure, `release` gives the address back.
   */
  attachAtCreate(id: string, name: string, hostname: string, h: HostConfig, netConfig: NetworkingConfig | undefined): { net: ContainerNetwork; hosts: string; links: string[]; events: EngineEvent[] } {
    const mode = this.resolveMode(h);
    const events: EngineEvent[] = [];
    const links: string[] = [];
    for (const raw of h.Links ?? []) {
      const l = parseLink(raw);
      if (mode.kind !== 'network') throw new SkiffError('USAGE', 'links are only supported for containers on a bridge network', 'leave out --link, or --network');
      let target: string;
      try {
        target = this.d.containers.resolve(l.name);
      } catch {
        throw new SkiffError('CONTAINER_NOT_FOUND', `Could not get container for ${l.name}`, 'start the container to link to first: run -d --name db ...');
      }
      links.push(linkEntry(this.record(target)?.name ?? l.name, name, l.alias));
    }
    const endpoints = (netConfig?.EndpointsConfig && typeof netConfig.EndpointsConfig === 'object') ? Object.keys(netConfig.EndpointsConfig) : [];
    if (endpoints.length > 1) throw new SkiffError('USAGE', `Container cannot be connected to network endpoints: ${endpoints.join(', ')}`, 'connect it to one network at create, then use network connect');
    const net: ContainerNetwork = { mode: mode.kind === 'network' ? 'networks' : mode.kind, endpoints: {}, ports: {} };
    if (mode.kind === 'container') {
      let target: string;
      try {
        target = this.d.containers.resolve(mode.target);
      } catch {
        throw new SkiffError('CONTAINER_NOT_FOUND', `No such container: ${mode.target}`, 'the container whose network is shared must exist');
      }
      if (target === id) throw new SkiffError('USAGE', 'cannot join own network', 'name another container');
      net.joined = target;
    }
    if (h.PortBindings && Object.keys(h.PortBindings).length > 0 && mode.kind !== 'network') {
      throw new SkiffError('USAGE', `conflicting options: port publishing and the ${mode.kind} network mode`, mode.kind === 'host' ? 'with --network host the container uses the host\'s ports directly: leave out -p' : 'publish ports on a bridge network');
    }
    if (mode.kind === 'network') {
      const cfg = netConfig?.EndpointsConfig?.[mode.net.Name] ?? netConfig?.EndpointsConfig?.[h.NetworkMode ?? ''] ?? undefined;
      const t0 = performance.now();
      const ep = this.allocate(mode.net, id, 'eth0', cfg?.IPAMConfig?.IPv4Address || undefined, cfg?.Aliases ?? null);
      const ms = performance.now() - t0;
      net.endpoints[mode.net.Name] = ep;
      events.push(
        { type: 'network.ip', id, network: mode.net.Name, address: ep.IPAddress, prefixLength: ep.IPPrefixLen, subnet: mode.net.subnet!, gateway: ep.Gateway, action: 'assigned', ms },
        { type: 'network.connect', id, network: mode.net.Name, networkId: mode.net.Id, address: ep.IPAddress },
        { type: 'runtime.step', id, step: 'ip', ms, detail: `${ep.IPAddress}/${ep.IPPrefixLen} from ${mode.net.Name}'s pool ${mode.net.subnet}` },
      );
    } else {
      const why = mode.kind === 'none' ? '--network none: no address but loopback' : mode.kind === 'host' ? 'the host\'s network: its addresses are the host\'s' : `shares the addresses of ${mode.target}`;
      events.push({ type: 'runtime.step', id, step: 'ip', ms: 0, detail: why, skipped: true });
    }
    const own = Object.values(net.endpoints).map((e) => ({ ip: e.IPAddress, names: [hostname] }));
    const peers = this.peerEntries(id, net);
    return { net, hosts: hostsFile(own, peers), links, events };
  }

  private allocate(n: NetworkRecord, id: string, ifname: string, wanted: string | undefined, aliases: string[] | null): Endpoint {
    const subnet = parseSubnet(n.subnet!);
    if (wanted && !(/^[\d.]+$/.test(wanted))) throw new SkiffError('USAGE', `invalid IPv4 address: ${wanted}`, 'e.g. --ip 172.20.0.10');
    if (wanted && n.predefined) throw new SkiffError('USAGE', 'user specified IP address is supported on user defined networks only', 'create a network with network create --subnet, then run --network it --ip ...');
    const ip = this.d.pool.allocate(n.Id, subnet, n.gateway!, id, wanted);
    return {
      NetworkID: n.Id, EndpointID: randomBytes(32).toString('hex'), Gateway: n.gateway!, IPAddress: ip, IPPrefixLen: subnet.prefixLength,
      MacAddress: macForIp(ip), Aliases: aliases, Links: null, ifname,
    };
  }

  /** On a user-defined network everyone is found by name (the default bridge needs links for that). */
  private peerEntries(id: string, net: ContainerNetwork): HostsEntry[] {
    const out: HostsEntry[] = [];
    for (const ep of Object.values(net.endpoints)) {
      const n = this.d.store.tryFind(ep.NetworkID);
      if (!n || n.predefined) continue;
      for (const m of this.members(n.Id)) {
        if (m.id === id) continue;
        out.push({ ip: m.endpoint.IPAddress, names: [m.name, m.id.slice(0, 12), ...(m.endpoint.Aliases ?? [])] });
      }
    }
    return out;
  }

  /** /etc/hosts of a container as it should be now. */
  hostsOf(id: string): string | undefined {
    const rec = this.record(id);
    const net = this.read(id);
    if (!rec || !net || net.mode !== 'networks') return undefined;
    const own = Object.values(net.endpoints).map((e) => ({ ip: e.IPAddress, names: [rec.config.Hostname ?? id.slice(0, 12)] }));
    const links: HostsEntry[] = [];
    for (const l of rec.hostConfig.Links ?? []) {
      const target = this.linkTarget(l);
      if (target) links.push({ ip: target.ip, names: [target.alias, target.name] });
    }
    return hostsFile(own, [...links, ...this.peerEntries(id, net)]);
  }

  private linkTarget(entry: string): { id: string; name: string; alias: string; ip: string } | undefined {
    const l = parseLink(entry);
    let id: string;
    try {
      id = this.d.containers.resolve(l.name);
    } catch {
      return undefined;
    }
    const ep = Object.values(this.read(id)?.endpoints ?? {})[0];
    return ep ? { id, name: this.record(id)?.name ?? l.name, alias: l.alias, ip: ep.IPAddress } : undefined;
  }

  /** Rewrites the hosts files of everyone on the user-defined networks `id` is (or was) on. */
  refreshPeers(id: string, networkIds: string[]): void {
    const done = new Set<string>([id]);
    for (const nid of networkIds) {
      const n = this.d.store.tryFind(nid);
      if (!n || n.predefined) continue;
      for (const m of this.members(nid)) {
        if (done.has(m.id)) continue;
        done.add(m.id);
        const text = this.hostsOf(m.id);
        if (text) writeInPlace(path.join(this.d.containers.dir(m.id), 'hosts'), text);
      }
    }
  }

  /**
   * At start, with the container's init waiting in its fresh namespaces: each network's bridge
   * (made on first use), a veth pair per network with its far end already named eth0.. inside the
   * init's namespace, the links (which must be running), /etc/hosts as it is now.
   */
  async prepareStart(rec: ContainerRecord, initPid: number): Promise<StartNetwork> {
    const id = rec.id;
    const net = this.read(id) ?? { mode: rec.hostConfig.NetworkMode === 'host' ? 'host' : 'none', endpoints: {}, ports: {} };
    if (net.mode === 'none') return { plan: { mode: 'none' }, env: [], step: { ms: 0, detail: '--network none: a network namespace with only the loopback interface', skipped: true } };
    if (net.mode === 'host') return { plan: { mode: 'host', netns: `/proc/${process.pid}/ns/net` }, env: [], step: { ms: 0, detail: 'the host\'s network namespace, shared: no interface of its own', skipped: true } };
    if (net.mode === 'container') {
      const other = net.joined ? this.running(net.joined) : undefined;
      const otherName = net.joined ? this.record(net.joined)?.name ?? net.joined.slice(0, 12) : '?';
      if (!net.joined || !other?.run) throw new SkiffError('NOT_RUNNING', `cannot join the network of a non running container: ${otherName}`, `start ${otherName} first`);
      const dir = this.d.containers.dir(net.joined);
      return {
        plan: { mode: 'container', netns: `/proc/${other.run.hostPid}/ns/net` }, env: [], files: { hosts: path.join(dir, 'hosts'), resolvConf: path.join(dir, 'resolv.conf') },
        step: { ms: 0, detail: `joins the network namespace of ${otherName}: its interfaces and addresses`, skipped: true },
      };
    }

    // Links first: a link to a container that is not running is an error before anything is made.
    const env: string[] = [];
    const linkEvents: EngineEvent[] = [];
    for (const l of rec.hostConfig.Links ?? []) {
      const t = this.linkTarget(l);
      if (!t || !this.running(t.id)) throw new SkiffError('CONFLICT', `Cannot link to a non running container: /${parseLink(l).name} AS /${rec.name}/${parseLink(l).alias}`, `start ${parseLink(l).name} first`);
      const target = this.record(t.id)!;
      const vars = linkEnv(rec.name, t.alias, { name: t.name, ip: t.ip, exposedPorts: Object.keys(target.config.ExposedPorts ?? {}), env: target.config.Env ?? [] });
      env.push(...vars);
      linkEvents.push({ type: 'network.link', id, target: t.id, name: t.name, alias: t.alias, address: t.ip, env: vars.length });
    }

    const t0 = performance.now();
    const interfaces: { ifname: string; address: string; prefixLength: number }[] = [];
    const made: string[] = [];
    let gateway: string | undefined;
    try {
      for (const [name, ep] of Object.entries(net.endpoints).sort((a, b) => (a[1].ifname ?? '').localeCompare(b[1].ifname ?? ''))) {
        const n = this.d.store.tryFind(ep.NetworkID);
        if (!n || !isBridgeNet(n)) throw new SkiffError('NETWORK_NOT_FOUND', `network ${name} not found`, `disconnect the container from it: network disconnect ${name} ${rec.name}`);
        await this.d.plumbing.ensureBridge(n);
        const tv = performance.now();
        const hostIf = `veth${randomBytes(4).toString('hex').slice(0, 7)}`;
        this.d.host().addVeth({ hostIf, bridge: n.bridge!, peerName: ep.ifname ?? 'eth0', peerPid: initPid, peerMac: ep.MacAddress });
        made.push(hostIf);
        ep.hostIf = hostIf;
        this.d.events.emit({ type: 'network.veth', id, network: n.Name, bridge: n.bridge!, hostIf, containerIf: ep.ifname ?? 'eth0', mac: ep.MacAddress, ms: performance.now() - tv });
        interfaces.push({ ifname: ep.ifname ?? 'eth0', address: ep.IPAddress, prefixLength: ep.IPPrefixLen });
        gateway ??= ep.Gateway;
      }
    } catch (e) {
      for (const h of made) this.safeDelete(h);
      throw e;
    }
    this.write(id, net);
    for (const e of linkEvents) this.d.events.emit(e);
    const text = this.hostsOf(id);
    if (text) writeInPlace(path.join(this.d.containers.dir(id), 'hosts'), text);
    const first = Object.values(net.endpoints)[0];
    const firstNet = first ? this.d.store.tryFind(first.NetworkID) : undefined;
    const detail = first && firstNet ? `veth pair ${first.hostIf} on bridge ${firstNet.bridge} ⇄ ${first.ifname} inside${interfaces.length > 1 ? ` (and ${interfaces.length - 1} more network${interfaces.length > 2 ? 's' : ''})` : ''}` : 'no network attached';
    return { plan: { mode: 'bridge', interfaces, ...(gateway ? { gateway } : {}) }, env, step: { ms: performance.now() - t0, detail } };
  }

  private safeDelete(hostIf: string): void {
    try {
      this.d.host().deleteLink(hostIf);
    } catch {
      // it goes with the container's namespace anyway
    }
  }

  /** The start failed after prepareStart: the veth pairs go (with the init's namespace, too). */
  abortStart(id: string): void {
    for (const ep of Object.values(this.read(id)?.endpoints ?? {})) if (ep.hostIf) this.safeDelete(ep.hostIf);
  }

  /** The command runs: its ports are published (proxies, DNAT); a failure here is the start's. */
  async started(rec: ContainerRecord): Promise<void> {
    const net = this.read(rec.id);
    if (!net || net.mode !== 'networks') return;
    const first = Object.values(net.endpoints)[0];
    const n = first && this.d.store.tryFind(first.NetworkID);
    const wanted = wantedBindings(rec.hostConfig.PortBindings ?? undefined, rec.config.ExposedPorts, rec.hostConfig.PublishAllPorts === true);
    if (!first || !n || wanted.length === 0) return;
    const pubs: Publication[] = wanted.map((w) => ({ proto: w.proto, hostIp: w.hostIp, hostPort: w.hostPort, containerIp: first.IPAddress, containerPort: w.port, bridge: n.bridge! }));
    net.ports = await this.d.plumbing.publish(rec.id, pubs);
    this.write(rec.id, net);
  }

  /** The main process ended: its ports are released (its veth went with its namespace). */
  async stopped(id: string): Promise<void> {
    await this.d.plumbing.unpublish(id);
    const net = this.read(id);
    if (net && (Object.keys(net.ports).length > 0 || Object.values(net.endpoints).some((e) => e.hostIf))) {
      net.ports = {};
      for (const ep of Object.values(net.endpoints)) delete ep.hostIf;
      this.write(id, net);
    }
  }

  /** `rm`: every address back to its pool; the others on its networks forget it. */
  release(id: string): void {
    const net = this.read(id);
    if (!net) return;
    const ids: string[] = [];
    for (const [name, ep] of Object.entries(net.endpoints)) {
      ids.push(ep.NetworkID);
      if (this.d.pool.release(ep.NetworkID, ep.IPAddress, id)) {
        const n = this.d.store.tryFind(ep.NetworkID);
        this.d.events.emit({ type: 'network.ip', id, network: name, address: ep.IPAddress, prefixLength: ep.IPPrefixLen, subnet: n?.subnet ?? '', gateway: ep.Gateway, action: 'released' });
        this.d.events.emit({ type: 'network.disconnect', id, network: name, networkId: ep.NetworkID, address: ep.IPAddress });
      }
    }
    this.write(id, { ...net, endpoints: {}, ports: {} });
    this.refreshPeers(id, ids);
  }

  /** The addresses a failed create took, given back (the container never existed). */
  releaseUnborn(id: string, net: ContainerNetwork): void {
    for (const ep of Object.values(net.endpoints)) this.d.pool.release(ep.NetworkID, ep.IPAddress, id);
  }

  /** `network connect`: an address now; an interface now too when the container runs. */
  async connect(n: NetworkRecord, containerInput: string, cfg: { IPAMConfig?: { IPv4Address?: string } | null; Aliases?: string[] | null } = {}): Promise<void> {
    const id = this.d.containers.resolve(containerInput);
    const rec = this.record(id);
    const net = this.read(id) ?? { mode: 'none' as const, endpoints: {}, ports: {} };
    if (!rec) throw new SkiffError('CONTAINER_NOT_FOUND', `No such container: ${containerInput}`);
    if (!isBridgeNet(n)) throw new SkiffError('USAGE', `container cannot be connected to the ${n.Name} network`, 'connect it to a bridge network');
    if (net.mode !== 'networks') throw new SkiffError('USAGE', `container cannot be connected to multiple networks with one of the networks in ${net.mode} mode`, 'only containers on bridge networks can join more networks');
    if (Object.values(net.endpoints).some((e) => e.NetworkID === n.Id)) throw new SkiffError('CONFLICT', `endpoint with name ${rec.name} already exists in network ${n.Name}`, 'it is connected already');
    const used = new Set(Object.values(net.endpoints).map((e) => e.ifname));
    let k = 0;
    while (used.has(`eth${k}`)) k++;
    const ep = this.allocate(n, id, `eth${k}`, cfg.IPAMConfig?.IPv4Address || undefined, cfg.Aliases ?? null);
    const sf = this.running(id);
    try {
      if (sf?.run) {
        await this.d.plumbing.ensureBridge(n);
        const hostIf = `veth${randomBytes(4).toString('hex').slice(0, 7)}`;
        this.d.host().addVeth({ hostIf, bridge: n.bridge!, peerName: ep.ifname!, peerPid: sf.run.hostPid, peerMac: ep.MacAddress });
        ep.hostIf = hostIf;
        await this.d.host().configureInside(sf.run.hostPid, ep.ifname!, ep.IPAddress, ep.IPPrefixLen).catch((e: unknown) => {
          this.safeDelete(hostIf);
          throw e;
        });
      }
    } catch (e) {
      this.d.pool.release(n.Id, ep.IPAddress, id);
      throw e;
    }
    net.endpoints[n.Name] = ep;
    this.write(id, net);
    this.d.events.emit({ type: 'network.ip', id, network: n.Name, address: ep.IPAddress, prefixLength: ep.IPPrefixLen, subnet: n.subnet!, gateway: ep.Gateway, action: 'assigned' });
    this.d.events.emit({ type: 'network.connect', id, network: n.Name, networkId: n.Id, address: ep.IPAddress });
    if (ep.hostIf) this.d.events.emit({ type: 'network.veth', id, network: n.Name, bridge: n.bridge!, hostIf: ep.hostIf, containerIf: ep.ifname!, mac: ep.MacAddress, ms: 0 });
    const text = this.hostsOf(id);
    if (text) writeInPlace(path.join(this.d.containers.dir(id), 'hosts'), text);
    this.refreshPeers(id, [n.Id]);
  }

  /** `network disconnect`: the interface goes (when running), the address back to the pool. */
  async disconnect(n: NetworkRecord, containerInput: string): Promise<void> {
    const id = this.d.containers.resolve(containerInput);
    const net = this.read(id);
    const entry = net && Object.entries(net.endpoints).find(([, e]) => e.NetworkID === n.Id);
    if (!net || !entry) throw new SkiffError('CONFLICT', `container ${containerInput} is not connected to network ${n.Name}`, 'see its networks with: inspect');
    const [name, ep] = entry;
    if (ep.hostIf && this.running(id)) this.safeDelete(ep.hostIf);
    delete net.endpoints[name];
    this.write(id, net);
    this.d.pool.release(n.Id, ep.IPAddress, id);
    this.d.events.emit({ type: 'network.ip', id, network: n.Name, address: ep.IPAddress, prefixLength: ep.IPPrefixLen, subnet: n.subnet ?? '', gateway: ep.Gateway, action: 'released' });
    this.d.events.emit({ type: 'network.disconnect', id, network: n.Name, networkId: n.Id, address: ep.IPAddress });
    const text = this.hostsOf(id);
    if (text) writeInPlace(path.join(this.d.containers.dir(id), 'hosts'), text);
    this.refreshPeers(id, [n.Id]);
  }

  /** NetworkSettings of `inspect` (Docker fills the top-level address fields from the default bridge only). */
  settings(id: string, rec: ContainerRecord, sf: StateFile): NetworkSettings {
    const net = this.read(id);
    const running = sf.state.Status === 'running';
    const main = net?.endpoints.bridge && this.d.store.tryFind(net.endpoints.bridge.NetworkID)?.predefined ? net.endpoints.bridge : undefined;
    const ports: PortMap = {};
    if (running) {
      for (const k of Object.keys(rec.config.ExposedPorts ?? {})) ports[k] = null;
      Object.assign(ports, net?.ports ?? {});
    }
    const endpoints: Record<string, Endpoint> = {};
    for (const [k, e] of Object.entries(net?.endpoints ?? {})) endpoints[k] = publicEndpoint(e);
    if (net?.mode === 'host' || net?.mode === 'none') endpoints[net.mode] = emptyEndpoint(this.d.store.tryFind(net.mode)?.Id ?? '');
    return {
      Bridge: '', SandboxID: '', HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0, Ports: ports,
      SandboxKey: running && sf.run ? `/proc/${sf.run.hostPid}/ns/net` : '', SecondaryIPAddresses: null, SecondaryIPv6Addresses: null,
      EndpointID: main?.EndpointID ?? '', Gateway: main?.Gateway ?? '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
      IPAddress: main?.IPAddress ?? '', IPPrefixLen: main?.IPPrefixLen ?? 0, IPv6Gateway: '', MacAddress: main?.MacAddress ?? '', Networks: endpoints,
    };
  }

  /** What `ps` shows: the networks and the ports (bound ones while it runs, exposed ones always). */
  summary(id: string, rec: ContainerRecord, running: boolean): { networks: Record<string, Endpoint>; ports: PortMap } {
    const net = this.read(id);
    const ports: PortMap = {};
    for (const k of Object.keys(rec.config.ExposedPorts ?? {})) ports[k] = null;
    if (running) Object.assign(ports, net?.ports ?? {});
    const networks: Record<string, Endpoint> = {};
    for (const [k, e] of Object.entries(net?.endpoints ?? {})) networks[k] = publicEndpoint(e);
    return { networks, ports };
  }

  /**
   * An engine starts: the bridges of running containers come up again with their NAT, and their
   * ports are published again on the same host ports (the containers outlived the last engine).
   */
  async restore(): Promise<void> {
    for (const id of this.d.containers.ids()) {
      const sf = this.running(id);
      const net = sf && this.read(id);
      if (!net || net.mode !== 'networks') continue;
      for (const ep of Object.values(net.endpoints)) {
        const n = this.d.store.tryFind(ep.NetworkID);
        if (n && isBridgeNet(n)) await this.d.plumbing.ensureBridge(n).catch(() => {});
      }
      const first = Object.values(net.endpoints)[0];
      const n = first && this.d.store.tryFind(first.NetworkID);
      if (!first || !n || Object.keys(net.ports).length === 0 || this.d.plumbing.publishing(id)) continue;
      const pubs: Publication[] = [];
      for (const [key, list] of Object.entries(net.ports)) {
        const [port, proto] = key.split('/');
        for (const b of list ?? []) pubs.push({ proto: proto === 'udp' ? 'udp' : 'tcp', hostIp: b.HostIp === '0.0.0.0' ? '' : b.HostIp, hostPort: b.HostPort, containerIp: first.IPAddress, containerPort: Number(port), bridge: n.bridge! });
      }
      // Another engine of this data root may still hold them: then they stay with it.
      await this.d.plumbing.publish(id, pubs).catch(() => {});
    }
  }
}

/** An endpoint as the API shows it (without Skiff's interface names). */
function publicEndpoint(e: Endpoint): Endpoint {
  const { ifname: _ifname, hostIf: _hostIf, ...rest } = e;
  return rest;
}

function emptyEndpoint(networkId: string): Endpoint {
  return { NetworkID: networkId, EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, MacAddress: '', Aliases: null, Links: null };
}
