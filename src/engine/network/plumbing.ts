// The network plumbing of one engine process: the bridges it has set up, the firewall rules that
// go with them (outbound NAT, forwarding, DNAT for published ports) and the userland proxies of
// the containers it started. Every change is reported as an event.
//
// The firewall belongs to one engine at a time: the one whose PID is in networks/firewall.owner.
// An engine that finds the file naming a dead process removes what that engine left (a crash);
// an engine that shuts down removes its rules — containers keep running (live-restore) and the
// next engine puts the rules back for them.
import fs from 'node:fs';
import path from 'node:path';
import type { EventBus } from '../events.ts';
import { alive } from '../store/lock.ts';
import { describeRules, detectFirewallTool, type DnatRule, Firewall, type FirewallState, type FirewallTool } from './firewall.ts';
import type { HostNetwork } from './host.ts';
import { type PortMap, portKey } from './ports.ts';
import { type RunningProxy, startProxy } from './proxy.ts';
import { broadcastOf, intToIp, parseSubnet } from './subnet.ts';
import type { NetworkRecord } from './types.ts';

export interface Publication {
  proto: 'tcp' | 'udp';
  hostIp: string;
  /** "" (any free port), "8080", or a range "8000-8010". */
  hostPort: string;
  containerIp: string;
  containerPort: number;
  bridge: string;
}

export class Plumbing {
  private readonly bridges = new Map<string, NetworkRecord>();
  /** Bridges this process made: only those, and Skiff's own names, are ever removed. */
  private readonly made = new Set<string>();
  private readonly proxies = new Map<string, RunningProxy[]>();
  private readonly dnat = new Map<string, DnatRule[]>();
  private firewall: Firewall | null | undefined;
  private readonly ownerFile: string;

  constructor(
    private readonly host: () => HostNetwork,
    private readonly events: EventBus,
    networksDir: string,
    private readonly tool: () => FirewallTool | undefined = detectFirewallTool,
  ) {
    this.ownerFile = path.join(networksDir, 'firewall.owner');
  }

  private fw(): Firewall | null {
    if (this.firewall === undefined) {
      const t = this.tool();
      this.firewall = t ? new Firewall(t) : null;
    }
    return this.firewall;
  }

  private state(): FirewallState {
    return {
      bridges: [...this.bridges.values()].map((n) => ({ bridge: n.bridge!, subnet: n.subnet! })),
      dnat: [...this.dnat.values()].flat(),
    };
  }

  private owned(): boolean {
    try {
      return Number(fs.readFileSync(this.ownerFile, 'utf8')) === process.pid;
    } catch {
      return false;
    }
  }

  /** Leftovers of an engine that died (its rules still in place): removed. True if there were any. */
  async sweep(): Promise<boolean> {
    let owner = 0;
    try {
      owner = Number(fs.readFileSync(this.ownerFile, 'utf8'));
    } catch {
      return false;
    }
    if (owner === process.pid || (owner > 0 && alive(owner))) return false;
    const fw = this.fw();
    const had = fw ? await fw.removeAll().catch(() => false) : false;
    fs.rmSync(this.ownerFile, { force: true });
    if (had && fw) this.events.emit({ type: 'network.nat', action: 'remove', tool: fw.tool, rules: ['(the rules of an engine that ended without removing them)'] });
    return had;
  }

  /** Installs our rules as they should be now, if this engine owns the firewall (or nobody does). */
  private async sync(added?: FirewallState): Promise<void> {
    const fw = this.fw();
    if (!fw) return;
    if (!this.owned()) {
      let owner = 0;
      try {
        owner = Number(fs.readFileSync(this.ownerFile, 'utf8'));
      } catch {
        // nobody
      }
      if (owner > 0 && owner !== process.pid && alive(owner)) return; // another live engine of this data root has them
      fs.writeFileSync(this.ownerFile, String(process.pid));
    }
    await fw.apply(this.state());
    if (added && (added.bridges.length || added.dnat.length)) this.events.emit({ type: 'network.nat', action: 'add', tool: fw.tool, rules: describeRules(added, fw.tool) });
  }

  /** The network's bridge, with its address, IP forwarding and outbound NAT; once per process. */
  async ensureBridge(net: NetworkRecord): Promise<void> {
    // Known here, and still there (another engine of this data root may have removed it when idle).
    if (this.bridges.has(net.Id) && this.host().exists(net.bridge!)) return;
    const t0 = performance.now();
    const s = parseSubnet(net.subnet!);
    const made = this.host().ensureBridge(net.bridge!, net.gateway!, s.prefixLength, intToIp(broadcastOf(s)));
    if (made === 'created') this.made.add(net.bridge!);
    this.events.emit({ type: 'network.bridge', network: net.Name, bridge: net.bridge!, address: `${net.gateway}/${s.prefixLength}`, action: made, ms: performance.now() - t0 });
    const forwarding = this.host().enableForwarding();
    this.bridges.set(net.Id, net);
    const fw = this.fw();
    await this.sync({ bridges: [{ bridge: net.bridge!, subnet: net.subnet! }], dnat: [] });
    if (forwarding && fw) this.events.emit({ type: 'network.nat', action: 'add', tool: fw.tool, rules: ['net.ipv4.ip_forward = 1'], forwarding: true });
  }

