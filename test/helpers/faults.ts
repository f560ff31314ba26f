// A programmable HTTP proxy in front of a real registry, on 127.0.0.1, for the failures a pull
// must survive or report: 5xx, stalls, connections cut mid-blob, corrupted or truncated bodies,
// tampered manifests, Docker Hub's rate-limit headers, and redirects of blobs to a "CDN" on
// another host name (which records whether an Authorization header leaked to it).
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultAction =
  | { kind: 'status'; status: number }
  | { kind: 'delay'; ms: number }
  | { kind: 'cut'; afterBytes: number; thenStop?: boolean }
  | { kind: 'corrupt'; at: number }
  | { kind: 'truncate'; bytes: number }
  | { kind: 'headers'; headers: Record<string, string> }
  | { kind: 'redirect' }
  | { kind: 'rewrite'; fn: (body: Buffer) => Buffer };

export interface FaultRule {
  method?: string;
  path: RegExp;
  /** How many matching requests the rule applies to; default every one. */
  times?: number;
  action: FaultAction;
}

export interface SeenRequest {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
  status?: number;
}

export interface FaultProxy {
  url: string;
  host: string;
  rules: FaultRule[];
  requests: SeenRequest[];
  /** Requests that reached the CDN listener (a different host name: localhost). */
  cdnRequests: SeenRequest[];
  stop(): Promise<void>;
}

function listen(server: http.Server, host: string): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));
}

function forward(upstream: string, req: http.IncomingMessage, headers: http.OutgoingHttpHeaders): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(req.url ?? '/', upstream);
    const r = http.request(u, { method: req.method, headers: { ...headers, host: u.host } }, resolve);
    r.on('error', reject);
    req.pipe(r);
  });
}

export async function startFaultProxy(upstream: string, opts: { cdnUpstream?: string } = {}): Promise<FaultProxy> {
  const rules: FaultRule[] = [];
  const requests: SeenRequest[] = [];
  const cdnRequests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let cdnPort = 0;

  const take = (req: http.IncomingMessage): FaultAction[] => {
    const hit: FaultAction[] = [];
    for (const r of rules) {
      if ((r.method && r.method !== req.method) || !r.path.test(req.url ?? '')) continue;
      if (r.times !== undefined) {
        if (r.times <= 0) continue;
        r.times--;
      }
      hit.push(r.action);
    }
    return hit;
  };

  const server = http.createServer(async (req, res) => {
    const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', range: req.headers.range, authorization: req.headers.authorization };
    requests.push(seen);
    const actions = take(req);
    try {
      for (const a of actions) if (a.kind === 'delay') await new Promise((r) => setTimeout(r, a.ms));
      const status = actions.find((a) => a.kind === 'status');
      if (status?.kind === 'status') {
        seen.status = status.status;
        res.writeHead(status.status, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}');
        return;
      }
      if (actions.some((a) => a.kind === 'redirect')) {
        seen.status = 307;
        res.writeHead(307, { location: `http://localhost:${cdnPort}/cdn${req.url}` }).end();
        return;
      }
      const up = await forward(upstream, req, { ...req.headers });
      seen.status = up.statusCode;
      const headers = { ...up.headers };
      for (const a of actions) if (a.kind === 'headers') Object.assign(headers, a.headers);
      const rewrite = actions.find((a) => a.kind === 'rewrite');
      const truncate = actions.find((a) => a.kind === 'truncate');
      if (rewrite?.kind === 'rewrite' || truncate?.kind === 'truncate') {
        const chunks: Buffer[] = [];
        for await (const c of up) chunks.push(c as Buffer);
        let body: Buffer = Buffer.concat(chunks);
        if (rewrite?.kind === 'rewrite') body = rewrite.fn(body);
        if (truncate?.kind === 'truncate') body = body.subarray(0, truncate.bytes);
        headers['content-length'] = String(body.length);
        res.writeHead(up.statusCode ?? 502, headers).end(body);
        return;
      }
      res.writeHead(up.statusCode ?? 502, headers);
      const cut = actions.find((a) => a.kind === 'cut');
      const corrupt = actions.find((a) => a.kind === 'corrupt');
      let sent = 0;
      for await (const chunk of up) {
        let c: Buffer = chunk as Buffer;
        if (corrupt?.kind === 'corrupt' && corrupt.at >= sent && corrupt.at < sent + c.length) {
          c = Buffer.from(c);
          c[corrupt.at - sent] = c[corrupt.at - sent]! ^ 0xff;
        }
        if (cut?.kind === 'cut' && sent + c.length >= cut.afterBytes) {
          res.write(c.subarray(0, cut.afterBytes - sent));
          await new Promise((r) => setTimeout(r, 20));
          if (cut.thenStop) {
            // The registry "dies": no new connections, and every open one is dropped.
            void stopListening();
            for (const s of sockets) s.destroy();
          }
          req.socket.destroy();
          return;
        }
        sent += c.length;
        if (!res.write(c)) await new Promise((r) => res.once('drain', r));
      }
      res.end();
    } catch (e) {
      if (process.env.SKIFF_DEBUG) console.error('fault proxy:', e);
      res.destroy();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  // The "CDN": another host name (localhost, not 127.0.0.1) that serves blobs without auth.
  const cdn = http.createServer(async (req, res) => {
    cdnRequests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, range: req.headers.range });
    try {
      const path = (req.url ?? '').replace(/^\/cdn/, '');
      const up = await forward(opts.cdnUpstream ?? upstream, Object.assign(req, { url: path }), req.headers.range ? { range: req.headers.range } : {});
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    } catch {
      res.destroy();
    }
  });

  const port = await listen(server, '127.0.0.1');
  cdnPort = await listen(cdn, 'localhost');
  let stopped = false;
  async function stopListening(): Promise<void> {
    if (stopped) return;
    stopped = true;
    await new Promise<void>((r) => server.close(() => r()));
  }

  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    rules,
    requests,
    cdnRequests,
    async stop() {
      for (const s of sockets) s.destroy();
      await Promise.all([stopListening(), new Promise<void>((r) => cdn.close(() => r()))]);
      cdn.closeAllConnections();
    },
  };
}
