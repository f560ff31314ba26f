// Published ports in Docker's words (docker/go-connections nat: ParsePortSpec, "80/tcp" keys).
//   -p 8080:80            host port 8080 on every address → container port 80/tcp
//   -p 127.0.0.1:8080:80  only on that host address
//   -p 127.0.0.1::80      a free host port, chosen when the container starts
//   -p 80   /   -P        the same for one port / for every port the image EXPOSEs
//   -p 5353:53/udp        UDP; ranges 8000-8001:80-81 map port by port
// Pure: the CLI parses flags with it, the engine works out bindings, `port` and `ps` print them.
import { SkiffError } from '../errors.ts';

export type Proto = 'tcp' | 'udp';

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** "80/tcp" → where it is published (null: exposed, not published). */
export type PortMap = Record<string, PortBinding[] | null>;

export interface PortSpec {
  exposed: Record<string, object>;
  bindings: Record<string, PortBinding[]>;
}

const bad = (what: string, value: string) => new SkiffError('USAGE', `Invalid ${what}: ${value}`, 'write -p [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp], e.g. -p 8080:80');

function portRange(v: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(v);
  if (!m) throw bad(what, v);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || b > 65535 || b < a) throw bad(what, v);
  return [a, b];
}

/** The key Docker uses for a port: "80/tcp". */
export function portKey(port: number, proto: Proto): string {
  return `${port}/${proto}`;
}

export function parsePortKey(key: string): { port: number; proto: Proto } {
  const [p, proto = 'tcp'] = key.split('/');
  const port = Number(p);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || (proto !== 'tcp' && proto !== 'udp')) {
    throw new SkiffError('USAGE', `invalid port ${key}`, proto === 'sctp' ? 'Skiff publishes tcp and udp ports' : 'write PORT or PORT/tcp or PORT/udp');
  }
  return { port, proto };
}

/** One -p value → the ports it exposes and how each is published. */
export function parsePortSpec(raw: string): PortSpec {
  let rest = raw;
  let proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    proto = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
  }
  if (proto !== 'tcp' && proto !== 'udp') throw new SkiffError('USAGE', `Invalid proto: ${proto}`, 'Skiff publishes tcp and udp ports');
  let ip = '';
  // An IPv6 host address comes in brackets: [::1]:8080:80
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(rest);
  if (v6) {
    ip = v6[1]!;
    rest = v6[2]!;
  }
  const parts = rest.split(':');
  let hostPart = '';
  let containerPart: string;
  if (parts.length === 1) containerPart = parts[0]!;
  else if (parts.length === 2) [hostPart, containerPart] = parts as [string, string];
  else if (parts.length === 3 && !v6) [ip, hostPart, containerPart] = parts as [string, string, string];
  else throw bad('port format', raw);
  if (ip && !/^(\d{1,3}\.){3}\d{1,3}$/.test(ip) && !ip.includes(':')) throw bad('ip address', ip);
  const [c0, c1] = portRange(containerPart, 'containerPort');
  const host = hostPart === '' ? undefined : portRange(hostPart, 'hostPort');
  const count = c1 - c0 + 1;
  if (host && count > 1 && host[1] - host[0] + 1 !== count) throw new SkiffError('USAGE', `Invalid ranges specified for container and host Ports: ${containerPart} and ${hostPart}`, 'a container range needs a host range of the same length');
  const out: PortSpec = { exposed: {}, bindings: {} };
  for (let i = 0; i < count; i++) {
    const key = portKey(c0 + i, proto);
    // One container port and a host range: any free port of the range (the engine picks).
    const hostPort = !host ? '' : count === 1 ? (host[0] === host[1] ? String(host[0]) : `${host[0]}-${host[1]}`) : String(host[0] + i);
    out.exposed[key] = {};
    out.bindings[key] = [{ HostIp: ip, HostPort: hostPort }];
  }
  return out;
}

/** Every -p value merged, as the CLI sends them (ExposedPorts, HostConfig.PortBindings). */
export function parsePortSpecs(raws: readonly string[]): PortSpec {
  const out: PortSpec = { exposed: {}, bindings: {} };
  for (const r of raws) {
    const s = parsePortSpec(r);
    Object.assign(out.exposed, s.exposed);
    for (const [k, b] of Object.entries(s.bindings)) out.bindings[k] = [...(out.bindings[k] ?? []), ...b];
  }
  return out;
}

/** The bindings a container asks for: its PortBindings, plus a free host port for every exposed
 *  port not bound yet when PublishAllPorts (-P) is set. */
export function wantedBindings(portBindings: Record<string, { HostIp?: string; HostPort?: string }[] | null> | undefined, exposed: Record<string, object> | undefined, publishAll: boolean): { key: string; port: number; proto: Proto; hostIp: string; hostPort: string }[] {
  const out: { key: string; port: number; proto: Proto; hostIp: string; hostPort: string }[] = [];
  const bound = new Set<string>();
  for (const [key, list] of Object.entries(portBindings ?? {})) {
    const { port, proto } = parsePortKey(key);
    for (const b of list ?? []) out.push({ key: portKey(port, proto), port, proto, hostIp: b.HostIp ?? '', hostPort: b.HostPort ?? '' });
    bound.add(portKey(port, proto));
  }
  if (publishAll) {
    for (const key of Object.keys(exposed ?? {}).sort(comparePortKeys)) {
      const { port, proto } = parsePortKey(key);
      if (!bound.has(portKey(port, proto))) out.push({ key: portKey(port, proto), port, proto, hostIp: '', hostPort: '' });
    }
  }
  return out;
}

export function comparePortKeys(a: string, b: string): number {
  const pa = parsePortKeyLoose(a);
  const pb = parsePortKeyLoose(b);
  return pa.port - pb.port || pa.proto.localeCompare(pb.proto);
}

function parsePortKeyLoose(k: string): { port: number; proto: string } {
  const [p, proto = 'tcp'] = k.split('/');
  return { port: Number(p), proto };
}

/** `docker port` lines: "80/tcp -> 0.0.0.0:8080". */
export function portLines(ports: PortMap, only?: string): string[] {
  const lines: string[] = [];
  const want = only ? (only.includes('/') ? only : `${only}/tcp`) : undefined;
  for (const key of Object.keys(ports).sort(comparePortKeys)) {
    if (want && key !== want) continue;
    for (const b of ports[key] ?? []) {
      const addr = `${b.HostIp.includes(':') ? `[${b.HostIp}]` : b.HostIp || '0.0.0.0'}:${b.HostPort}`;
      lines.push(want ? addr : `${key} -> ${addr}`);
    }
  }
  return lines;
}

/** The Ports of GET /containers/json: one item per binding, and one per exposed-only port. */
export function summaryPorts(ports: PortMap): { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] {
  const out: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] = [];
  for (const key of Object.keys(ports).sort(comparePortKeys)) {
    const { port, proto } = parsePortKeyLoose(key);
    const list = ports[key];
    if (!list || list.length === 0) out.push({ PrivatePort: port, Type: proto });
    else for (const b of list) out.push({ IP: b.HostIp || '0.0.0.0', PrivatePort: port, PublicPort: Number(b.HostPort), Type: proto });
  }
  return out;
}

/** ps's PORTS column: "0.0.0.0:8080->80/tcp, 443/tcp". */
export function displayPorts(ports: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[]): string {
  return ports.map((p) => (p.PublicPort ? `${p.IP && p.IP.includes(':') ? `[${p.IP}]` : p.IP ?? '0.0.0.0'}:${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`)).join(', ');
}