  /** A bridge someone else made under a name they chose (dockerd's -b) is theirs to keep. */
  private mayDelete(bridge: string): boolean {
    return this.made.has(bridge) || bridge === 'skiff0' || /^br-[0-9a-f]{12}$/.test(bridge);
  }

  /** Starts the proxies (and DNAT rules) of a container; returns what is bound. All or nothing. */
  async publish(id: string, pubs: Publication[]): Promise<PortMap> {
    const started: RunningProxy[] = [];
    const rules: DnatRule[] = [];
    const ports: PortMap = {};
    try {
      for (const p of pubs) {
        const proxy = await bindFirst(p);
        started.push(proxy);
        const key = portKey(p.containerPort, p.proto);
        (ports[key] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: String(proxy.hostPort) });
        if (!p.hostIp.includes(':')) rules.push({ proto: p.proto, hostIp: p.hostIp, hostPort: proxy.hostPort, containerIp: p.containerIp, containerPort: p.containerPort, bridge: p.bridge });
      }
    } catch (e) {
      for (const s of started) await s.close();
      throw e;
    }
    if (started.length === 0) return ports;
    this.proxies.set(id, [...(this.proxies.get(id) ?? []), ...started]);
    const fw = this.fw();
    if (fw && rules.length) {
      this.dnat.set(id, [...(this.dnat.get(id) ?? []), ...rules]);
      await this.sync({ bridges: [], dnat: rules }).catch(() => {}); // the proxy still answers without DNAT
    }
    for (const s of started) {
      this.events.emit({ type: 'network.port', id, action: 'start', proto: s.spec.proto, hostIp: s.spec.hostIp || '0.0.0.0', hostPort: s.hostPort, containerIp: s.spec.containerIp, containerPort: s.spec.containerPort, dnat: fw !== null && !s.spec.hostIp.includes(':') });
    }
    return ports;
  }

  /** Stops a container's proxies and removes its DNAT rules. */
  async unpublish(id: string): Promise<void> {
    const proxies = this.proxies.get(id) ?? [];
    this.proxies.delete(id);
    const rules = this.dnat.get(id) ?? [];
    const hadRules = this.dnat.delete(id);
    for (const p of proxies) {
      await p.close();
      this.events.emit({ type: 'network.port', id, action: 'stop', proto: p.spec.proto, hostIp: p.spec.hostIp || '0.0.0.0', hostPort: p.hostPort, containerIp: p.spec.containerIp, containerPort: p.spec.containerPort, dnat: hadRules });
    }
    if (hadRules) {
      await this.sync().catch(() => {});
      const fw = this.fw();
      if (fw && this.owned()) this.events.emit({ type: 'network.nat', action: 'remove', tool: fw.tool, rules: describeRules({ bridges: [], dnat: rules }, fw.tool) });
    }
  }

  publishing(id: string): boolean {
    return this.proxies.has(id);
  }

  /** A network goes: its bridge interface and its rules. */
  async dropBridge(net: NetworkRecord): Promise<void> {
    const had = this.bridges.delete(net.Id);
    if (had) {
      await this.sync().catch(() => {});
      const fw = this.fw();
      if (fw && this.owned()) this.events.emit({ type: 'network.nat', action: 'remove', tool: fw.tool, rules: describeRules({ bridges: [{ bridge: net.bridge!, subnet: net.subnet! }], dnat: [] }, fw.tool) });
    }
    if (net.bridge && this.mayDelete(net.bridge) && this.host().deleteLink(net.bridge)) {
      this.events.emit({ type: 'network.bridge', network: net.Name, bridge: net.bridge, address: `${net.gateway}/${parseSubnet(net.subnet!).prefixLength}`, action: 'removed', ms: 0 });
    }
  }

  /**
   * The engine is going away: proxies stop, our rules go, and bridges that no running container
   * uses are removed (`inUse` says which are still needed).
   */
  async shutdown(inUse: (networkId: string) => boolean): Promise<void> {
    for (const id of [...this.proxies.keys()]) await this.unpublish(id).catch(() => {});
    const fw = this.fw();
    if (fw && this.owned()) {
      const rules = describeRules(this.state(), fw.tool);
      const had = await fw.removeAll().catch(() => false);
      fs.rmSync(this.ownerFile, { force: true });
      if (had) this.events.emit({ type: 'network.nat', action: 'remove', tool: fw.tool, rules });
    }
    for (const net of [...this.bridges.values()]) {
      this.bridges.delete(net.Id);
      if (inUse(net.Id) || !this.mayDelete(net.bridge!)) continue;
      try {
        if (this.host().deleteLink(net.bridge!)) this.events.emit({ type: 'network.bridge', network: net.Name, bridge: net.bridge!, address: `${net.gateway}/${parseSubnet(net.subnet!).prefixLength}`, action: 'removed', ms: 0 });
      } catch {
        // the namespace may be going away too
      }
    }
  }
}

/** Listens on the asked port, or on the first free one of a range, or on one the kernel picks. */
async function bindFirst(p: Publication): Promise<RunningProxy> {
  const base = { proto: p.proto, hostIp: p.hostIp, containerIp: p.containerIp, containerPort: p.containerPort };
  const range = /^(\d+)-(\d+)$/.exec(p.hostPort);
  if (!range) return startProxy({ ...base, hostPort: p.hostPort === '' ? 0 : Number(p.hostPort) });
  let last: unknown;
  for (let port = Number(range[1]); port <= Number(range[2]); port++) {
    try {
      return await startProxy({ ...base, hostPort: port });
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

