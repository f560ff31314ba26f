// The userland proxy on this machine's loopback (the only address a test outside a namespace may
// send to): TCP with half-close passed on, UDP with replies routed back to each client, a port
// already taken refused with Docker's words, and nothing left listening after close.
import dgram from 'node:dgram';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startProxy } from '../../../src/engine/network/proxy.ts';

function tcpEcho(): Promise<net.Server> {
  const s = net.createServer({ allowHalfOpen: true }, (c) => {
    let got = '';
    c.on('data', (d) => (got += d.toString()));
    c.on('end', () => c.end(`echo:${got}`)); // answers only after the client's half-close
  });
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r(s)));
}

describe('the userland proxy', () => {
  it('copies TCP both ways and passes the client\'s half-close on', async () => {
    const echo = await tcpEcho();
    const proxy = await startProxy({ proto: 'tcp', hostIp: '127.0.0.1', hostPort: 0, containerIp: '127.0.0.1', containerPort: (echo.address() as net.AddressInfo).port });
    try {
      expect(proxy.hostPort).toBeGreaterThan(0);
      const answer = await new Promise<string>((resolve, reject) => {
        const c = net.connect({ host: '127.0.0.1', port: proxy.hostPort, allowHalfOpen: true }, () => c.end('ping'));
        let got = '';
        c.on('data', (d) => (got += d.toString()));
        c.on('end', () => resolve(got));
        c.on('error', reject);
      });
      expect(answer).toBe('echo:ping');
      await expect(startProxy({ proto: 'tcp', hostIp: '127.0.0.1', hostPort: proxy.hostPort, containerIp: '127.0.0.1', containerPort: 1 })).rejects.toThrow(`Bind for 127.0.0.1:${proxy.hostPort} failed: port is already allocated`);
    } finally {
      await proxy.close();
      echo.close();
    }
    await expect(new Promise((resolve, reject) => net.connect(proxy.hostPort, '127.0.0.1').on('error', reject).on('connect', resolve))).rejects.toThrow(/ECONNREFUSED/);
  });

  it('routes UDP replies back to each client', async () => {
    const echo = dgram.createSocket('udp4');
    echo.on('message', (m, from) => echo.send(`echo:${m}`, from.port, from.address));
    await new Promise<void>((r) => echo.bind(0, '127.0.0.1', () => r()));
    const proxy = await startProxy({ proto: 'udp', hostIp: '127.0.0.1', hostPort: 0, containerIp: '127.0.0.1', containerPort: echo.address().port });
    const ask = (text: string) => new Promise<string>((resolve) => {
      const c = dgram.createSocket('udp4');
      c.on('message', (m) => {
        c.close();
        resolve(m.toString());
      });
      c.send(text, proxy.hostPort, '127.0.0.1');
    });
    try {
      expect(await Promise.all([ask('a'), ask('b')])).toEqual(['echo:a', 'echo:b']);
    } finally {
      await proxy.close();
      echo.close();
    }
  });
});
