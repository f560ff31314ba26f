// Who may push and pull: htpasswd basic auth and token auth on Skiff's registry, accepted and
// refused, and Skiff's pusher doing the Bearer `push,pull` handshake against the real registry
// behind a token server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSkiffError } from '../../../src/engine/errors.ts';
import type { HttpExchangeEvent } from '../../../src/engine/events.ts';
import { buildBaseImage } from '../../../src/engine/image/base.ts';
import { Pusher } from '../../../src/engine/image/push.ts';
import { checkLogin } from '../../../src/engine/registry/login.ts';
import { Htpasswd, htpasswdLine, parseHtpasswd } from '../../../src/registry/htpasswd.ts';
import { TokenAuthority } from '../../../src/registry/token.ts';
import { startDistribution } from '../../helpers/registry.ts';
import { startSkiffRegistry, type TestRegistry } from '../../helpers/skiff-registry.ts';
import { startTokenServer } from '../../helpers/token-server.ts';
import { canRun, freshEngine, needs } from '../../helpers/world.ts';

const users = () => new Htpasswd(parseHtpasswd(`${htpasswdLine('alice', 'wonderland', 4)}\n${htpasswdLine('bob', 'builder', 4)}\n`));
const alice = { username: 'alice', password: 'wonderland' };
const bob = { username: 'bob', password: 'builder' };

async function rejects(p: Promise<unknown>, code: string): Promise<Error> {
  try {
    await p;
  } catch (e) {
    expect(isSkiffError(e) ? e.code : String(e)).toBe(code);
    return e as Error;
  }
  throw new Error(`expected ${code}`);
}

