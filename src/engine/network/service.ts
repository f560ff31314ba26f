// Networks, Docker's way: the predefined `bridge` (the default, on the skiff0 interface), `host`
// and `none`, and user-defined bridge networks whose containers find each other by name. The API
// side (create, ls, inspect, rm, prune, connect, disconnect) answers in the Engine API's shapes;
// the container side (endpoints.ts) gives containers their addresses, interfaces and ports.
import type { ContainerStore } from '../containers/store.ts';
import { SkiffError } from '../errors.ts';
import type { EngineEvent, EventBus } from '../events.ts';
import { Endpoints } from './endpoints.ts';
import type { FirewallTool } from './firewall.ts';
import { type HostNetwork, kernelHostNetwork } from './host.ts';
import { AddressPool } from './ipam.ts';
import { Plumbing } from './plumbing.ts';
import { NetworkStore } from './store.ts';
import { contains, defaultGateway, formatSubnet, ipToInt, maskOf, overlaps, parseSubnet, pickSubnet } from './subnet.ts';
import type { NetworkCreateRequest, NetworkRecord, NetworkResource } from './types.ts';

export const DEFAULT_BRIDGE = 'skiff0';
/** Not docker0's 172.17.0.0/16, so Skiff and Docker can live on one host. */
export const DEFAULT_SUBNET = '172.18.0.0/16';

