// What the engine does to its own network namespace for containers, behind one small interface:
// the real one speaks rtnetlink (kernel/net.ts); the service's tests use a recording fake.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { SkiffError } from '../errors.ts';
import { deleteLinkMessage, isNetlinkError, linkIndex, linkUpMessage, newAddressMessage, newBridgeMessage, newVethMessage, rtnetlink } from '../../kernel/net.ts';

export interface HostNetwork {
  /** Makes the bridge with its address (or finds it there) and brings it up. */
  ensureBridge(name: string, address: string, prefixLength: number, broadcast: string): 'created' | 'found';
  /** A veth pair: `hostIf` on `bridge` and up, the peer as `peerName` in the network namespace of `peerPid`. */
  addVeth(v: { hostIf: string; bridge: string; peerName: string; peerPid: number; peerMac: string }): void;
  /** Removes an interface (a veth takes its peer along); false when there was none. */
  deleteLink(name: string): boolean;
  exists(name: string): boolean;
  /** net.ipv4.ip_forward of the engine's namespace on; true when it was off. */
  enableForwarding(): boolean;
  /** Configures an interface inside a running container's namespace (for `network connect`):
   *  its address, up. The container's init is gone by then, so `ip` does it through nsenter. */
  configureInside(pid: number, ifname: string, address: string, prefixLength: number): Promise<void>;
}

export function kernelHostNetwork(): HostNetwork {
  return {
    ensureBridge(name, address, prefixLength, broadcast) {
      let made: 'created' | 'found' = 'found';
      // An interface of that name that is not a bridge (a NIC, say) is never taken over. (sysfs
      // shows the namespace it was mounted in: when that is not ours, the name is simply absent.)
      if (linkIndex(name) !== 0 && fs.existsSync(`/sys/class/net/${name}`) && !fs.existsSync(`/sys/class/net/${name}/bridge`)) {
        throw new SkiffError('CONFLICT', `the interface ${name} exists and is not a bridge`, 'choose another bridge name (com.docker.network.bridge.name, or the daemon\'s --bridge)');
      }
      if (linkIndex(name) === 0) {
        try {
          rtnetlink([{ message: newBridgeMessage(name), what: `ip link add ${name} type bridge` }]);
          made = 'created';
        } catch (e) {
          if (!isNetlinkError(e, 'EEXIST')) throw e; // another engine was quicker
        }
      }
      const index = linkIndex(name);
      try {
        rtnetlink([{ message: newAddressMessage(index, address, prefixLength, broadcast), what: `ip addr add ${address}/${prefixLength} dev ${name}` }]);
      } catch (e) {
        if (!isNetlinkError(e, 'EEXIST')) throw e;
      }
      rtnetlink([{ message: linkUpMessage(index), what: `ip link set ${name} up` }]);
      return made;
    },
    addVeth(v) {
      const master = linkIndex(v.bridge);
      rtnetlink([{
        message: newVethMessage({ hostName: v.hostIf, master, peerName: v.peerName, peerPid: v.peerPid, peerMac: v.peerMac }),
        what: `ip link add ${v.hostIf} master ${v.bridge} up type veth peer name ${v.peerName} netns ${v.peerPid}`,
      }]);
    },
    deleteLink(name) {
      const index = linkIndex(name);
      if (index === 0) return false;
      try {
        rtnetlink([{ message: deleteLinkMessage(index), what: `ip link del ${name}` }]);
        return true;
      } catch (e) {
        if (isNetlinkError(e, 'ENODEV')) return false;
        throw e;
      }
    },
    exists: (name) => linkIndex(name) !== 0,
    enableForwarding() {
      const file = '/proc/sys/net/ipv4/ip_forward';
      if (fs.readFileSync(file, 'utf8').trim() === '1') return false;
      fs.writeFileSync(file, '1\n');
      return true;
    },
    configureInside(pid, ifname, address, prefixLength) {
      return new Promise((resolve, reject) => {
        const child = spawn('nsenter', ['-t', String(pid), '-n', 'ip', '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`configuring ${ifname} in the container failed: ${err.trim()}`))));
        child.stdin.end(`addr add ${address}/${prefixLength} dev ${ifname}\nlink set ${ifname} up\n`);
      });
    },
  };
}
