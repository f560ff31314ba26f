// IPv4 subnets in CIDR notation (RFC 4632): "172.18.0.0/16" is the 65 536 addresses whose first 16
// bits are those of 172.18. The first address names the network, the last is its broadcast, and
// Docker gives the first usable one (.1) to the bridge: the containers' gateway. Pure arithmetic.
import { SkiffError } from '../errors.ts';

export interface Subnet {
  /** The network's first address, as an unsigned 32-bit number. */
  base: number;
  prefixLength: number;
}

/** "172.18.0.2" → 0xac120002 */
export function ipToInt(address: string): number {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new SkiffError('USAGE', `invalid IPv4 address: ${address}`, 'write four numbers from 0 to 255 with dots, e.g. 172.18.0.2');
  }
  return parts.reduce((n, p) => ((n << 8) | Number(p)) >>> 0, 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');
}

export function maskOf(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/** "172.18.0.0/16" → a Subnet; the host bits must be zero, as Docker requires of --subnet. */
export function parseSubnet(cidr: string): Subnet {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr.trim());
  const bad = () => new SkiffError('USAGE', `invalid subnet ${cidr}: write it in CIDR notation, e.g. 172.20.0.0/16`, 'an address, a slash and the prefix length (8 to 30)');
  if (!m) throw bad();
  const prefixLength = Number(m[2]);
  if (prefixLength < 8 || prefixLength > 30) throw new SkiffError('USAGE', `invalid subnet ${cidr}: the prefix length must be 8 to 30`, 'a /30 holds 2 addresses, a /16 65 534');
  const ip = ipToInt(m[1]!);
  const base = (ip & maskOf(prefixLength)) >>> 0;
  if (base !== ip) throw new SkiffError('USAGE', `invalid subnet ${cidr}: it has host bits set`, `did you mean ${intToIp(base)}/${prefixLength}?`);
  return { base, prefixLength };
}

export function formatSubnet(s: Subnet): string {
  return `${intToIp(s.base)}/${s.prefixLength}`;
}

/** The last address: every host bit set. */
export function broadcastOf(s: Subnet): number {
  return (s.base | ~maskOf(s.prefixLength)) >>> 0;
}

/** Docker's default gateway: the first usable address. */
export function defaultGateway(s: Subnet): string {
  return intToIp(s.base + 1);
}

export function contains(s: Subnet, address: string): boolean {
  return ((ipToInt(address) & maskOf(s.prefixLength)) >>> 0) === s.base;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const p = Math.min(a.prefixLength, b.prefixLength);
  return ((a.base & maskOf(p)) >>> 0) === ((b.base & maskOf(p)) >>> 0);
}

/**
 * Subnets for user-defined networks when none is given, in Docker's order of preference after the
 * default bridge: 172.19–31.0.0/16, then 192.168.N.0/20 — the first that overlaps no network already
 * there. 172.17.0.0/16 is never picked: it is docker0's, and Skiff lives beside Docker.
 */
export function pickSubnet(taken: Subnet[]): Subnet {
  const candidates: Subnet[] = [];
  for (let b = 19; b <= 31; b++) candidates.push({ base: ipToInt(`172.${b}.0.0`), prefixLength: 16 });
  for (let c = 0; c < 256; c += 16) candidates.push({ base: ipToInt(`192.168.${c}.0`), prefixLength: 20 });
  const free = candidates.find((c) => !taken.some((t) => overlaps(c, t)));
  if (!free) throw new SkiffError('CONFLICT', 'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network', 'give one with --subnet, or remove unused networks: network prune');
  return free;
}
