// The registry handshake against the real Distribution registry with Bearer tokens (a token
// service of our own, trusted by the registry) and with htpasswd Basic auth; then every failure a
// pull must survive or report, injected by a proxy in front of the registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import type { HttpExchangeEvent } from '../../src/engine/events.ts';
import { type FaultProxy, startFaultProxy } from '../helpers/faults.ts';
import { type RunningRegistry, startDistribution } from '../helpers/registry.ts';
import { type RunningTokenServer, startTokenServer } from '../helpers/token-server.ts';
import { canRun, freshEngine, needs, snapshot, startWorld, type World } from '../helpers/world.ts';

let world: World;
let tokens: RunningTokenServer;
let tokenRegistry: RunningRegistry;
let privateTokens: RunningTokenServer;
let privateRegistry: RunningRegistry;
let basicRegistry: RunningRegistry;

beforeAll(async () => {
  if (!canRun) return;
  world = await startWorld();
  tokens = await startTokenServer({ users: { alice: 'wonderland' } });
  privateTokens = await startTokenServer({ users: { alice: 'wonderland' }, anonymous: false });
  [tokenRegistry, privateRegistry, basicRegistry] = await Promise.all([
    startDistribution({ root: world.storage, auth: { kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certPath } }),
    startDistribution({ root: world.storage, auth: { kind: 'token', realm: privateTokens.realm, service: privateTokens.service, issuer: privateTokens.issuer, rootCertBundle: privateTokens.certPath } }),
    startDistribution({ root: world.storage, auth: { kind: 'htpasswd', users: { bob: 'builder' } } }),
  ]);
});
afterAll(async () => {
  await Promise.all([tokenRegistry?.stop(), privateRegistry?.stop(), basicRegistry?.stop(), tokens?.stop(), privateTokens?.stop()]);
  await world?.stop();
});

const http = (events: { type: string }[]) => events.filter((e): e is HttpExchangeEvent => e.type === 'http');

