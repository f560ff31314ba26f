// Where the daemon listens (dockerd's -H): a unix socket by default — mode 0660, owned by root and
// a group (like the `docker` group) whose members may use the daemon — and TCP only on request,
// never without TLS that verifies client certificates unless the user says --insecure-tcp: a
// daemon that runs containers as root, open to the network, is root on this machine for anyone.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { SkiffError } from '../engine/errors.ts';

export const DEFAULT_SOCKET = '/run/skiff/skiff.sock';

export type ListenAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export interface TlsFiles {
  cert: string;
  key: string;
  ca: string;
}

/** `unix:///run/skiff/skiff.sock`, `unix://` (the default socket), `tcp://127.0.0.1:2376`, `tcp://:2375`. */
export function parseListenAddress(h: string, tls: boolean): ListenAddress {
  if (h.startsWith('/')) return { kind: 'unix', path: h };
  const m = /^([a-z]+):\/\/(.*)$/.exec(h);
  if (!m) throw new SkiffError('USAGE', `invalid listen address "${h}"`, 'use unix:///path/to.sock or tcp://host:port');
  const [, scheme, rest] = m;
  if (scheme === 'unix') return { kind: 'unix', path: rest || DEFAULT_SOCKET };
  if (scheme === 'tcp') {
    const hp = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(rest!);
    if (!hp) throw new SkiffError('USAGE', `invalid TCP address "${h}"`, 'use tcp://host:port');
    const port = hp[2] ? Number(hp[2]) : tls ? 2376 : 2375;
    if (port < 1 || port > 65535) throw new SkiffError('USAGE', `invalid port in "${h}"`);
    return { kind: 'tcp', host: hp[1]!.replace(/^\[|\]$/g, '') || '0.0.0.0', port };
  }
  throw new SkiffError('USAGE', `unsupported listen address "${h}"`, 'Skiff listens on unix:// and tcp:// addresses');
}

/** A group's ID from /etc/group, by name or number; undefined when there is no such group. */
export function groupId(name: string, groupFile = '/etc/group'): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    for (const line of fs.readFileSync(groupFile, 'utf8').split('\n')) {
      const [n, , gid] = line.split(':');
      if (n === name && gid !== undefined) return Number(gid);
    }
  } catch {
    // no group file: no groups
  }
  return undefined;
}

/** The socket's group: --group, or `docker` when that group exists, or root's. */
export function socketGroup(requested: string | undefined): { name: string; gid: number } {
  if (requested !== undefined) {
    const gid = groupId(requested);
    if (gid === undefined) throw new SkiffError('USAGE', `group "${requested}" does not exist`, `create it (groupadd ${requested}) or pick another with --group`);
    return { name: requested, gid };
  }
  const docker = groupId('docker');
  return docker !== undefined ? { name: 'docker', gid: docker } : { name: 'root', gid: 0 };
}

/** Whether something accepts connections on a unix socket path (a live daemon, not a stale file). */
function answering(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socketPath);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

function listenOn(server: net.Server, ...args: unknown[]): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    (server.listen as (...a: unknown[]) => void)(...args, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** What would make listening fail, found before the daemon starts anything (a bad group, TCP without TLS). */
export function checkListen(addr: ListenAddress, opts: Pick<ListenOptions, 'group' | 'tls' | 'insecureTcp'>): void {
  if (addr.kind === 'unix') socketGroup(opts.group);
  else if (!opts.tls && !opts.insecureTcp) {
    throw new SkiffError('USAGE', `refusing to listen on tcp://${addr.host}:${addr.port} without TLS`, 'give --tlscert, --tlskey and --tlscacert (clients must then present certificates), or --insecure-tcp if you really mean it');
  }
}

export interface Listener {
  server: http.Server;
  /** As a client names it: unix:///path or tcp://host:port. */
  url: string;
  /** Removes what listening left behind (the socket file). */
  cleanup(): void;
}

export interface ListenOptions {
  group?: string;
  tls?: TlsFiles;
  insecureTcp?: boolean;
  warn(line: string): void;
}

/** Makes the server for one address and starts listening; the caller attaches the API first. */
export async function listen(addr: ListenAddress, opts: ListenOptions, attach: (s: http.Server) => void): Promise<Listener> {
  checkListen(addr, opts);
  if (addr.kind === 'unix') {
    const group = socketGroup(opts.group);
    fs.mkdirSync(path.dirname(addr.path), { recursive: true, mode: 0o755 });
    const existing = fs.lstatSync(addr.path, { throwIfNoEntry: false });
    if (existing && !existing.isSocket()) throw new SkiffError('USAGE', `${addr.path} exists and is not a socket`, 'give another path with -H unix:///path');
    if (existing) {
      if (await answering(addr.path)) throw new SkiffError('CONFLICT', `another daemon is listening on ${addr.path}`, 'stop it first, or give this one another socket with -H unix:///path');
      fs.rmSync(addr.path, { force: true }); // left by a daemon that died
    }
    const server = http.createServer();
    attach(server);
    // Created 0660 from the start (umask), not chmod-ed afterwards: no moment where others could connect.
    const old = process.umask(0o117);
    try {
      await listenOn(server, addr.path);
    } finally {
      process.umask(old);
    }
    fs.chownSync(addr.path, 0, group.gid);
    fs.chmodSync(addr.path, 0o660);
    return { server, url: `unix://${addr.path}`, cleanup: () => fs.rmSync(addr.path, { force: true }) };
  }
  let server: http.Server;
  if (opts.tls) {
    server = https.createServer({
      cert: fs.readFileSync(opts.tls.cert),
      key: fs.readFileSync(opts.tls.key),
      ca: fs.readFileSync(opts.tls.ca),
      // --tlsverify: a client must show a certificate signed by our CA.
      requestCert: true,
      rejectUnauthorized: true,
    });
  } else {
    // checkListen let it through: --insecure-tcp was given.
    opts.warn(
      `WARNING: the API is listening on tcp://${addr.host}:${addr.port} WITHOUT TLS (--insecure-tcp).\n` +
        'WARNING: anyone who can reach this port controls this machine as root: every container, every file.\n' +
        'WARNING: use --tlscert/--tlskey/--tlscacert instead, or keep to the unix socket.',
    );
    server = http.createServer();
  }
  attach(server);
  await listenOn(server, addr.port, addr.host);
  const port = (server.address() as net.AddressInfo).port;
  return { server, url: `tcp://${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${port}`, cleanup: () => {} };
}
