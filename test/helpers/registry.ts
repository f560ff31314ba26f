// Starts the real Distribution registry (Debian's `docker-registry`, Distribution 2.8) for
// integration tests: our registry client is only trustworthy if it talks to the registry
// everyone else talks to. Each instance gets its own config, port and log; several instances
// may share one storage root, so the same content can be served with and without auth.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'htpasswd'; users: Record<string, string> }
  | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string };

export interface StartDistributionOptions {
  /** Storage directory; pass the same one to several instances to serve the same content. */
  root?: string;
  auth?: RegistryAuth;
  /** How long to wait for `/v2/` to answer; default 20 s. */
  readyTimeoutMs?: number;
}

export interface RunningRegistry {
  url: string; // http://127.0.0.1:PORT
  host: string; // 127.0.0.1:PORT
  root: string;
  /** The registry's stdout+stderr so far (the tail), for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

const BINARY = 'docker-registry';

/** Finds an executable on PATH without running it. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function haveDistribution(): boolean {
  return which(BINARY) !== undefined;
}

/** Asks the kernel for a free port on 127.0.0.1 (bind to port 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * One htpasswd line. Distribution's htpasswd backend only accepts bcrypt hashes
 * (docs/configuration.md, "htpasswd"). perl-base is Essential on Debian and its crypt() is
 * libxcrypt's, which knows bcrypt ($2b$), so no extra package is needed.
 */
export function htpasswdLine(user: string, password: string): string {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const salt = [...randomBytes(22)].map((b) => alphabet[b % 64]).join('');
  const hash = execFileSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`], {
    encoding: 'utf8',
  });
  if (!hash.startsWith('$2b$')) throw new Error(`perl crypt() did not produce a bcrypt hash: ${hash}`);
  return `${user}:${hash}`;
}

function configYaml(root: string, port: number, auth: RegistryAuth, htpasswdPath: string): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(root)}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    'health:',
    '  storagedriver:',
    '    enabled: false',
  ];
  if (auth.kind === 'htpasswd') {
    lines.push('auth:', '  htpasswd:', '    realm: skiff-test', `    path: ${JSON.stringify(htpasswdPath)}`);
  } else if (auth.kind === 'token') {
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${JSON.stringify(auth.realm)}`,
      `    service: ${JSON.stringify(auth.service)}`,
      `    issuer: ${JSON.stringify(auth.issuer)}`,
      `    rootcertbundle: ${JSON.stringify(auth.rootCertBundle)}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The environment for the child: REGISTRY_* variables would override our config file. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('REGISTRY_') && !key.startsWith('OTEL_')) env[key] = value;
  }
  return env;
}

async function waitReady(url: string, child: ChildProcess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('registry exited during start-up');
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
  throw new Error(`registry did not answer ${url}/v2/ in time`);
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, 3000);
  await exited;
  clearTimeout(timer);
}

export async function startDistribution(opts: StartDistributionOptions = {}): Promise<RunningRegistry> {
  if (!haveDistribution()) throw new Error(`${BINARY} not found on PATH (Debian package docker-registry)`);
  const auth = opts.auth ?? { kind: 'none' };
  const work = await mkdtemp(join(tmpdir(), 'skiff-registry-'));
  const root = opts.root ?? join(work, 'storage');
  await mkdir(root, { recursive: true });
  const htpasswdPath = join(work, 'htpasswd');
  if (auth.kind === 'htpasswd') {
    const lines = Object.entries(auth.users).map(([u, p]) => htpasswdLine(u, p));
    await writeFile(htpasswdPath, lines.join('\n') + '\n', { mode: 0o600 });
  }

  let log = '';
  const append = (chunk: Buffer): void => {
    log += chunk.toString('utf8');
    if (log.length > 64_000) log = log.slice(-48_000);
  };
  const cleanupDirs = async (): Promise<void> => {
    await rm(work, { recursive: true, force: true });
  };

  // A port picked by freePort() can be taken by someone else before the registry binds it:
  // try a few times.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const cfg = join(work, 'config.yml');
    await writeFile(cfg, configYaml(root, port, auth, htpasswdPath));
    // setpriv --pdeathsig: if the test runner itself is killed, the registry dies with it instead
    // of lingering as an orphan (util-linux, on every Linux host).
    const [cmd, args] = which('setpriv') ? ['setpriv', ['--pdeathsig', 'KILL', BINARY, 'serve', cfg]] : [BINARY, ['serve', cfg]];
    const child = spawn(cmd, args as string[], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
    const url = `http://127.0.0.1:${port}`;
    try {
      await Promise.race([waitReady(url, child, Date.now() + (opts.readyTimeoutMs ?? 20_000)), spawnFailed]);
    } catch (err) {
      lastError = err;
      await killAndWait(child);
      if (!/address already in use/.test(log)) break;
      continue;
    }
    let stopped = false;
    return {
      url,
      host: `127.0.0.1:${port}`,
      root,
      logs: () => log,
      async stop() {
        if (stopped) return;
        stopped = true;
        await killAndWait(child);
        // Removes config, htpasswd and (when we made it) the storage; a root passed in is the
        // caller's to remove.
        await cleanupDirs();
      },
    };
  }
  await cleanupDirs();
  throw new Error(`docker-registry failed to start: ${String(lastError)}\n--- registry log ---\n${log.slice(-4000)}`);
}
