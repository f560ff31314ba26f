// A small token service speaking Docker's registry token flow (distribution docs/spec/auth/
// token.md and jwt.md), so the registry client's Bearer handshake is tested against the real
// registry's verifier instead of against our own idea of it:
//   1. the registry answers 401 `WWW-Authenticate: Bearer realm=...,service=...,scope=...`
//   2. the client GETs `{realm}?service=S&scope=repository:NAME:pull` (Basic auth if logged in)
//   3. we answer `{token, access_token, expires_in, issued_at}`; the token is a JWT whose x5c
//      certificate chains to the registry's `rootcertbundle`, and whose `access` claim lists
//      what was granted. The registry checks iss, aud, exp/nbf and the access claim.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One `type:name:actions` scope, e.g. `repository:library/busybox:pull,push`. */
export interface TokenScope {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenRequestRecord {
  method: string;
  path: string;
  query: Record<string, string[]>;
  service: string | undefined;
  scopes: TokenScope[];
  /** Whether the request carried `Authorization: Basic ...` at all. */
  basic: boolean;
  /** The Basic user name when one was sent. */
  account: string | undefined;
  status: number;
}

export interface TokenServerOptions {
  service?: string;
  issuer?: string;
  /** Users allowed to log in: name → password. */
  users?: Record<string, string>;
  /** What anonymous clients may do; `false` answers 401 without credentials. Default ['pull']. */
  anonymous?: false | readonly string[];
  /** Actions a logged-in user may take, per user; default pull, push, delete and `*`. */
  userActions?: Record<string, readonly string[]>;
  /** Token lifetime in seconds; default 300 (the spec's minimum useful value is 60). */
  expiresIn?: number;
}

export interface RunningTokenServer {
  /** Where the registry sends clients: http://127.0.0.1:PORT/token */
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate for the registry's `auth.token.rootcertbundle`. */
  certPath: string;
  requests: TokenRequestRecord[];
  /** Decodes a token this server issued (header and claims), for assertions. */
  decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> };
  stop(): Promise<void>;
}

const ALL_ACTIONS = ['pull', 'push', 'delete', '*'] as const;

/** Parses one scope; the name may itself contain ':' (host:port), so split at first and last. */
export function parseScope(scope: string): TokenScope | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope.slice(last + 1).split(',').filter(Boolean),
  };
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A self-signed P-256 certificate made by openssl; the registry trusts exactly this one. */
async function makeSigningCert(dir: string): Promise<{ key: KeyObject; certPath: string; x5c: string }> {
  const keyPath = join(dir, 'token.key');
  const certPath = join(dir, 'token.crt');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=skiff-test-token-issuer',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const key = createPrivateKey(await readFile(keyPath));
  const cert = new X509Certificate(await readFile(certPath));
  return { key, certPath, x5c: cert.raw.toString('base64') };
}

/** ES256 JWS: the signature is r||s (JWA section 3.4), not DER. */
function signJwt(header: object, claims: object, key: KeyObject): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export async function startTokenServer(opts: TokenServerOptions = {}): Promise<RunningTokenServer> {
  const service = opts.service ?? 'skiff-test-registry';
  const issuer = opts.issuer ?? 'skiff-test-token-issuer';
  const users = opts.users ?? {};
  const anonymous = opts.anonymous ?? ['pull'];
  const expiresIn = opts.expiresIn ?? 300;
  const dir = await mkdtemp(join(tmpdir(), 'skiff-token-'));
  let signing: Awaited<ReturnType<typeof makeSigningCert>>;
  try {
    signing = await makeSigningCert(dir);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const requests: TokenRequestRecord[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    const basic = /^Basic\s/i.test(req.headers.authorization ?? '');
    const creds = parseBasic(req.headers.authorization);
    const scopes = (query.scope ?? [])
      .flatMap((s) => s.split(' ')) // some clients join scopes with spaces
      .map(parseScope)
      .filter((s): s is TokenScope => s !== undefined);
    const record: TokenRequestRecord = {
      method: req.method ?? '', path: url.pathname, query, service: query.service?.[0],
      scopes, basic, account: creds?.user, status: 0,
    };
    requests.push(record);
    const reply = (status: number, body: object, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };

    if (req.method !== 'GET' || url.pathname !== '/token') return reply(404, { details: 'not found' });
    if (record.service !== undefined && record.service !== service) {
      return reply(400, { details: `unknown service ${record.service}` });
    }
    let subject = '';
    let allowed: readonly string[];
    if (basic) {
      if (!creds || users[creds.user] === undefined || users[creds.user] !== creds.password) {
        return reply(401, { details: 'incorrect username or password' }, { 'www-authenticate': 'Basic realm="skiff-test-token"' });
      }
      subject = creds.user;
      allowed = opts.userActions?.[creds.user] ?? ALL_ACTIONS;
    } else {
      if (anonymous === false) {
        return reply(401, { details: 'authentication required' }, { 'www-authenticate': 'Basic realm="skiff-test-token"' });
      }
      allowed = anonymous;
    }
    // Like Docker Hub, grant the intersection of what was asked and what is allowed; an empty
    // grant still yields a token, and the registry then answers 401 insufficient_scope.
    const access = scopes.map((s) => ({
      type: s.type,
      name: s.name,
      actions: s.actions.filter((a) => allowed.includes(a) || allowed.includes('*')),
    }));
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: issuer, sub: subject, aud: service, exp: now + expiresIn, nbf: now - 10, iat: now,
      jti: randomBytes(12).toString('hex'), access,
    };
    const token = signJwt({ typ: 'JWT', alg: 'ES256', x5c: [signing.x5c] }, claims, signing.key);
    reply(200, { token, access_token: token, expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certPath: signing.certPath,
    requests,
    decode(token) {
      const [h, c] = token.split('.');
      return {
        header: JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
        claims: JSON.parse(Buffer.from(c ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
      };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
