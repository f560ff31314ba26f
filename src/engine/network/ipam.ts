// The address pool of each network (IPAM: IP address management). An address is handed out by
// creating a file named after it with O_EXCL — the kernel lets exactly one creator win, so two
// Skiff processes can never hand out the same address — and given back by removing that file:
//   <dataRoot>/networks/ipam/<network id>/172.18.0.2   holds the ID of the container that has it
//                                        /cursor       the last address handed out
// Like Docker's allocator, the search starts after the last address handed out, so an address
// given back is not reused at once (a stale entry somewhere would point at a new container).
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../errors.ts';
import { broadcastOf, formatSubnet, intToIp, ipToInt, type Subnet } from './subnet.ts';

/** Every host address of the subnet in the order to try: after `cursor`, wrapping round; never
 *  the network address, the broadcast address or the gateway. Pure. */
export function* candidates(subnet: Subnet, gateway: string, cursor?: string): Generator<string> {
  const first = subnet.base + 1;
  const last = broadcastOf(subnet) - 1;
  const count = last - first + 1;
  const gw = ipToInt(gateway);
  let start = first;
  if (cursor) {
    const c = ipToInt(cursor);
    if (c >= first && c < last) start = c + 1;
  }
  for (let i = 0; i < count; i++) {
    const n = first + ((start - first + i) % count);
    if (n !== gw) yield intToIp(n);
  }
}

export class AddressPool {
  constructor(private readonly root: string) {}

  private dir(networkId: string): string {
    return path.join(this.root, networkId);
  }

  /** Hands out one address to `owner`: `wanted` when given (and free), else the next free one. */
  allocate(networkId: string, subnet: Subnet, gateway: string, owner: string, wanted?: string): string {
    const dir = this.dir(networkId);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const take = (ip: string) => {
      try {
        fs.writeFileSync(path.join(dir, ip), owner, { flag: 'wx' });
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw e;
      }
    };
    if (wanted) {
      if (!take(wanted)) throw new SkiffError('CONFLICT', `Address already in use: ${wanted} belongs to another container`, 'leave out --ip to get a free address');
      return wanted;
    }
    let cursor: string | undefined;
    try {
      cursor = fs.readFileSync(path.join(dir, 'cursor'), 'utf8').trim();
    } catch {
      // the first address of this network
    }
    for (const ip of candidates(subnet, gateway, cursor)) {
      if (!take(ip)) continue;
      fs.writeFileSync(path.join(dir, 'cursor'), ip);
      return ip;
    }
    throw new SkiffError('CONFLICT', `no free address left in ${formatSubnet(subnet)}`, 'remove containers you no longer need, or use a network with a larger subnet');
  }

  /** Gives an address back; only its owner's (a later owner of the same address keeps it). */
  release(networkId: string, address: string, owner: string): boolean {
    const file = path.join(this.dir(networkId), address);
    try {
      if (fs.readFileSync(file, 'utf8') !== owner) return false;
      fs.rmSync(file, { force: true });
      return true;
    } catch {
      return false;
    }
  }

  /** Address → owner, for every address handed out. */
  leases(networkId: string): Map<string, string> {
    const out = new Map<string, string>();
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.dir(networkId));
    } catch {
      return out;
    }
    for (const n of names) {
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(n)) continue;
      try {
        out.set(n, fs.readFileSync(path.join(this.dir(networkId), n), 'utf8'));
      } catch {
        // given back meanwhile
      }
    }
    return out;
  }

  /** Forgets a removed network's pool. */
  drop(networkId: string): void {
    fs.rmSync(this.dir(networkId), { recursive: true, force: true });
  }
}
