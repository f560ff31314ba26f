// The host side of container networking, spoken to the kernel in its own language: rtnetlink
// (rtnetlink(7), netlink(7)) — the messages `ip link` and `ip addr` send. One message makes a
// container's whole veth pair: the host end named, enslaved to the bridge and up, the peer created
// directly *inside the container's network namespace* (IFLA_NET_NS_PID: the init's PID) as eth0
// with a MAC derived from its IP, as Docker does. No process is started per command, so attaching
// a container costs well under a millisecond.
//
// A netlink socket belongs to the network namespace of the thread that opened it; the engine's
// threads all stay in the engine's own namespace, so these calls act there. (The container's side —
// address, link up, default route — is configured by its init, from inside: see syscalls.ts.)
//
// The message builders are pure (tested byte for byte); `rtnetlink()` sends them and reads the ack.
import { check, errnoName, libc } from './libc.ts';

// <linux/netlink.h>, <linux/rtnetlink.h>, <linux/if_link.h>, <linux/veth.h>, <linux/if_addr.h>
export const NLM_F = { REQUEST: 0x1, ACK: 0x4, EXCL: 0x200, CREATE: 0x400 } as const;
export const RTM = { NEWLINK: 16, DELLINK: 17, NEWADDR: 20 } as const;
const NLMSG_ERROR = 2;
const IFLA = { ADDRESS: 1, IFNAME: 3, MASTER: 10, LINKINFO: 18, NET_NS_PID: 19 } as const;
const IFLA_INFO = { KIND: 1, DATA: 2 } as const;
const VETH_INFO_PEER = 1;
const IFA = { ADDRESS: 1, LOCAL: 2, BROADCAST: 4 } as const;
const AF_UNSPEC = 0;
const AF_INET = 2;
const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_ROUTE = 0;
export const IFF_UP = 0x1;

