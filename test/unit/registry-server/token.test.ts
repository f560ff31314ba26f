import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../../src/registry/auth.ts';
import { covers, parseScopes, TokenAuthority } from '../../../src/registry/token.ts';

describe('token auth', () => {
  it('parses scopes, including a host:port name and a resource class', () => {
    expect(parseScopes('repository:library/busybox:pull,push registry:catalog:*')).toEqual([
      { type: 'repository', name: 'library/busybox', actions: ['pull', 'push'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    expect(parseScopes('repository(plugin):a/b:pull')).toEqual([{ type: 'repository', name: 'a/b', actions: ['pull'] }]);
    expect(parseScopes('repository:localhost:5000/x:pull')[0]!.name).toBe('localhost:5000/x');
    expect(parseScopes('nonsense')).toEqual([]);
  });

  it('signs ES256 JWTs it alone verifies; expiry, audience and tampering are refused', async () => {
    const a = await TokenAuthority.open({ service: 'svc' });
    const b = await TokenAuthority.open({ service: 'svc' });
    const { token, claims } = a.issue('alice', [{ type: 'repository', name: 'x/y', actions: ['pull'] }]);
    const [h] = token.split('.');
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString());
    expect(header).toMatchObject({ typ: 'JWT', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
    expect(header.kid).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(a.verify(token)).toEqual(claims);
    expect(b.verify(token)).toBeUndefined();
    const body = Buffer.from(JSON.stringify({ ...claims, access: [{ type: 'repository', name: 'x/y', actions: ['push'] }] })).toString('base64url');
    expect(a.verify([h, body, token.split('.')[2]].join('.'))).toBeUndefined();
    const other = await TokenAuthority.open({ service: 'another' });
    expect(other.verify(token)).toBeUndefined();
    expect(a.verify('not.a.token')).toBeUndefined();
    const short = await TokenAuthority.open({ service: 'svc', lifetimeSeconds: -20 });
    expect(short.verify(short.issue('x', []).token)).toBeUndefined();
  });

  it('checks access per repository and action', () => {
    const granted = [{ type: 'repository', name: 'a/b', actions: ['pull', 'push'] }, { type: 'repository', name: 'c', actions: ['*'] }];
    expect(covers(granted, 'repository', 'a/b', 'push')).toBe(true);
    expect(covers(granted, 'repository', 'a/b', 'delete')).toBe(false);
    expect(covers(granted, 'repository', 'a/bc', 'pull')).toBe(false);
    expect(covers(granted, 'repository', 'c', 'delete')).toBe(true);
  });

  it('default policy: with users, anonymous only pulls and lists; without, everyone may do anything', () => {
    const withUsers = defaultPolicy(true);
    const want = { type: 'repository', name: 'a', actions: ['pull', 'push', 'bogus'] };
    expect(withUsers(undefined, want)).toEqual(['pull']);
    expect(withUsers('alice', want)).toEqual(['pull', 'push']);
    expect(withUsers(undefined, { type: 'registry', name: 'catalog', actions: ['*'] })).toEqual(['*']);
    expect(defaultPolicy(false)(undefined, want)).toEqual(['pull', 'push']);
  });
});
