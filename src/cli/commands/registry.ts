// `skiff registry serve`: Skiff's own registry in the foreground (src/registry), the way
// `docker-registry serve config.yml` runs distribution — a private registry, the lessons' offline
// default (--seed), or a classroom's pull-through cache (--proxy). `skiff registry htpasswd`
// prints a bcrypt htpasswd line, for hosts without Apache's `htpasswd -B`.
import path from 'node:path';
import { SkiffError } from '../../engine/errors.ts';
import { EventBus } from '../../engine/events.ts';
import type { AuthMode } from '../../registry/auth.ts';
import { Htpasswd, htpasswdLine } from '../../registry/htpasswd.ts';
import { seedRegistry } from '../../registry/seed.ts';
import { startRegistry } from '../../registry/server.ts';
import { TokenAuthority } from '../../registry/token.ts';
import { type Command, str } from '../command.ts';
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
  ],
  args: { min: 0, max: 0 },
  async run(ctx, { flags }) {
    const root = path.resolve(str(flags.root) ?? path.join((await ctx.engine()).store.root, 'registry'));
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

export const registryCommands: Command[] = [registryServe, registryHtpasswd];
