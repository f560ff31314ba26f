// `login`: are these credentials good for this registry? Asked the way `docker login` asks it
// (docker/docker registry/auth.go loginV2): GET /v2/ and follow the challenge —
//   200                → the registry wants no login: nothing to check, the login "succeeds"
//   401 Basic          → GET /v2/ again with the credentials: 200 means they are right
//   401 Bearer realm=… → ask the token service for a token with the credentials (no scope: only
//                         the account is being checked), then GET /v2/ with that token
import { type Dispatcher, request } from 'undici';
import { SkiffError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import { registryEndpoint } from '../reference.ts';
import { basicHeader, type Credentials } from './auth.ts';
import { parseChallenges } from './challenge.ts';
import { defaultDispatcher } from './transport.ts';

/**
 * Where a registry domain's API answers: https, except loopback registries and those named as
 * insecure (dockerd's --insecure-registry), which speak plain HTTP.
 */
export function registryOrigin(domain: string, insecureRegistries: readonly string[] = [], forceHttp = false): string {
  // SKIFF_DOCKER_HUB stands in for Docker Hub's API server: an air-gapped site's own, or, in tests,
  // a closed port — "Docker Hub is out of reach" made certain on any machine.
  if (registryEndpoint(domain).host === 'registry-1.docker.io' && process.env.SKIFF_DOCKER_HUB) return process.env.SKIFF_DOCKER_HUB.replace(/\/+$/, '');
  const { host, insecureByDefault } = registryEndpoint(domain);
  return `${insecureByDefault || forceHttp || insecureRegistries.includes(domain) ? 'http' : 'https'}://${host}`;
}

export interface LoginResult {
  /** How the registry checked the credentials. */
  scheme: 'none' | 'basic' | 'bearer';
  /** A token the registry handed out (Bearer), for those who want to keep it. */
  token?: string;
}

async function get(url: URL, headers: Record<string, string>, dispatcher: Dispatcher, events: EventBus | undefined, step: 'ping' | 'token'): Promise<Dispatcher.ResponseData> {
  const started = performance.now();
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, { method: 'GET', headers: { 'user-agent': 'skiff/0.1', ...headers }, dispatcher });
  } catch (e) {
    events?.emit({ type: 'http', step, method: 'GET', url: url.toString(), status: 0, ms: performance.now() - started, attempt: 1, error: (e as Error).message });
    throw new SkiffError('NETWORK', `cannot reach ${url.host}: ${(e as Error).message}`, 'check that the registry is running and the address is right');
  }
  events?.emit({ type: 'http', step, method: 'GET', url: url.toString(), status: res.statusCode, ms: performance.now() - started, attempt: 1, ...(headers.authorization ? { auth: headers.authorization.startsWith('Basic') ? 'basic' as const : 'bearer' as const } : {}) });
  return res;
}

function refused(host: string): SkiffError {
  return new SkiffError('UNAUTHORIZED', `login to ${host} failed: unauthorized: incorrect username or password`, 'check the username and password');
}

/** Checks `credentials` against the registry at `origin` (http://127.0.0.1:5000, https://…). */
export async function checkLogin(origin: string, credentials: Credentials, opts: { dispatcher?: Dispatcher; events?: EventBus } = {}): Promise<LoginResult> {
  const dispatcher = opts.dispatcher ?? defaultDispatcher;
  const ping = new URL('/v2/', origin);
  const host = ping.host;
  const first = await get(ping, {}, dispatcher, opts.events, 'ping');
  await first.body.dump();
  if (first.statusCode === 200) return { scheme: 'none' };
  if (first.statusCode !== 401) {
    throw new SkiffError('REGISTRY_ERROR', `${host} answered ${first.statusCode} to GET /v2/`, first.statusCode === 404 ? 'this is not a registry v2 API' : 'the registry may be down; try again later');
  }
  const challenges = parseChallenges(first.headers['www-authenticate']);
  const bearer = challenges.find((c) => c.scheme === 'bearer');
  const basic = challenges.find((c) => c.scheme === 'basic');
  if (bearer) {
    const realm = bearer.params.realm;
    if (!realm) throw new SkiffError('REGISTRY_ERROR', `${host} asked for a Bearer token but named no token service`, 'the registry is misconfigured');
    const url = new URL(realm);
    if (bearer.params.service) url.searchParams.set('service', bearer.params.service);
    url.searchParams.set('account', credentials.username);
    url.searchParams.set('client_id', 'skiff');
    const res = await get(url, { authorization: basicHeader(credentials) }, dispatcher, opts.events, 'token');
    const text = await res.body.text();
    if (res.statusCode === 401 || res.statusCode === 403) throw refused(host);
    if (res.statusCode !== 200) throw new SkiffError('REGISTRY_ERROR', `the token service at ${url.host} answered ${res.statusCode}`, 'try again later');
    let token: string | undefined;
    try {
      const doc = JSON.parse(text) as { token?: string; access_token?: string };
      token = doc.token ?? doc.access_token;
    } catch {
      token = undefined;
    }
    if (!token) throw new SkiffError('REGISTRY_ERROR', `the token service at ${url.host} sent no token`, 'the token service is misconfigured');
    const again = await get(ping, { authorization: `Bearer ${token}` }, dispatcher, opts.events, 'ping');
    await again.body.dump();
    if (again.statusCode !== 200) throw refused(host);
    return { scheme: 'bearer', token };
  }
  if (basic) {
    const again = await get(ping, { authorization: basicHeader(credentials) }, dispatcher, opts.events, 'ping');
    await again.body.dump();
    if (again.statusCode === 200) return { scheme: 'basic' };
    if (again.statusCode === 401 || again.statusCode === 403) throw refused(host);
    throw new SkiffError('REGISTRY_ERROR', `${host} answered ${again.statusCode} to GET /v2/`, 'try again later');
  }
  throw new SkiffError('REGISTRY_ERROR', `${host} asks for an authentication scheme Skiff does not know (${challenges.map((c) => c.scheme).join(', ') || 'none named'})`, 'only Basic and Bearer token auth are supported');
}