describe.skipIf(!canRun)(`registry authentication (${needs})`, () => {
  it('does the Bearer handshake anonymously: ping 401, token, then every request with the token', async () => {
    const { engine, events, dispose } = await freshEngine();
    try {
      tokens.requests.length = 0;
      await engine.pull(`${tokenRegistry.host}/layered:v1`);
      const steps = http(events).map((e) => `${e.step} ${e.status}${e.auth ? ' ' + e.auth : ''}`);
      expect(steps.slice(0, 3)).toEqual(['ping 401', 'token 200', 'manifest 200 bearer']);
      expect(steps.filter((s) => s.startsWith('blob'))).toEqual(['blob 200 bearer', 'blob 200 bearer', 'blob 200 bearer']);
      expect(events.find((e) => e.type === 'auth.challenge')).toMatchObject({ scheme: 'bearer', realm: tokens.realm, service: tokens.service });
      expect(tokens.requests).toHaveLength(1); // one token, cached for the whole pull
      expect(tokens.requests[0]).toMatchObject({ basic: false, scopes: [{ type: 'repository', name: 'layered', actions: ['pull'] }] });
      for (const e of http(events)) expect(e.url).not.toMatch(/token=|access_token/);
    } finally {
      dispose();
    }
  });

  it('sends credentials to the token service when it needs them, and refuses without', async () => {
    const { engine, root, dispose } = await freshEngine();
    try {
      const before = snapshot(root);
      await expect(engine.pull(`${privateRegistry.host}/layered:v2`)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(engine.pull(`${privateRegistry.host}/layered:v2`, { credentials: { username: 'alice', password: 'nope' } })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      expect(snapshot(root)).toEqual(before);
      privateTokens.requests.length = 0;
      await engine.pull(`${privateRegistry.host}/layered:v2`, { credentials: { username: 'alice', password: 'wonderland' } });
      expect(privateTokens.requests.at(-1)).toMatchObject({ basic: true, account: 'alice', status: 200 });
    } finally {
      dispose();
    }
  });

  it('uses Basic auth when the registry asks for it (htpasswd)', async () => {
    const { engine, events, dispose } = await freshEngine();
    try {
      await expect(engine.pull(`${basicRegistry.host}/dockerfmt`)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      events.length = 0;
      await engine.pull(`${basicRegistry.host}/dockerfmt`, { credentials: { username: 'bob', password: 'builder' } });
      expect(events.find((e) => e.type === 'auth.challenge')).toMatchObject({ scheme: 'basic' });
      expect(http(events).filter((e) => e.step !== 'ping').every((e) => e.auth === 'basic' && e.status === 200)).toBe(true);
    } finally {
      dispose();
    }
  });
});

describe.skipIf(!canRun)(`failures on the way (${needs})`, () => {
  let proxy: FaultProxy;
  let tokenProxy: FaultProxy;
  beforeAll(async () => {
    if (!canRun) return;
    proxy = await startFaultProxy(world.registry.url);
    tokenProxy = await startFaultProxy(tokenRegistry.url, { cdnUpstream: world.registry.url });
  });
  afterAll(async () => {
    await proxy?.stop();
    await tokenProxy?.stop();
  });
  const layerPath = (name: string, i: number) => new RegExp(`/blobs/${world.pushed[name]!.layers[i]!.digest}`);
  const fast = { backoffMs: 10 };

  it('retries 5xx answers with backoff', async () => {
    const { engine, events, dispose } = await freshEngine();
    try {
      proxy.rules.push({ method: 'GET', path: /\/manifests\//, times: 2, action: { kind: 'status', status: 503 } });
      await engine.pull(`${proxy.host}/dockerfmt`, fast);
      expect(http(events).filter((e) => e.step === 'manifest').map((e) => `${e.status}#${e.attempt}`)).toEqual(['503#1', '503#2', '200#3']);
    } finally {
      proxy.rules.length = 0;
      dispose();
    }
  });

  it('gives up on a registry that keeps failing, with one clear line', async () => {
    const { engine, root, dispose } = await freshEngine();
    try {
      const before = snapshot(root);
      proxy.rules.push({ method: 'GET', path: /\/manifests\//, action: { kind: 'status', status: 500 } });
      await expect(engine.pull(`${proxy.host}/dockerfmt`, fast)).rejects.toMatchObject({ code: 'REGISTRY_ERROR', message: expect.stringMatching(/answered 500/) });
      expect(snapshot(root)).toEqual(before);
    } finally {
      proxy.rules.length = 0;
      dispose();
    }
  });

  it('retries a request whose answer stalls past the time-out', async () => {
    const { engine, events, dispose } = await freshEngine();
    const dispatcher = new Agent({ headersTimeout: 300, bodyTimeout: 300 });
    try {
      proxy.rules.push({ method: 'GET', path: /\/manifests\//, times: 1, action: { kind: 'delay', ms: 1000 } });
      await engine.pull(`${proxy.host}/dockerfmt`, { ...fast, dispatcher });
      const manifests = http(events).filter((e) => e.step === 'manifest');
      expect(manifests[0]).toMatchObject({ status: 0, error: 'timed out' });
      expect(manifests.at(-1)).toMatchObject({ status: 200, attempt: 2 });
    } finally {
      proxy.rules.length = 0;
      await dispatcher.close();
      dispose();
    }
  });

  it('resumes a blob with a Range request after the connection drops mid-download', async () => {
    const { engine, events, dispose } = await freshEngine();
    try {
      // var/big makes the first layer ~600 kB of incompressible-enough data? It is zeros of 7: cut early.
      proxy.rules.push({ method: 'GET', path: layerPath('layered:v1', 0), times: 1, action: { kind: 'cut', afterBytes: 200 } });
      const r = await engine.pull(`${proxy.host}/layered:v1`, fast);
      expect(r.imageId).toBe(world.pushed['layered:v1']!.configDigest);
      const gets = http(events).filter((e) => e.step === 'blob' && e.url.includes(world.pushed['layered:v1']!.layers[0]!.digest));
      expect(gets.map((e) => e.range)).toEqual([undefined, 'bytes=200-']);
      expect(gets[1]!.status).toBe(206);
    } finally {
      proxy.rules.length = 0;
      dispose();
    }
  });

  it('resumes after a body that ends early but cleanly (short Content-Length)', async () => {
    const { engine, events, dispose } = await freshEngine();
    try {
      proxy.rules.push({ method: 'GET', path: layerPath('layered:v1', 0), times: 1, action: { kind: 'truncate', bytes: 100 } });
      await engine.pull(`${proxy.host}/layered:v1`, fast);
      expect(http(events).filter((e) => e.range).map((e) => e.range)).toEqual(['bytes=100-']);
    } finally {
      proxy.rules.length = 0;
      dispose();
    }
  });

  it('reports a corrupted blob as a digest mismatch and stores nothing', async () => {
    const { engine, root, dispose } = await freshEngine();
    try {
      const before = snapshot(root);
      proxy.rules.push({ method: 'GET', path: layerPath('layered:v1', 2), action: { kind: 'corrupt', at: 20 } });
      await expect(engine.pull(`${proxy.host}/layered:v1`, fast)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
      expect(snapshot(root)).toEqual(before);
    } finally {
      proxy.rules.length = 0;
      dispose();
    }
  });

  it('reports a tampered manifest (a digest swapped in it) and stores nothing', async () => {
    const { engine, root, dispose } = await freshEngine();
    try {
      const before = snapshot(root);
      const l = world.pushed['layered:v1']!.layers;
      proxy.rules.push({ method: 'GET', path: /\/manifests\/v1/, action: { kind: 'rewrite', fn: (b) => Buffer.from(b.toString().replace(l[1]!.digest, l[2]!.digest)) } });
      await expect(engine.pull(`${proxy.host}/layered:v1`, fast)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
      expect(snapshot(root)).toEqual(before);
    } finally {
      proxy.rules.length = 0;
      dispose();
    }
  });

  it('reports a registry killed mid-blob, and leaves the store as it was', async () => {
    const { engine, root, dispose } = await freshEngine();
    const dying = await startFaultProxy(world.registry.url);
    try {
      const before = snapshot(root);
      dying.rules.push({ method: 'GET', path: layerPath('layered:v1', 0), action: { kind: 'cut', afterBytes: 300, thenStop: true } });
      await expect(engine.pull(`${dying.host}/layered:v1`, fast)).rejects.toMatchObject({ code: 'NETWORK', message: expect.stringMatching(/connection refused/) });
      expect(snapshot(root)).toEqual(before);
    } finally {
      await dying.stop();
      dispose();
    }
  });

  it('follows a blob redirect to another host without sending the token there', async () => {
    const { engine, events, dispose } = await freshEngine();
    try {
      tokenProxy.cdnRequests.length = 0;
      tokenProxy.rules.push({ method: 'GET', path: /\/blobs\//, action: { kind: 'redirect' } });
      await engine.pull(`${tokenProxy.host}/layered:v2`, fast);
      const redirects = http(events).filter((e) => e.status === 307);
      expect(redirects.length).toBeGreaterThan(0);
      expect(redirects.every((e) => e.auth === 'bearer' && e.location?.startsWith('http://localhost:'))).toBe(true);
      expect(tokenProxy.cdnRequests.length).toBe(redirects.length);
      expect(tokenProxy.cdnRequests.every((r) => r.authorization === undefined)).toBe(true);
    } finally {
      tokenProxy.rules.length = 0;
      dispose();
    }
  });

  it('surfaces Docker Hub rate-limit headers as events', async () => {
    const { engine, events, dispose } = await freshEngine();
    try {
      proxy.rules.push({ method: 'GET', path: /\/manifests\//, action: { kind: 'headers', headers: { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '99;w=21600', 'docker-ratelimit-source': '192.0.2.1' } } });
      await engine.pull(`${proxy.host}/dockerfmt`, fast);
      expect(events.find((e) => e.type === 'ratelimit')).toMatchObject({ limit: '100;w=21600', remaining: '99;w=21600', source: '192.0.2.1' });
      proxy.rules.length = 0;
      proxy.rules.push({ method: 'GET', path: /\/manifests\//, action: { kind: 'status', status: 429 } });
      await expect(engine.pull(`${proxy.host}/layered:v2`, { attempts: 1 })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    } finally {
      proxy.rules.length = 0;
      dispose();
    }
  });
});
