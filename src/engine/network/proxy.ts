// The userland proxy (Docker's docker-proxy, inside the engine here): for each published port it
// listens on the host and copies bytes to the container's address and back. DNAT rules catch
// packets for the host's own addresses before they reach it; the proxy is what answers on
// loopback (127.0.0.1:8080), which DNAT cannot reach, and on hosts with no firewall tool at all.
//   TCP: one connection to the container per client connection, half-closes passed on.
//   UDP: one socket towards the container per client address, so replies find their way back;
//        idle ones are closed after a while, as conntrack forgets a UDP "connection".
import dgram from 'node:dgram';
import net from 'node:net';

export interface ProxySpec {
  proto: 'tcp' | 'udp';
  /** "" or 0.0.0.0: every address of the host. */
  hostIp: string;
  /** 0: a free port chosen by the kernel. */
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

export interface RunningProxy {
  spec: ProxySpec;
  /** The port really listened on (the kernel's choice when 0 was asked for). */
  hostPort: number;
  close(): Promise<void>;
}

const UDP_IDLE_MS = 90_000;

/** Every IPv4 address of the host when none is named (Docker's default 0.0.0.0). */
function listenAddress(hostIp: string): string {
  return hostIp === '' ? '0.0.0.0' : hostIp;
}

function portInUse(spec: ProxySpec, e: NodeJS.ErrnoException): Error {
  const where = `${spec.hostIp || '0.0.0.0'}:${spec.hostPort}`;
  return Object.assign(new Error(e.code === 'EADDRINUSE' ? `Bind for ${where} failed: port is already allocated` : `cannot listen on ${where}: ${e.message}`), { code: e.code });
}

function tcpProxy(spec: ProxySpec): Promise<RunningProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    const upstream = net.connect({ host: spec.containerIp, port: spec.containerPort, allowHalfOpen: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on('connect', () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(portInUse(spec, e)));
    server.listen({ host: listenAddress(spec.hostIp), port: spec.hostPort, exclusive: true }, () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        spec, hostPort: port,
        close: () => new Promise<void>((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}

function udpProxy(spec: ProxySpec): Promise<RunningProxy> {
  const server = dgram.createSocket({ type: spec.hostIp.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
  const flows = new Map<string, { sock: dgram.Socket; timer: NodeJS.Timeout }>();
  const forget = (key: string) => {
    const f = flows.get(key);
    if (!f) return;
    clearTimeout(f.timer);
    f.sock.close();
    flows.delete(key);
  };
  server.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let f = flows.get(key);
    if (!f) {
      const sock = dgram.createSocket('udp4');
      sock.on('message', (reply) => {
        server.send(reply, from.port, from.address);
        const g = flows.get(key);
        if (g) g.timer.refresh();
      });
      sock.on('error', () => forget(key));
      f = { sock, timer: setTimeout(() => forget(key), UDP_IDLE_MS) };
      f.timer.unref();
      flows.set(key, f);
    } else f.timer.refresh();
    f.sock.send(msg, spec.containerPort, spec.containerIp);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(portInUse(spec, e)));
    server.bind({ address: listenAddress(spec.hostIp), port: spec.hostPort, exclusive: true }, () => {
      server.removeAllListeners('error');
      server.on('error', () => {});
      resolve({
        spec, hostPort: server.address().port,
        close: () => new Promise<void>((done) => {
          for (const k of [...flows.keys()]) forget(k);
          server.close(() => done());
        }),
      });
    });
  });
}

/** Starts listening; rejects (port already allocated...) before anything is half set up. */
export function startProxy(spec: ProxySpec): Promise<RunningProxy> {
  return spec.proto === 'udp' ? udpProxy(spec) : tcpProxy(spec);
}
