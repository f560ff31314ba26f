// Registry credentials from Docker's config file (~/.docker/config.json, or $DOCKER_CONFIG), the
// same place `docker login` — and later `skiff login` — keeps them: {"auths": {"host": {"auth":
// base64("user:password")}}}. Docker Hub's key is historically "https://index.docker.io/v1/".
// `login` writes here, `logout` removes; credential helpers (credsStore) are not used.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SkiffError } from '../engine/errors.ts';
import type { Credentials } from '../engine/registry/auth.ts';

export function dockerConfigPath(env = process.env): string {
  return path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json');
}

export function credentialsFor(domain: string, file = dockerConfigPath()): Credentials | undefined {
  let auths: Record<string, { auth?: string; username?: string; password?: string }>;
  try {
    auths = (JSON.parse(readFileSync(file, 'utf8')) as { auths?: typeof auths }).auths ?? {};
  } catch {
    return undefined;
  }
  const keys = domain === 'docker.io' ? ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'] : [domain, `https://${domain}`, `http://${domain}`];
  for (const k of keys) {
    const a = auths[k];
    if (!a) continue;
    if (a.username && a.password) return { username: a.username, password: a.password };
    if (a.auth) {
      const text = Buffer.from(a.auth, 'base64').toString('utf8');
      const i = text.indexOf(':');
      if (i > 0) return { username: text.slice(0, i), password: text.slice(i + 1) };
    }
  }
  return undefined;
}

/** The key `docker login` files a registry's credentials under. */
/** X-Registry-Auth for a daemon's pull or push: the stored credentials for `domain` as docker sends them. */
export function registryAuthFor(domain: string): string | undefined {
  const c = credentialsFor(domain);
  return c ? Buffer.from(JSON.stringify({ username: c.username, password: c.password, serveraddress: domain })).toString('base64url') : undefined;
}

export function configKey(domain: string): string {
  return domain === 'docker.io' || domain === 'index.docker.io' || domain === 'registry-1.docker.io' ? 'https://index.docker.io/v1/' : domain;
}

type ConfigFile = { auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }> } & Record<string, unknown>;

function readConfig(file: string): ConfigFile {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ConfigFile;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new SkiffError('USAGE', `cannot read ${file}: ${(e as Error).message}`, 'fix or remove the file');
  }
}

/**
 * Writes config.json as docker does (cli/config/configfile Save): the whole file replaced at once
 * (a temp file beside it, then rename), readable by its owner only — it holds passwords, only
 * base64-encoded. Everything else in the file is kept as it was.
 */
function writeConfig(file: string, config: ConfigFile): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = path.join(path.dirname(file), `.config.json.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    writeFileSync(tmp, JSON.stringify(config, null, '\t') + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600); // the umask cannot widen it, but say it plainly
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** `login`: stores the credentials under the registry's key (base64 "user:password", as docker does). */
export function storeCredentials(domain: string, c: Credentials, file = dockerConfigPath()): string {
  const config = readConfig(file);
  const key = configKey(domain);
  config.auths = { ...config.auths, [key]: { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') } };
  writeConfig(file, config);
  return key;
}

/** `logout`: forgets them; false when there were none. */
export function removeCredentials(domain: string, file = dockerConfigPath()): boolean {
  const config = readConfig(file);
  const keys = domain === 'docker.io' ? ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'] : [domain, `https://${domain}`, `http://${domain}`];
  const present = keys.filter((k) => config.auths?.[k]);
  if (present.length === 0) return false;
  for (const k of present) delete config.auths![k];
  writeConfig(file, config);
  return true;
}