describe.skipIf(!canRun)(`registry auth (${needs})`, () => {
  describe('htpasswd (Basic)', () => {
    let reg: TestRegistry;
    beforeAll(async () => {
      reg = await startSkiffRegistry({ auth: { kind: 'htpasswd', htpasswd: users() } });
    });
    afterAll(() => reg?.stop());

    it('answers 401 with a Basic challenge and Docker\'s error body to anyone without a login', async () => {
      const res = await fetch(`${reg.url}/v2/`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Skiff Registry"');
      expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
      expect((await res.json() as { errors: { code: string }[] }).errors[0]!.code).toBe('UNAUTHORIZED');
      const wrong = await fetch(`${reg.url}/v2/`, { headers: { authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}` } });
      expect(wrong.status).toBe(401);
      await wrong.arrayBuffer();
    });

    it('login checks the password; a push with the right one goes through, with the wrong one does not', async () => {
      expect(await checkLogin(reg.url, alice)).toEqual({ scheme: 'basic' });
      await rejects(checkLogin(reg.url, { username: 'alice', password: 'nope' }), 'UNAUTHORIZED');
      const a = await freshEngine();
      const b = await freshEngine();
      try {
        const name = `${reg.host}/private/app:1`;
        await buildBaseImage(a.engine.store, name);
        const pusher = new Pusher(a.engine.store, a.engine.events);
        await rejects(pusher.push(name), 'UNAUTHORIZED');
        await rejects(pusher.push(name, { credentials: { username: 'alice', password: 'nope' } }), 'UNAUTHORIZED');
        const r = await pusher.push(name, { credentials: alice });
        expect(a.events.filter((e): e is HttpExchangeEvent => e.type === 'http' && e.status === 201).every((e) => e.auth === 'basic')).toBe(true);
        await rejects(b.engine.pull(name), 'UNAUTHORIZED');
        expect((await b.engine.pull(name, { credentials: bob })).manifestDigest).toBe(r.digest);
      } finally {
        a.dispose();
        b.dispose();
      }
    });
  });

  describe('token (Bearer, scopes per repository and action)', () => {
    let reg: TestRegistry;
    beforeAll(async () => {
      reg = await startSkiffRegistry({ auth: { kind: 'token', authority: await TokenAuthority.open({ service: 'skiff-test' }), htpasswd: users() } });
    });
    afterAll(() => reg?.stop());

    it('challenges with its own token service; refuses a wrong password; grants what the policy allows', async () => {
      const res = await fetch(`${reg.url}/v2/learner/app/manifests/1`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="http://${reg.host}/token",service="skiff-test",scope="repository:learner/app:pull"`);
      await res.arrayBuffer();
      const token = async (scope: string, who?: { username: string; password: string }) => {
        const r = await fetch(`${reg.url}/token?service=skiff-test&scope=${encodeURIComponent(scope)}`, who ? { headers: { authorization: `Basic ${Buffer.from(`${who.username}:${who.password}`).toString('base64')}` } } : {});
        return { status: r.status, body: (await r.json()) as { token?: string } };
      };
      expect((await token('repository:learner/app:pull,push', { username: 'alice', password: 'nope' })).status).toBe(401);
      const claims = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as { access: unknown; sub: string; aud: string };
      const anon = await token('repository:learner/app:pull,push');
      expect(claims(anon.body.token!)).toMatchObject({ sub: '', aud: 'skiff-test', access: [{ type: 'repository', name: 'learner/app', actions: ['pull'] }] });
      const mine = await token('repository:learner/app:pull,push', alice);
      expect(claims(mine.body.token!)).toMatchObject({ sub: 'alice', access: [{ type: 'repository', name: 'learner/app', actions: ['pull', 'push'] }] });
      // A token for learner/app opens nothing else: push to another repository is insufficient_scope.
      const other = await fetch(`${reg.url}/v2/learner/other/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${mine.body.token}` } });
      expect(other.status).toBe(401);
      expect(other.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      await other.arrayBuffer();
      const forged = mine.body.token!.slice(0, -4) + (mine.body.token!.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      const bad = await fetch(`${reg.url}/v2/`, { headers: { authorization: `Bearer ${forged}` } });
      expect(bad.status).toBe(401);
      await bad.arrayBuffer();
      expect(await checkLogin(reg.url, alice)).toMatchObject({ scheme: 'bearer' });
      await rejects(checkLogin(reg.url, { username: 'bob', password: 'nope' }), 'UNAUTHORIZED');
    });

    it('a user pushes; anonymous pulls but cannot push', async () => {
      const a = await freshEngine();
      const b = await freshEngine();
      try {
        const name = `${reg.host}/learner/app:1`;
        await buildBaseImage(a.engine.store, name);
        const pusher = new Pusher(a.engine.store, a.engine.events);
        await rejects(pusher.push(name), 'UNAUTHORIZED');
        a.events.length = 0;
        const r = await pusher.push(name, { credentials: alice });
        const tokens = a.events.filter((e): e is HttpExchangeEvent => e.type === 'http' && e.step === 'token');
        expect(tokens.length).toBeGreaterThan(0);
        expect(new URL(tokens[0]!.url).searchParams.getAll('scope')).toEqual(['repository:learner/app:push,pull']);
        expect((await b.engine.pull(name)).manifestDigest).toBe(r.digest);
      } finally {
        a.dispose();
        b.dispose();
      }
    });
  });

  it('Skiff pushes to docker-registry behind a token server: scope push,pull, Bearer on every upload', async () => {
    const tokens = await startTokenServer({ users: { alice: 'wonderland' } });
    const dist = await startDistribution({ auth: { kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certPath } });
    const a = await freshEngine();
    try {
      const name = `${dist.host}/learner/app:1`;
      await buildBaseImage(a.engine.store, name);
      const pusher = new Pusher(a.engine.store, a.engine.events);
      await rejects(pusher.push(name), 'UNAUTHORIZED');
      a.events.length = 0;
      const r = await pusher.push(name, { credentials: alice });
      expect(tokens.requests.at(-1)).toMatchObject({ account: 'alice', scopes: [{ type: 'repository', name: 'learner/app', actions: ['push', 'pull'] }], status: 200 });
      const uploads = a.events.filter((e): e is HttpExchangeEvent => e.type === 'http' && (e.step === 'upload' || e.step === 'manifest') && e.status < 300);
      expect(uploads.length).toBeGreaterThan(0);
      expect(uploads.every((e) => e.auth === 'bearer')).toBe(true);
      expect(r.digest).toMatch(/^sha256:/);
    } finally {
      a.dispose();
      await dist.stop();
      await tokens.stop();
    }
  });
});
