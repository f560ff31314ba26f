// Registry authentication, the way Docker does it (distribution docs/spec/auth/token.md):
//  - The registry answers 401 with `WWW-Authenticate: Bearer realm=...,service=...` (or `Basic`).
//  - For Bearer, the client asks the token service at `realm` for a token valid for a *scope*
//    (`repository:library/busybox:pull`), anonymously or with the user's Basic credentials, and
//    then repeats the request with `Authorization: Bearer <token>`.
//  - For Basic, the client simply sends the username and password with every request.
// Tokens are cached per scope until shortly before they expire.
import { request, type Dispatcher } from 'undici';
import { SkiffError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import type { Challenge } from './challenge.ts';

export interface Credentials {
  username: string;
  password: string;
}

export function basicHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

export class TokenSource {
  private readonly cache = new Map<string, CachedToken>();

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly events: EventBus,
    private readonly credentials: Credentials | undefined,
    private readonly pullId: string | undefined,
  ) {}

  cached(realm: string, scope: string): string | undefined {
    const t = this.cache.get(`${realm} ${scope}`);
    return t && t.expiresAt > Date.now() ? t.token : undefined;
  }

  forget(realm: string, scope: string): void {
    this.cache.delete(`${realm} ${scope}`);
  }

  /** Fetches a Bearer token for `scope` from the challenge's realm. */
  async fetch(challenge: Challenge, scope: string): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw new SkiffError('REGISTRY_ERROR', 'the registry asked for a Bearer token but named no token service (realm)', 'the registry is misconfigured');
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    // Several scopes (a push that mounts from another repository) are several `scope` parameters.
    for (const one of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', one);
    const headers: Record<string, string> = {};
    if (this.credentials) headers.authorization = basicHeader(this.credentials);
    const started = performance.now();
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: 'GET', headers, dispatcher: this.dispatcher });
    } catch (e) {
      this.events.emit({ type: 'http', pullId: this.pullId, step: 'token', method: 'GET', url: url.toString(), status: 0, ms: performance.now() - started, error: (e as Error).message, attempt: 1 });
      throw new SkiffError('NETWORK', `cannot reach the token service at ${url.host}: ${(e as Error).message}`, 'check your network connection', { cause: e });
    }
    this.events.emit({
      type: 'http', pullId: this.pullId, step: 'token', method: 'GET', url: url.toString(), status: res.statusCode,
      ms: performance.now() - started, auth: this.credentials ? 'basic' : undefined, attempt: 1,
    });
    const text = await res.body.text();
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw new SkiffError('UNAUTHORIZED', `the token service at ${url.host} refused ${this.credentials ? `the credentials of ${this.credentials.username}` : 'an anonymous request'} (${res.statusCode})`, this.credentials ? 'check the username and password (skiff login)' : 'this registry needs a login: skiff login ' + url.host);
    }
    if (res.statusCode !== 200) {
      throw new SkiffError('REGISTRY_ERROR', `the token service at ${url.host} answered ${res.statusCode}`, 'try again later');
    }
    let body: { token?: string; access_token?: string; expires_in?: number };
    try {
      body = JSON.parse(text);
    } catch {
      throw new SkiffError('REGISTRY_ERROR', `the token service at ${url.host} sent something that is not JSON`, 'the token service is misconfigured');
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new SkiffError('REGISTRY_ERROR', `the token service at ${url.host} sent no token`, 'the token service is misconfigured');
    // The spec's default lifetime is 60 s; renew 10 s early so a token never expires mid-request.
    const lifetime = Math.max(10, body.expires_in ?? 60);
    this.cache.set(`${realm} ${scope}`, { token, expiresAt: Date.now() + (lifetime - 10) * 1000 });
    return token;
  }
}
