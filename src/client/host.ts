// Which daemon a client talks to, in the docker CLI's terms: -H / DOCKER_HOST (`unix:///path`,
// `tcp://host:port`), with TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH (ca.pem, cert.pem,
// key.pem), as docker/cli's ContextStore and moby client's WithHostFromEnv/WithTLSClientConfigFromEnv read them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SkiffError } from '../engine/errors.ts';

export const DEFAULT_HOST = 'unix:///run/skiff/skiff.sock';

export interface TlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Check the daemon's certificate against the CA (DOCKER_TLS_VERIFY); default true. */
  verify?: boolean;
}

/** How to reach a daemon: a unix socket, or an HTTP(S) origin. */
export type DaemonAddress = { kind: 'unix'; socketPath: string; url: string } | { kind: 'tcp'; origin: string; url: string; tls: boolean };

export function parseHost(host: string, tls: boolean): DaemonAddress {
  if (host.startsWith('/')) return { kind: 'unix', socketPath: host, url: `unix://${host}` };
  const m = /^([a-z+]+):\/\/(.*)$/.exec(host);
  if (!m) throw new SkiffError('USAGE', `invalid daemon address "${host}"`, 'use unix:///path/to.sock or tcp://host:port');
  const [, scheme, rest] = m;
  if (scheme === 'unix') {
    if (!rest) throw new SkiffError('USAGE', `invalid daemon address "${host}": no socket path`, 'e.g. unix:///run/skiff/skiff.sock');
    return { kind: 'unix', socketPath: rest, url: host };
  }
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
    const hostPort = rest!.replace(/\/+$/, '');
    if (!hostPort) throw new SkiffError('USAGE', `invalid daemon address "${host}": no host`, 'e.g. tcp://127.0.0.1:2376');
    const secure = scheme === 'https' || (scheme === 'tcp' && tls);
    const withPort = /:\d+$/.test(hostPort) ? hostPort : `${hostPort}:${secure ? 2376 : 2375}`;
    return { kind: 'tcp', origin: `${secure ? 'https' : 'http'}://${withPort}`, url: `tcp://${withPort}`, tls: secure };
  }
  throw new SkiffError('USAGE', `unsupported daemon address "${host}"`, 'Skiff connects to unix:// and tcp:// addresses');
}

/** -H first, then SKIFF_HOST, then DOCKER_HOST, then Skiff's own socket. */
export function hostFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.SKIFF_HOST || env.DOCKER_HOST || DEFAULT_HOST;
}

/** TLS settings from DOCKER_TLS_VERIFY / DOCKER_TLS and DOCKER_CERT_PATH; undefined when TLS is off. */
export function tlsFromEnv(env: NodeJS.ProcessEnv = process.env): TlsOptions | undefined {
  const verify = Boolean(env.DOCKER_TLS_VERIFY);
  if (!verify && !env.DOCKER_TLS) return undefined;
  const dir = env.DOCKER_CERT_PATH || path.join(os.homedir(), '.docker');
  const read = (name: string) => {
    try {
      return fs.readFileSync(path.join(dir, name));
    } catch {
      return undefined;
    }
  };
  const ca = read('ca.pem');
  const cert = read('cert.pem');
  const key = read('key.pem');
  return { verify, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}