export interface NetworkOptions {
  /** The default bridge's interface, or "none" for no default bridge (dockerd --bridge=none):
   *  containers then get --network none unless they ask for a network. Env SKIFF_BRIDGE. */
  bridge?: string;
  /** The default bridge's subnet (env SKIFF_BRIDGE_SUBNET). */
  subnet?: string;
  /** Tests: a fake host side and firewall tool. */
  host?: () => HostNetwork;
  firewallTool?: () => FirewallTool | undefined;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class NetworkService {
  readonly store: NetworkStore;
  readonly pool: AddressPool;
  readonly plumbing: Plumbing;
  readonly endpoints: Endpoints;
  /** The default bridge's interface; undefined when switched off. */
  readonly defaultBridge: string | undefined;
  private readonly host: () => HostNetwork;

  constructor(
    dataRoot: string,
    private readonly events: EventBus,
    containers: ContainerStore,
    opts: NetworkOptions = {},
  ) {
    this.store = new NetworkStore(dataRoot);
    this.pool = new AddressPool(`${this.store.root}/ipam`);
    let kernel: HostNetwork | undefined;
    this.host = opts.host ?? (() => (kernel ??= kernelHostNetwork()));
    this.plumbing = new Plumbing(this.host, events, this.store.root, opts.firewallTool);
    const bridge = opts.bridge ?? process.env.SKIFF_BRIDGE ?? DEFAULT_BRIDGE;
    this.defaultBridge = bridge === 'none' || bridge === '' ? undefined : bridge;
    if (this.defaultBridge && !/^[a-zA-Z0-9_.-]{1,15}$/.test(this.defaultBridge)) throw new SkiffError('USAGE', `invalid bridge name ${this.defaultBridge}`, 'at most 15 letters, digits, dots, dashes and underscores');
    this.ensurePredefined(opts.subnet ?? process.env.SKIFF_BRIDGE_SUBNET ?? DEFAULT_SUBNET);
    this.endpoints = new Endpoints({ store: this.store, pool: this.pool, plumbing: this.plumbing, host: this.host, events, containers, service: this });
  }

  /** bridge, host and none exist in every data root (their IDs made once, then kept). */
  private ensurePredefined(subnet: string): void {
    const all = this.store.all();
    const want: Omit<NetworkRecord, 'Id' | 'Created'>[] = [
      { Name: 'host', Driver: 'host', Internal: false, Attachable: false, Labels: {}, Options: {}, predefined: true },
      { Name: 'none', Driver: 'null', Internal: false, Attachable: false, Labels: {}, Options: {}, predefined: true },
    ];
    if (this.defaultBridge) {
      // dockerd's --bip is the bridge's own address with the prefix (172.18.0.1/16); a plain subnet works too.
      const [addr = '', len = ''] = subnet.split('/');
      const base = formatSubnet({ base: (ipToInt(addr) & maskOf(Number(len))) >>> 0, prefixLength: Number(len) });
      const s = formatSubnet(parseSubnet(base));
      const gateway = addr === s.split('/')[0] ? defaultGateway(parseSubnet(s)) : addr;
      want.push({
        Name: 'bridge', Driver: 'bridge', Internal: false, Attachable: false, Labels: {}, predefined: true, subnet: s, gateway, bridge: this.defaultBridge,
        Options: { 'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.name': this.defaultBridge, 'com.docker.network.bridge.enable_ip_masquerade': 'true' },
      });
    }
    for (const w of want) {
      const have = all.find((n) => n.Name === w.Name && n.predefined);
      if (have && have.subnet === w.subnet && have.gateway === w.gateway && have.bridge === w.bridge) continue;
      const rec: NetworkRecord = { ...w, Id: have?.Id ?? NetworkStore.newId(), Created: have?.Created ?? new Date().toISOString() };
      // Written at once: every later lookup needs them.
      this.store.saveSync(rec);
      if (!have) this.store.reserveName(rec);
    }
  }

  /** Networks a user can see: the default bridge only when it is switched on. */
  all(): NetworkRecord[] {
    return this.store.all().filter((n) => !(n.predefined && n.Name === 'bridge' && !this.defaultBridge));
  }

  find(input: string): NetworkRecord {
    const n = this.store.find(input);
    if (n.predefined && n.Name === 'bridge' && !this.defaultBridge) throw new SkiffError('NETWORK_NOT_FOUND', 'network bridge not found', 'the default bridge is switched off (--bridge none): create a network with network create');
    return n;
  }

  /** The default bridge network, when it is switched on. */
  defaultNetwork(): NetworkRecord | undefined {
    return this.defaultBridge ? this.find('bridge') : undefined;
  }

  // ---- the API ----

  async create(req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }> {
    const name = typeof req?.Name === 'string' ? req.Name : '';
    if (!name) throw new SkiffError('USAGE', 'network name is required', 'network create NAME');
    if (!NAME.test(name)) throw new SkiffError('USAGE', `invalid network name ${JSON.stringify(name)}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, 'e.g. network create backend');
    if (['bridge', 'host', 'none', 'default'].includes(name)) throw new SkiffError('USAGE', `${name} is a pre-defined network and cannot be created`, 'choose another name');
    const driver = req.Driver || 'bridge';
    if (driver !== 'bridge') throw new SkiffError('UNSUPPORTED', `plugin "${driver}" not found: Skiff makes bridge networks only`, 'leave out --driver');
    if (req.EnableIPv6) throw new SkiffError('UNSUPPORTED', 'IPv6 networks are not available in Skiff', 'leave out --ipv6');
    const configs = req.IPAM?.Config ?? [];
    if (configs.length > 1) throw new SkiffError('UNSUPPORTED', 'Skiff gives a network one IPv4 subnet', 'pass --subnet once');
    const taken = this.all().filter((n) => n.subnet).map((n) => parseSubnet(n.subnet!));
    const want = configs[0]?.Subnet ? parseSubnet(configs[0].Subnet) : pickSubnet(taken);
    const clash = this.all().find((n) => n.subnet && overlaps(parseSubnet(n.subnet), want));
    if (clash) throw new SkiffError('CONFLICT', `invalid pool request: Pool overlaps with other one on this address space (${clash.Name}: ${clash.subnet})`, 'choose another --subnet');
    const gateway = configs[0]?.Gateway || defaultGateway(want);
    if (!contains(want, gateway)) throw new SkiffError('USAGE', `the gateway ${gateway} is not in the subnet ${formatSubnet(want)}`, 'leave out --gateway, or give an address inside the subnet');
    const id = NetworkStore.newId();
    const options = { ...(req.Options ?? {}) };
    const bridge = options['com.docker.network.bridge.name'] || `br-${id.slice(0, 12)}`;
    if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(bridge)) throw new SkiffError('USAGE', `invalid bridge name ${bridge}`, 'at most 15 characters');
    if (this.store.all().some((n) => n.bridge === bridge)) throw new SkiffError('CONFLICT', `the bridge interface ${bridge} is used by another network`, 'choose another com.docker.network.bridge.name');
    const rec: NetworkRecord = {
      Id: id, Name: name, Created: new Date().toISOString(), Driver: 'bridge', Internal: req.Internal === true, Attachable: req.Attachable === true,
      Labels: { ...(req.Labels ?? {}) }, Options: options, subnet: formatSubnet(want), gateway, bridge,
    };
    await this.store.create(rec);
    this.events.emit({ type: 'network.create', network: name, networkId: id, driver: 'bridge', subnet: rec.subnet!, gateway, bridge });
    return { Id: id, Warning: '' };
  }

  list(filters: Record<string, string[]> = {}): NetworkResource[] {
    for (const k of Object.keys(filters)) if (!['name', 'id', 'driver', 'type', 'label', 'dangling'].includes(k)) throw new SkiffError('USAGE', `invalid filter '${k}'`, 'filters: name, id, driver, type, label, dangling');
    return this.all().filter((n) => {
      const res = (k: string, ok: (v: string) => boolean) => !filters[k]?.length || filters[k]!.some(ok);
      return res('name', (v) => n.Name.includes(v)) && res('id', (v) => n.Id.startsWith(v)) && res('driver', (v) => n.Driver === v)
        && res('type', (v) => (v === 'builtin') === !!n.predefined)
        && res('label', (v) => {
          const [k, val] = v.split('=', 2);
          return n.Labels[k!] !== undefined && (val === undefined || n.Labels[k!] === val);
        })
        && res('dangling', (v) => (v === 'true' || v === '1') === (!n.predefined && this.endpoints.members(n.Id).length === 0));
    }).map((n) => this.resource(n));
  }

  inspect(input: string): NetworkResource {
    return this.resource(this.find(input));
  }

  resource(n: NetworkRecord): NetworkResource {
    const containers: NetworkResource['Containers'] = {};
    for (const m of this.endpoints.members(n.Id)) {
      containers[m.id] = { Name: m.name, EndpointID: m.endpoint.EndpointID, MacAddress: m.endpoint.MacAddress, IPv4Address: m.endpoint.IPAddress ? `${m.endpoint.IPAddress}/${m.endpoint.IPPrefixLen}` : '', IPv6Address: '' };
    }
    return {
      Name: n.Name, Id: n.Id, Created: n.Created, Scope: 'local', Driver: n.Driver, EnableIPv6: false,
      IPAM: { Driver: 'default', Options: n.predefined ? null : {}, Config: n.subnet ? [{ Subnet: n.subnet, Gateway: n.gateway! }] : [] },
      Internal: n.Internal, Attachable: n.Attachable, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false,
      Containers: containers, Options: n.Options, Labels: n.Labels,
    };
  }

  async remove(input: string): Promise<void> {
    const n = this.find(input);
    if (n.predefined) throw new SkiffError('USAGE', `${n.Name} is a pre-defined network and cannot be removed`, 'only networks made with network create can be removed');
    const members = this.endpoints.members(n.Id);
    if (members.length > 0) throw new SkiffError('CONFLICT', `error while removing network: network ${n.Name} id ${n.Id} has active endpoints (${members.map((m) => m.name).join(', ')})`, `disconnect or remove those containers first: network disconnect ${n.Name} ${members[0]!.name}`);
    await this.plumbing.dropBridge(n).catch(() => {});
    this.store.remove(n);
    this.pool.drop(n.Id);
    this.events.emit({ type: 'network.remove', network: n.Name, networkId: n.Id, driver: n.Driver });
  }

  /** Removes every user-defined network no container is connected to; their names. */
  async prune(): Promise<string[]> {
    const gone: string[] = [];
    for (const n of this.all()) {
      if (n.predefined || this.endpoints.members(n.Id).length > 0) continue;
      await this.remove(n.Id).then(() => gone.push(n.Name), () => {});
    }
    return gone;
  }

  /** Emits events collected elsewhere (the container side reports after the container exists). */
  emit(events: EngineEvent[]): void {
    for (const e of events) this.events.emit(e);
  }

  /** Runtime start-up: a crashed engine's rules go; running containers get bridges, NAT and ports back. */
  async restore(): Promise<void> {
    await this.plumbing.sweep().catch(() => false);
    await this.endpoints.restore();
  }

  /** Shutdown: proxies stop, our firewall rules go, bridges nobody uses are removed. */
  async close(): Promise<void> {
    await this.plumbing.shutdown((networkId) => this.endpoints.runningOn(networkId));
  }
}
