// `skiff registry serve`: Skiff's own registry in the foreground (src/registry), the way
// `docker-registry serve config.yml` runs distribution — a private registry, the lessons' offline
// default (--seed), or a classroom's pull-through cache (--proxy). `skiff registry htpasswd`
// prints a bcrypt htpasswd line, for hosts without Apache's `htpasswd -B`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../../engine/errors.ts';
import { EventBus } from '../../engine/events.ts';
import type { AuthMode } from '../../registry/auth.ts';
import { Htpasswd, htpasswdLine } from '../../registry/htpasswd.ts';
import { seedRegistry } from '../../registry/seed.ts';
import { startRegistry } from '../../registry/server.ts';
import { TokenAuthority } from '../../registry/token.ts';
import { type Command, type CommandContext, str } from '../command.ts';
import type { ParsedArgs } from '../args.ts';
import { credentialsFor } from '../credentials.ts';
import { traceLine } from '../progress.ts';
import { readLine } from './login.ts';

export const registryServe: Command = {
  name: 'registry serve',
  usage: '[OPTIONS]',
  summary: 'Run Skiff\'s registry: private, the offline default for lessons, or a pull-through cache',
  flags: [
    { name: 'addr', kind: 'string', help: 'Listen here (default 127.0.0.1:5000; port 0 picks one)', placeholder: 'host:port' },
    { name: 'root', kind: 'string', help: 'Where the registry keeps its data (default DATA_ROOT/registry)', placeholder: 'dir' },
    { name: 'proxy', kind: 'string', help: 'Be a pull-through cache of this registry (e.g. https://registry-1.docker.io)', placeholder: 'url' },
    { name: 'htpasswd', kind: 'string', help: 'Require logins checked against this bcrypt htpasswd file', placeholder: 'file' },
    { name: 'token', kind: 'bool', help: 'Token auth: the registry hands out scoped JWTs at /token (with --htpasswd: users push, others only pull)' },
    { name: 'seed', kind: 'bool', help: 'Put the offline busybox image in first, as library/busybox:latest' },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'No access log' },
    { name: 'detach', short: 'd', kind: 'bool', help: 'Run in the background (log in ROOT/serve.log; stop it with: registry stop)' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, { flags }) {
    const root = await rootOf(ctx, str(flags.root));
    if (flags.detach === true) return detach(ctx, flags, root);
    const htpasswdFile = str(flags.htpasswd);
    const htpasswd = htpasswdFile ? Htpasswd.load(htpasswdFile) : undefined;
    for (const w of htpasswd?.file.warnings ?? []) ctx.err.write(`htpasswd: ${w}\n`);
    if (htpasswd && htpasswd.file.users.size === 0) throw new SkiffError('USAGE', `${htpasswdFile} has no usable bcrypt entries`, 'make one with: skiff registry htpasswd USER');
    let auth: AuthMode = { kind: 'none' };
    if (flags.token === true) auth = { kind: 'token', authority: await TokenAuthority.open({ root }), ...(htpasswd ? { htpasswd } : {}) };
    else if (htpasswd) auth = { kind: 'htpasswd', htpasswd };
    if (flags.seed === true) {
      const s = await seedRegistry(root);
      ctx.err.write(`seeded ${s.repository}:${s.tag} (${s.digest}) from ${s.kind === 'busybox-static' ? 'the static busybox' : "this host's /bin/sh and tools"}\n`);
    }
    const upstream = str(flags.proxy)?.replace(/\/+$/, '');
    if (upstream && !/^https?:\/\//.test(upstream)) throw new SkiffError('USAGE', `--proxy needs a URL with its scheme, got ${upstream}`, 'e.g. --proxy https://registry-1.docker.io or --proxy http://127.0.0.1:5001');
    const events = new EventBus();
    const quiet = flags.quiet === true;
    if (!quiet) events.on((e) => {
      const line = traceLine(e);
      if (line) ctx.err.write(`upstream ${line}\n`);
    });
    const upstreamHost = upstream ? new URL(upstream).host : undefined;
    const credentials = upstreamHost ? credentialsFor(upstreamHost === 'registry-1.docker.io' ? 'docker.io' : upstreamHost) : undefined;
    const reg = await startRegistry({
      root, auth, events, addr: str(flags.addr) ?? '127.0.0.1:5000',
      ...(upstream ? { proxy: { upstream, ...(credentials ? { credentials } : {}) } } : {}),
      ...(quiet ? {} : { log: (l: string) => ctx.err.write(`${l}\n`) }),
    });
    ctx.out.write(`Skiff registry on ${reg.url} (root ${root}; auth ${auth.kind}${upstream ? `; pull-through cache of ${upstream}` : ''})\n`);
    let onTerm = () => {};
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      onTerm = () => resolve();
      process.once('SIGTERM', onTerm);
    });
    process.off('SIGTERM', onTerm);
    await reg.close();
    ctx.err.write('registry stopped\n');
    return 0;
  },
};

async function rootOf(ctx: CommandContext, given: string | undefined): Promise<string> {
  return path.resolve(given ?? path.join((await ctx.engine()).store.root, 'registry'));
}

