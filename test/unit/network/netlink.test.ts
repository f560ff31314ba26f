// rtnetlink messages byte for byte (rtnetlink(7)): what `ip link add ... type veth peer ... netns`
// and `ip addr add` put on the wire, and how an ack is read.
import { describe, expect, it } from 'vitest';
import { ackErrno, deleteLinkMessage, macForIp, newAddressMessage, newBridgeMessage, newVethMessage, rtattr, RTM } from '../../../src/kernel/net.ts';

/** The attributes of a message after its fixed header, as [type, payload] pairs. */
function attrs(buf: Buffer, from: number): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  for (let o = from; o + 4 <= buf.length;) {
    const len = buf.readUInt16LE(o);
    out.push([buf.readUInt16LE(o + 2), buf.subarray(o + 4, o + len)]);
    o += (len + 3) & ~3;
  }
  return out;
}
const str = (b: Buffer) => b.toString('latin1').replace(/\0$/, '');

describe('rtnetlink messages', () => {
  it('pads attributes to 4 bytes and counts only the payload in their length', () => {
    const a = rtattr(3, Buffer.from('eth0\0'));
    expect(a.length).toBe(12);
    expect(a.readUInt16LE(0)).toBe(9);
  });

  it('a bridge: RTM_NEWLINK create|excl|ack, up, IFLA_IFNAME and IFLA_LINKINFO{KIND=bridge}', () => {
    const m = newBridgeMessage('skiff0', 7);
    expect(m.readUInt32LE(0)).toBe(m.length);
    expect(m.readUInt16LE(4)).toBe(RTM.NEWLINK);
    expect(m.readUInt16LE(6)).toBe(0x1 | 0x4 | 0x200 | 0x400);
    expect(m.readUInt32LE(8)).toBe(7);
    expect(m.readUInt32LE(16 + 8)).toBe(1); // ifi_flags IFF_UP
    const [name, info] = attrs(m, 32);
    expect(name![0]).toBe(3);
    expect(str(name![1])).toBe('skiff0');
    expect(info![0]).toBe(18);
    expect(str(attrs(info![1], 0)[0]![1])).toBe('bridge');
  });

  it('a veth pair whose peer is born inside the container\'s namespace, named eth0, with its MAC', () => {
    const m = newVethMessage({ hostName: 'veth1234567', master: 9, peerName: 'eth0', peerPid: 4242, peerMac: macForIp('172.18.0.2') });
    const top = attrs(m, 32);
    expect(top.map(([t]) => t)).toEqual([3, 10, 18]); // IFNAME, MASTER, LINKINFO
    expect(str(top[0]![1])).toBe('veth1234567');
    expect(top[1]![1].readUInt32LE(0)).toBe(9);
    const [kind, data] = attrs(top[2]![1], 0);
    expect(str(kind![1])).toBe('veth');
    const peer = attrs(data![1], 0)[0]!;
    expect(peer[0]).toBe(1); // VETH_INFO_PEER: an ifinfomsg, then the peer's own attributes
    const peerAttrs = attrs(peer[1], 16);
    expect(str(peerAttrs[0]![1])).toBe('eth0');
    expect(peerAttrs[1]).toEqual([19, Buffer.from([0x92, 0x10, 0, 0])]); // IFLA_NET_NS_PID 4242
    expect([...peerAttrs[2]![1]]).toEqual([0x02, 0x42, 172, 18, 0, 2]);
    expect(macForIp('172.18.0.2')).toBe('02:42:ac:12:00:02');
  });

  it('an address with its prefix and broadcast; a deletion by index', () => {
    const m = newAddressMessage(5, '172.18.0.1', 16, '172.18.255.255');
    expect(m.readUInt16LE(4)).toBe(RTM.NEWADDR);
    expect([m[16], m[17], m.readUInt32LE(20)]).toEqual([2, 16, 5]);
    expect(attrs(m, 24).map(([t, p]) => [t, [...p].join('.')])).toEqual([[2, '172.18.0.1'], [1, '172.18.0.1'], [4, '172.18.255.255']]);
    const d = deleteLinkMessage(12);
    expect([d.readUInt16LE(4), d.readInt32LE(20)]).toEqual([RTM.DELLINK, 12]);
  });

  it('reads an ack: 0 is success, a negative errno a refusal', () => {
    const ack = Buffer.alloc(36);
    ack.writeUInt16LE(2, 4); // NLMSG_ERROR
    expect(ackErrno(ack)).toBe(0);
    ack.writeInt32LE(-17, 16);
    expect(ackErrno(ack)).toBe(-17); // EEXIST
    expect(ackErrno(Buffer.alloc(36))).toBeUndefined();
  });
});
