// Token auth, both halves, the way distribution's token auth works (docs/spec/auth/token.md, jwt.md)
// — the token service is usually a separate server (Docker Hub's auth.docker.io); here it is a route
// of the registry itself, and the registry trusts exactly the key it made:
//   1. a request without a good token gets 401 and
//        WWW-Authenticate: Bearer realm="http://<host>/token",service="skiff-registry",
//                          scope="repository:<name>:pull,push"
//   2. the client asks GET /token?service=…&scope=… (Basic credentials when logged in)
//   3. the token service grants what the policy allows of what was asked, and signs a JWT (ES256)
//        {iss, sub, aud, exp, nbf, iat, jti, access: [{type, name, actions}]}
//   4. the registry checks signature, issuer, audience and lifetime, then that `access` covers the
//      repository and action of the request — per repository: a token for a/b cannot push to c/d.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface Access {
  type: string; // repository | registry
  name: string; // library/busybox | catalog
  actions: string[]; // pull, push, delete, *
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: Access[];
}

/** `repository:library/busybox:pull,push` → Access; several may be space-separated in one. */
export function parseScopes(scope: string): Access[] {
  const out: Access[] = [];
  for (const one of scope.split(' ').filter(Boolean)) {
    const first = one.indexOf(':');
    const last = one.lastIndexOf(':');
    if (first <= 0 || last <= first) continue;
    // `repository(plugin):name:pull`: the resource class in parentheses does not change the checks.
    const type = one.slice(0, first).replace(/\(.*\)$/, '');
    out.push({ type, name: one.slice(first + 1, last), actions: one.slice(last + 1).split(',').filter(Boolean) });
  }
  return out;
}

export function formatScope(a: Access): string {
  return `${a.type}:${a.name}:${a.actions.join(',')}`;
}

/** Whether granted access covers one action on one resource (`*` covers every action). */
export function covers(granted: readonly Access[], type: string, name: string, action: string): boolean {
  return granted.some((g) => g.type === type && g.name === name && (g.actions.includes(action) || g.actions.includes('*')));
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * libtrust's key ID (what distribution puts in `kid`): the SHA-256 of the DER public key, first 240
 * bits, base32, in twelve groups of four joined by ":".
 */
export function keyId(pub: KeyObject): string {
  const der = pub.export({ type: 'spki', format: 'der' });
  const bits = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let acc = 0;
  let n = 0;
  for (const byte of bits) {
    acc = (acc << 8) | byte;
    n += 8;
    while (n >= 5) {
      out += alphabet[(acc >> (n - 5)) & 31];
      n -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}

export class TokenAuthority {
  private readonly kid: string;
  private readonly publicKey: KeyObject;

  private constructor(
    private readonly key: KeyObject,
    readonly issuer: string,
    readonly service: string,
    readonly lifetimeSeconds: number,
  ) {
    this.publicKey = createPublicKey(key);
    this.kid = keyId(this.publicKey);
  }

  /**
   * The signing key is made once per registry root (<root>/auth/token-key.pem, mode 0600), so
   * tokens stay good across a restart; with no root, it lives only in memory.
   */
  static async open(opts: { root?: string; issuer?: string; service?: string; lifetimeSeconds?: number } = {}): Promise<TokenAuthority> {
    let key: KeyObject | undefined;
    const file = opts.root ? path.join(opts.root, 'auth', 'token-key.pem') : undefined;
    if (file) {
      try {
        key = createPrivateKey(await fs.readFile(file));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    if (!key) {
      key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      if (file) {
        await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
        await fs.writeFile(file, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      }
    }
    return new TokenAuthority(key, opts.issuer ?? 'skiff-registry-token-issuer', opts.service ?? 'skiff-registry', opts.lifetimeSeconds ?? 300);
  }

  issue(subject: string, access: Access[]): { token: string; claims: TokenClaims } {
    const now = Math.floor(Date.now() / 1000);
    const claims: TokenClaims = {
      iss: this.issuer, sub: subject, aud: this.service, exp: now + this.lifetimeSeconds, nbf: now - 10, iat: now,
      jti: randomBytes(12).toString('hex'), access,
    };
    const jwk = this.publicKey.export({ format: 'jwk' });
    const header = { typ: 'JWT', alg: 'ES256', kid: this.kid, jwk: { ...jwk, kid: this.kid } };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    // ES256 signatures are r||s (JWA §3.4), not DER.
    const sig = sign('sha256', Buffer.from(input), { key: this.key, dsaEncoding: 'ieee-p1363' });
    return { token: `${input}.${b64url(sig)}`, claims };
  }

  /** The claims of a token this authority signed and that is valid now; undefined for anything else. */
  verify(token: string): TokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    try {
      const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as { alg?: string };
      if (header.alg !== 'ES256') return undefined;
      const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2]!, 'base64url'));
      if (!ok) return undefined;
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as TokenClaims;
      const now = Math.floor(Date.now() / 1000);
      if (claims.iss !== this.issuer || claims.aud !== this.service) return undefined;
      if (!(claims.exp > now) || (claims.nbf ?? 0) > now + 10) return undefined;
      if (!Array.isArray(claims.access)) claims.access = [];
      return claims;
    } catch {
      return undefined;
    }
  }
}