/** An IPv4 address as its four bytes. */
export function ipv4Bytes(address: string): Buffer {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${address}`);
  return Buffer.from(parts);
}

/** Docker's MAC for a container address: 02:42 (locally administered) and the IP's four bytes. */
export function macForIp(address: string): string {
  return ['02', '42', ...[...ipv4Bytes(address)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((h) => Number.parseInt(h, 16)));
}

const align4 = (n: number) => (n + 3) & ~3;

/** struct rtattr: length, type, payload, padded to 4 bytes. */
export function rtattr(type: number, payload: Buffer | Buffer[]): Buffer {
  const body = Array.isArray(payload) ? Buffer.concat(payload) : payload;
  const out = Buffer.alloc(align4(4 + body.length));
  out.writeUInt16LE(4 + body.length, 0);
  out.writeUInt16LE(type, 2);
  body.copy(out, 4);
  return out;
}

const cstring = (s: string) => Buffer.from(`${s}\0`, 'latin1');
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
};

/** struct ifinfomsg (16 bytes). */
export function ifinfomsg(o: { index?: number; flags?: number; change?: number } = {}): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(AF_UNSPEC, 0);
  b.writeInt32LE(o.index ?? 0, 4);
  b.writeUInt32LE(o.flags ?? 0, 8);
  b.writeUInt32LE(o.change ?? 0, 12);
  return b;
}

/** struct nlmsghdr (16 bytes) around a payload. */
export function nlmsg(type: number, flags: number, seq: number, payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + body.length, 0);
  h.writeUInt16LE(type, 4);
  h.writeUInt16LE(flags, 6);
  h.writeUInt32LE(seq, 8);
  return Buffer.concat([h, body]);
}

const CREATE = NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL;

/** `ip link add NAME type bridge` and up. */
export function newBridgeMessage(name: string, seq = 1): Buffer {
  return nlmsg(RTM.NEWLINK, CREATE, seq, [
    ifinfomsg({ flags: IFF_UP, change: IFF_UP }),
    rtattr(IFLA.IFNAME, cstring(name)),
    rtattr(IFLA.LINKINFO, [rtattr(IFLA_INFO.KIND, cstring('bridge'))]),
  ]);
}

export interface VethSpec {
  /** The host end, e.g. veth1a2b3c4 (at most 15 characters). */
  hostName: string;
  /** The bridge's interface index: the host end is enslaved to it. */
  master: number;
  /** The container's end, named as the container will see it (eth0). */
  peerName: string;
  /** A process in the container's network namespace (its init). */
  peerPid: number;
  peerMac?: string;
}

/** `ip link add HOST master BR up type veth peer name eth0 netns PID address MAC`. */
export function newVethMessage(v: VethSpec, seq = 1): Buffer {
  const peer = [
    ifinfomsg(),
    rtattr(IFLA.IFNAME, cstring(v.peerName)),
    rtattr(IFLA.NET_NS_PID, u32(v.peerPid)),
    ...(v.peerMac ? [rtattr(IFLA.ADDRESS, macBytes(v.peerMac))] : []),
  ];
  return nlmsg(RTM.NEWLINK, CREATE, seq, [
    ifinfomsg({ flags: IFF_UP, change: IFF_UP }),
    rtattr(IFLA.IFNAME, cstring(v.hostName)),
    rtattr(IFLA.MASTER, u32(v.master)),
    rtattr(IFLA.LINKINFO, [rtattr(IFLA_INFO.KIND, cstring('veth')), rtattr(IFLA_INFO.DATA, [rtattr(VETH_INFO_PEER, peer)])]),
  ]);
}

/** `ip addr add ADDRESS/PREFIX brd + dev INDEX`. */
export function newAddressMessage(index: number, address: string, prefixLength: number, broadcast: string, seq = 1): Buffer {
  const ifa = Buffer.alloc(8);
  ifa.writeUInt8(AF_INET, 0);
  ifa.writeUInt8(prefixLength, 1);
  ifa.writeUInt32LE(index, 4);
  return nlmsg(RTM.NEWADDR, CREATE, seq, [ifa, rtattr(IFA.LOCAL, ipv4Bytes(address)), rtattr(IFA.ADDRESS, ipv4Bytes(address)), rtattr(IFA.BROADCAST, ipv4Bytes(broadcast))]);
}

/** `ip link set INDEX up`. */
export function linkUpMessage(index: number, seq = 1): Buffer {
  return nlmsg(RTM.NEWLINK, NLM_F.REQUEST | NLM_F.ACK, seq, [ifinfomsg({ index, flags: IFF_UP, change: IFF_UP })]);
}

/** `ip link del INDEX` (a veth pair goes as a whole; a bridge lets go of its ports). */
export function deleteLinkMessage(index: number, seq = 1): Buffer {
  return nlmsg(RTM.DELLINK, NLM_F.REQUEST | NLM_F.ACK, seq, [ifinfomsg({ index })]);
}

/** The errno of a netlink answer: 0 for an ack, negative for an error; undefined if not an ack. */
export function ackErrno(answer: Buffer): number | undefined {
  if (answer.length < 20 || answer.readUInt16LE(4) !== NLMSG_ERROR) return undefined;
  return answer.readInt32LE(16);
}

interface Fns {
  socket: (d: number, t: number, p: number) => number;
  send: (fd: number, buf: Buffer, len: number, flags: number) => number;
  recv: (fd: number, buf: Buffer, len: number, flags: number) => number;
  close: (fd: number) => number;
  ifNameToIndex: (name: string) => number;
}

let fns: Fns | undefined;

function load(): Fns {
  if (fns) return fns;
  const l = libc();
  fns = {
    socket: l.func('int socket(int domain, int type, int protocol)'),
    send: l.func('intptr_t send(int fd, const void *buf, size_t len, int flags)'),
    recv: l.func('intptr_t recv(int fd, _Out_ void *buf, size_t len, int flags)'),
    close: l.func('int close(int fd)'),
    ifNameToIndex: l.func('unsigned int if_nametoindex(const char *name)'),
  };
  return fns;
}

/** The interface's index in the engine's network namespace, or 0 when there is none of that name. */
export function linkIndex(name: string): number {
  return load().ifNameToIndex(name);
}

/** A netlink request the kernel refused, with the errno's name as `code` (EEXIST, ENODEV...). */
export class NetlinkError extends Error {
  constructor(
    readonly code: string,
    readonly what: string,
  ) {
    super(`${code}: ${what} failed`);
  }
}

/**
 * Sends each message and waits for its ack (the kernel answers a request synchronously, so a
 * blocking recv returns at once). Throws the first refusal as a NetlinkError.
 */
export function rtnetlink(messages: { message: Buffer; what: string }[]): void {
  const f = load();
  const fd = check(f.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), 'socket(AF_NETLINK)');
  try {
    const answer = Buffer.alloc(8192);
    for (const { message, what } of messages) {
      check(f.send(fd, message, message.length, 0), 'send(netlink)', what);
      const n = check(f.recv(fd, answer, answer.length, 0), 'recv(netlink)', what);
      const errno = ackErrno(answer.subarray(0, n));
      if (errno === undefined) throw new NetlinkError('EPROTO', `${what}: the kernel's answer was not an ack`);
      if (errno < 0) throw new NetlinkError(errnoName(-errno), what);
    }
  } finally {
    f.close(fd);
  }
}

/** Whether a thrown value is a NetlinkError with that errno name. */
export function isNetlinkError(e: unknown, code: string): boolean {
  return e instanceof NetlinkError && e.code === code;
}
