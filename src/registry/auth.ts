// Who may do what: the registry's gate. Three modes, as distribution's `auth:` section has them:
//   none      everyone may do everything (a registry on 127.0.0.1 for one learner)
//   htpasswd  Basic credentials on every request, checked against a bcrypt htpasswd file; a known
//             user may do everything (distribution's htpasswd has no per-repository rules)
//   token     Bearer tokens from the registry's own token service (token.ts), each carrying the
//             repositories and actions it grants; checked per repository and action
// A refusal is 401 with a challenge (`WWW-Authenticate`) that tells the client how to get in.
import type { IncomingMessage } from 'node:http';
import { RegistryError } from './errors.ts';
import type { Htpasswd } from './htpasswd.ts';
import { type Access, covers, formatScope, parseScopes, type TokenAuthority } from './token.ts';

/** What a user (undefined: anonymous) is granted of one asked-for resource's actions. */
export type Policy = (user: string | undefined, wanted: Access) => string[];

export type AuthMode =
  | { kind: 'none' }
  | { kind: 'htpasswd'; htpasswd: Htpasswd; realm?: string }
  | { kind: 'token'; authority: TokenAuthority; htpasswd?: Htpasswd; policy?: Policy };

const ACTIONS = ['pull', 'push', 'delete', '*'];

/**
 * The token service's default rules. With users (an htpasswd file): anonymous clients may pull and
 * list, logged-in users may do anything. Without: everyone may do anything — the token dance is
 * then there to be seen, not to keep anyone out.
 */
export function defaultPolicy(hasUsers: boolean): Policy {
  return (user, wanted) => {
    const known = wanted.actions.filter((a) => ACTIONS.includes(a));
    if (!hasUsers || user !== undefined) return known;
    if (wanted.type === 'registry' && wanted.name === 'catalog') return known;
    return known.filter((a) => a === 'pull');
  };
}

export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

function bearer(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

const quote = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

export class Gate {
  constructor(private readonly mode: AuthMode) {}

  get kind(): AuthMode['kind'] {
    return this.mode.kind;
  }

  /**
   * Lets the request through when it may do all of `needed` (empty: any authenticated client, as
   * for GET /v2/); otherwise throws UNAUTHORIZED with the challenge. Returns the user, if any.
   */
  async check(req: IncomingMessage, needed: Access[]): Promise<string | undefined> {
    const m = this.mode;
    if (m.kind === 'none') return undefined;
    if (m.kind === 'htpasswd') {
      const c = basicCredentials(req.headers.authorization);
      if (c && (await m.htpasswd.verify(c.user, c.password))) return c.user;
      throw new RegistryError('UNAUTHORIZED', undefined, needed.map((n) => ({ Type: n.type, Name: n.name, Action: n.actions.join(',') })), {
        headers: { 'WWW-Authenticate': `Basic realm=${quote(m.realm ?? 'Skiff Registry')}` },
      });
    }
    const token = bearer(req.headers.authorization);
    const claims = token ? m.authority.verify(token) : undefined;
    const missing = claims ? needed.filter((n) => !n.actions.every((a) => covers(claims.access, n.type, n.name, a))) : needed;
    if (claims && missing.length === 0) return claims.sub || undefined;
    const realm = `http://${req.headers.host ?? '127.0.0.1'}/token`;
    let challenge = `Bearer realm=${quote(realm)},service=${quote(m.authority.service)}`;
    if (needed.length) challenge += `,scope=${quote(needed.map(formatScope).join(' '))}`;
    if (claims) challenge += ',error="insufficient_scope"';
    else if (token) challenge += ',error="invalid_token"';
    throw new RegistryError('UNAUTHORIZED', claims ? 'authentication required: the token does not grant this' : undefined,
      missing.map((n) => ({ Type: n.type, Name: n.name, Action: n.actions.join(',') })), { headers: { 'WWW-Authenticate': challenge } });
  }

  /** GET /token: the token service (token mode only). */
  async token(req: IncomingMessage, query: URLSearchParams): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const m = this.mode;
    if (m.kind !== 'token') return { status: 404, body: { errors: [{ code: 'UNSUPPORTED', message: 'this registry does not use token auth' }] } };
    const service = query.get('service');
    if (service && service !== m.authority.service) return { status: 400, body: { errors: [{ code: 'DENIED', message: `unknown service ${service}` }] } };
    let user: string | undefined;
    const basic = basicCredentials(req.headers.authorization);
    if (req.headers.authorization) {
      if (!basic) return this.refused('only Basic credentials are accepted here');
      if (m.htpasswd && !(await m.htpasswd.verify(basic.user, basic.password))) return this.refused('incorrect username or password');
      user = basic.user;
    }
    const policy = m.policy ?? defaultPolicy(m.htpasswd !== undefined);
    const wanted = query.getAll('scope').flatMap(parseScopes);
    // Grant the intersection of what was asked and what is allowed, as Docker Hub does: an empty
    // grant is still a token, and the registry then answers insufficient_scope.
    const access = wanted.map((w) => ({ ...w, actions: policy(user, w) }));
    const { token, claims } = m.authority.issue(user ?? '', access);
    return { status: 200, body: { token, access_token: token, expires_in: m.authority.lifetimeSeconds, issued_at: new Date(claims.iat * 1000).toISOString() } };
  }

  private refused(details: string) {
    return { status: 401, body: { errors: [{ code: 'UNAUTHORIZED', message: details }] }, headers: { 'WWW-Authenticate': 'Basic realm="Skiff Registry token service"' } };
  }
}
