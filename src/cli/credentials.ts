// Registry credentials from Docker's config file (~/.docker/config.json, or $DOCKER_CONFIG), the
// same place `docker login` — and later `skiff login` — keeps them: {"auths": {"host": {"auth":
// base64("user:password")}}}. Docker Hub's key is historically "https://index.docker.io/v1/".
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