/** Where a registry in the background says who it is: its pid and address. */
const pidFile = (root: string) => path.join(root, 'serve.pid');

/**
 * `registry serve -d`: the same command again, as a process of its own that outlives this one
 * (the REPL's prompt comes back), its output in ROOT/serve.log; answered once it listens.
 */
async function detach(ctx: CommandContext, flags: ParsedArgs['flags'], root: string): Promise<number> {
  const running = readPid(root);
  if (running) throw new SkiffError('CONFLICT', `a registry already runs in the background on ${running.url} for ${root} (pid ${running.pid})`, 'stop it first: registry stop' + (str(flags.root) ? ` --root ${root}` : ''));
  fs.mkdirSync(root, { recursive: true });
  const log = path.join(root, 'serve.log');
  const fd = fs.openSync(log, 'w', 0o600);
  const args = [process.argv[1]!, 'registry', 'serve', '--root', root, '--addr', str(flags.addr) ?? '127.0.0.1:5000'];
  for (const k of ['proxy', 'htpasswd'] as const) if (str(flags[k])) args.push(`--${k}`, path.isAbsolute(str(flags[k])!) || k === 'proxy' ? str(flags[k])! : path.resolve(str(flags[k])!));
  for (const k of ['token', 'seed', 'quiet'] as const) if (flags[k] === true) args.push(`--${k}`);
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.unref();
  const deadline = Date.now() + 15_000;
  for (;;) {
    const text = fs.readFileSync(log, 'utf8');
    const url = /^Skiff registry on (\S+)/m.exec(text)?.[1];
    if (url) {
      fs.writeFileSync(pidFile(root), `${child.pid} ${url}\n`);
      ctx.out.write(`Skiff registry on ${url} in the background (pid ${child.pid}; log ${log}); stop it with: registry stop${str(flags.root) ? ` --root ${root}` : ''}\n`);
      return 0;
    }
    const code = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))]);
    if (code !== undefined || Date.now() > deadline) {
      if (code === undefined) process.kill(child.pid!, 'SIGTERM');
      const said = fs.readFileSync(log, 'utf8').trim();
      const last = said.split('\n').filter((l) => l.startsWith('Error')).at(-1) ?? said.split('\n').at(-1) ?? '';
      throw new SkiffError('REGISTRY_ERROR', `the registry did not start${last ? `: ${last.replace(/^Error: /, '')}` : ''}`, `its log: ${log}`);
    }
  }
}

/** The registry running in the background for `root`, if its process is still that registry. */
function readPid(root: string): { pid: number; url: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(pidFile(root), 'utf8');
  } catch {
    return undefined;
  }
  const [pid, url] = text.trim().split(' ');
  try {
    const cmdline = fs.readFileSync(`/proc/${Number(pid)}/cmdline`, 'utf8').split('\0');
    if (cmdline.includes('registry') && cmdline.includes('serve') && cmdline.includes(root)) return { pid: Number(pid), url: url ?? '' };
  } catch {
    // gone
  }
  fs.rmSync(pidFile(root), { force: true }); // stale: that process is gone, or is another one now
  return undefined;
}

export const registryStop: Command = {
  name: 'registry stop',
  usage: '[OPTIONS]',
  summary: 'Stop the registry that registry serve -d started in the background',
  flags: [{ name: 'root', kind: 'string', help: 'The --root it was started with (default DATA_ROOT/registry)', placeholder: 'dir' }],
  args: { min: 0, max: 0 },
  async run(ctx, { flags }) {
    const root = await rootOf(ctx, str(flags.root));
    const running = readPid(root);
    if (!running) throw new SkiffError('USAGE', `no registry runs in the background for ${root}`, 'start one with: registry serve -d');
    process.kill(running.pid, 'SIGTERM');
    for (let i = 0; i < 100 && readPid(root); i++) await new Promise((r) => setTimeout(r, 50));
    if (readPid(root)) throw new SkiffError('RUNTIME', `the registry (pid ${running.pid}) did not stop`, `kill ${running.pid}`);
    fs.rmSync(pidFile(root), { force: true });
    ctx.out.write(`Stopped the registry on ${running.url} (pid ${running.pid})\n`);
  },
};

export const registryHtpasswd: Command = {
  name: 'registry htpasswd',
  usage: '[OPTIONS] USER',
  summary: 'Print a bcrypt htpasswd line for USER (for registry serve --htpasswd)',
  flags: [
    { name: 'password', short: 'p', kind: 'string', help: 'The password (visible in ps and shell history: prefer --password-stdin)', placeholder: 'password' },
    { name: 'password-stdin', kind: 'bool', help: 'Read the password from standard input' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, { flags, positionals }) {
    const password = flags['password-stdin'] === true ? await readLine(ctx) : str(flags.password);
    if (!password) throw new SkiffError('USAGE', 'no password given', 'use --password-stdin (or -p)');
    ctx.out.write(`${htpasswdLine(positionals[0]!, password)}\n`);
  },
};

export const registryCommands: Command[] = [registryServe, registryStop, registryHtpasswd];
