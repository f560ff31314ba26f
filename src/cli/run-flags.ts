// `run` and `create` flags → the body of POST /containers/create, as the docker CLI builds it
// (docker/cli cli/command/container/opts.go parse()). Pure: the caller passes the environment,
// the working directory and a file reader. Values that cannot be parsed fail here, before the
// engine is asked, with pflag's words: invalid argument "x" for "-m, --memory" flag: ...
import path from 'node:path';
import { SkiffError } from '../engine/errors.ts';
import { ramInBytes } from '../engine/units.ts';
import { parseMountFlag, parseVolumeFlag } from '../engine/volumes/spec.ts';
import { parseLink } from '../engine/network/links.ts';
import { parsePortKey, parsePortSpecs, portKey } from '../engine/network/ports.ts';
import type { CreateRequest } from '../client/api.ts';
import { flagsEndAtFirstPositional, type FlagSpec, type ParsedArgs } from './args.ts';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from './detach-keys.ts';

type HostConfig = NonNullable<CreateRequest['HostConfig']>;
type MountRequestJson = NonNullable<HostConfig['Mounts']>[number];

/** The flags `create` and `run` share: what goes into Config and HostConfig. */
export const CONTAINER_FLAGS: FlagSpec[] = [
  { name: 'attach', short: 'a', kind: 'list', help: 'Attach to STDIN, STDOUT or STDERR', placeholder: 'list' },
  { name: 'cap-add', kind: 'list', help: 'Add Linux capabilities' },
  { name: 'cap-drop', kind: 'list', help: 'Drop Linux capabilities' },
  { name: 'cpu-period', kind: 'string', help: 'Limit CPU CFS (Completely Fair Scheduler) period', placeholder: 'int' },
  { name: 'cpu-quota', kind: 'string', help: 'Limit CPU CFS (Completely Fair Scheduler) quota', placeholder: 'int' },
  { name: 'cpu-shares', short: 'c', kind: 'string', help: 'CPU shares (relative weight)', placeholder: 'int' },
  { name: 'cpus', kind: 'string', help: 'Number of CPUs', placeholder: 'decimal' },
  { name: 'entrypoint', kind: 'string', help: 'Overwrite the default ENTRYPOINT of the image' },
  { name: 'expose', kind: 'list', help: 'Expose a port or a range of ports' },
  { name: 'env', short: 'e', kind: 'list', help: 'Set environment variables (KEY=VALUE, or KEY to pass yours on)' },
  { name: 'env-file', kind: 'list', help: 'Read in a file of environment variables' },
  { name: 'hostname', short: 'h', kind: 'string', help: 'Container host name' },
  { name: 'init', kind: 'bool', help: 'Run an init inside the container (not available in Skiff)' },
  { name: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open even if not attached' },
  { name: 'ip', kind: 'string', help: 'IPv4 address (e.g., 172.30.100.104) on a user-defined network', placeholder: 'address' },
  { name: 'label', short: 'l', kind: 'list', help: 'Set meta data on a container' },
  { name: 'label-file', kind: 'list', help: 'Read in a line delimited file of labels' },
  { name: 'link', kind: 'list', help: 'Add link to another container (NAME[:ALIAS]): a hosts entry and environment variables' },
  { name: 'memory', short: 'm', kind: 'string', help: 'Memory limit', placeholder: 'bytes' },
  { name: 'memory-swap', kind: 'string', help: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", placeholder: 'bytes' },
  { name: 'mount', kind: 'list', help: 'Attach a filesystem mount to the container', placeholder: 'mount' },
  { name: 'name', kind: 'string', help: 'Assign a name to the container' },
  { name: 'network', kind: 'string', help: 'Connect a container to a network: bridge (default), none, host, container:NAME or a network\'s name', placeholder: 'network' },
  { name: 'network-alias', kind: 'list', help: 'Add network-scoped alias for the container' },
  { name: 'pids-limit', kind: 'string', help: 'Tune container pids limit (set -1 for unlimited)', placeholder: 'int' },
  { name: 'publish', short: 'p', kind: 'list', help: "Publish a container's port(s) to the host: [HOST_IP:][HOST_PORT:]PORT[/udp]" },
  { name: 'publish-all', short: 'P', kind: 'bool', help: 'Publish all exposed ports to random ports' },
  { name: 'read-only', kind: 'bool', help: "Mount the container's root filesystem as read only" },
  { name: 'restart', kind: 'string', help: 'Restart policy to apply when a container exits (only "no" for now)' },
  { name: 'rm', kind: 'bool', help: 'Automatically remove the container and its associated anonymous volumes when it exits' },
  { name: 'security-opt', kind: 'list', help: 'Security Options' },
  { name: 'stop-signal', kind: 'string', help: 'Signal to stop the container' },
  { name: 'stop-timeout', kind: 'string', help: 'Timeout (in seconds) to stop a container', placeholder: 'int' },
  { name: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY' },
  { name: 'user', short: 'u', kind: 'string', help: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { name: 'volume', short: 'v', kind: 'list', help: 'Bind mount a volume' },
  { name: 'workdir', short: 'w', kind: 'string', help: 'Working directory inside the container' },
];

export const CREATE_FLAGS = flagsEndAtFirstPositional([...CONTAINER_FLAGS]);

const RUN_ONLY: FlagSpec[] = [
  { name: 'detach', short: 'd', kind: 'bool', help: 'Run container in background and print container ID' },
  { name: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container' },
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Suppress the pull output' },
  { name: 'sig-proxy', kind: 'bool', help: 'Proxy received signals to the process (default true)' },
];

export const RUN_FLAGS = flagsEndAtFirstPositional([...RUN_ONLY, ...CONTAINER_FLAGS].sort((a, b) => a.name.localeCompare(b.name)));

/** What `run`/`create` read besides their arguments (passed in, so the mapping stays pure). */
export interface FlagEnv {
  env: Record<string, string | undefined>;
  cwd: string;
  readFile(file: string): string;
  /** The user's terminal size, sent as ConsoleSize with -t. */
  terminalSize?: { rows: number; cols: number };
}

export interface ContainerOptions {
  body: CreateRequest;
  name?: string;
  detach: boolean;
  detachKeys: Buffer;
  sigProxy: boolean;
  quiet: boolean;
}

function specOf(name: string): FlagSpec {
  return [...CONTAINER_FLAGS, ...RUN_FLAGS].find((f) => f.name === name)!;
}

/** pflag's error for a value a flag cannot take. */
export function invalidArgument(flag: string, value: string, why: string, command = 'run'): SkiffError {
  const spec = specOf(flag);
  const shown = spec?.short ? `-${spec.short}, --${flag}` : `--${flag}`;
  return new SkiffError('USAGE', `invalid argument "${value}" for "${shown}" flag: ${why}`, `see 'skiff ${command} --help'`);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);

/** Go's strconv.ParseInt(s, 10, 64), with its error text. */
function parseInt64(flag: string, value: string, command: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw invalidArgument(flag, value, `strconv.ParseInt: parsing "${value}": invalid syntax`, command);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw invalidArgument(flag, value, `strconv.ParseInt: parsing "${value}": value out of range`, command);
  return n;
}

/** `--cpus 1.5` → 1.5e9 NanoCpus, exactly (opts.ParseCPUs: a rational number, at most 9 decimals). */
export function parseNanoCpus(value: string, command = 'run'): number {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(value);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw invalidArgument('cpus', value, `failed to parse ${value} as a rational number`, command);
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > 9) throw invalidArgument('cpus', value, 'value is too precise', command);
  const nano = Number(m[2] || '0') * 1e9 + Number(frac.padEnd(9, '0') || '0');
  return m[1] === '-' ? -nano : nano;
}

function bytes(flag: string, value: string, command: string): number {
  const n = ramInBytes(value);
  if (n === undefined) throw invalidArgument(flag, value, `invalid size: '${value}'`, command);
  return n;
}

/** A file of KEY=VALUE lines (docker/cli pkg/kvfile): `#` comments, KEY alone taken from `lookup`. */
export function parseKvFile(text: string, file: string, lookup?: (k: string) => string | undefined): string[] {
  const out: string[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw) => {
    const line = raw.trimStart();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq === -1 ? line : line.slice(0, eq);
    if (key === '') throw new Error(`invalid env file (${file}): no variable name on line '${line}'`);
    if (/[ \t]/.test(key)) throw new Error(`invalid env file (${file}): variable '${key}' contains whitespaces`);
    if (eq !== -1) out.push(line);
    else if (lookup) {
      const v = lookup(line);
      if (v !== undefined) out.push(`${key}=${v}`);
    }
  });
  return out;
}

function readKvFiles(flag: 'env-file' | 'label-file', files: string[], e: FlagEnv, lookup: ((k: string) => string | undefined) | undefined, command: string): string[] {
  const out: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = e.readFile(path.resolve(e.cwd, f));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
      throw new SkiffError('USAGE', `--${flag}: open ${f}: ${why}`, `see 'skiff ${command} --help'`);
    }
    try {
      out.push(...parseKvFile(text, f, lookup));
    } catch (err) {
      throw new SkiffError('USAGE', `--${flag}: ${(err as Error).message}`, 'each line is KEY=VALUE, KEY, or a # comment');
    }
  }
  return out;
}

/**
 * `--env-file` files, then `-e` values (so `-e` wins): KEY=VALUE as it is, KEY alone with the
 * value it has here — or left out when it has none (opts.ReadKVEnvStrings). For run, create, exec.
 */
export function envFromFlags(f: ParsedArgs['flags'], e: FlagEnv, command: string): string[] {
  const lookup = (k: string) => e.env[k];
  const env: string[] = [];
  for (const v of list(f.env)) {
    const eq = v.indexOf('=');
    const key = eq === -1 ? v : v.slice(0, eq);
    if (key === '') throw invalidArgument('env', v, `invalid environment variable: ${v}`, command);
    if (eq !== -1) env.push(v);
    else if (lookup(key) !== undefined) env.push(`${key}=${lookup(key)}`);
  }
  return [...readKvFiles('env-file', list(f['env-file']), e, lookup, command), ...env];
}

/** Flag specs by name, for commands that take some of run's flags (exec). */
export function containerFlags(...names: string[]): FlagSpec[] {
  return names.map((n) => CONTAINER_FLAGS.find((f) => f.name === n)!);
}

/** Turns parsed `run`/`create` arguments (IMAGE [COMMAND] [ARG...]) into the create request. */
export function containerOptions(args: ParsedArgs, e: FlagEnv, command: 'run' | 'create' = 'run'): ContainerOptions {
  const f = args.flags;
  const [image, ...cmd] = args.positionals;
  const usage = (message: string, hint: string) => new SkiffError('USAGE', message, hint);
  if (!image) throw usage(`"skiff ${command}" requires at least 1 argument.`, `usage: skiff ${command} [OPTIONS] IMAGE [COMMAND] [ARG...]`);

  if (f.init === true) {
    throw usage('--init is not available in Skiff yet: your command runs as PID 1 itself', 'leave out --init; a shell as PID 1 (sh -c "...") reaps its children');
  }
  const restart = str(f.restart);
  if (restart !== undefined && restart !== '' && restart !== 'no') {
    throw usage(`restart policy "${restart}" is not available in Skiff yet`, 'leave out --restart (the default is "no")');
  }

  const detach = command === 'run' && f.detach === true;
  const attach = list(f.attach).map((s) => s.toLowerCase());
  for (const s of attach) if (!['stdin', 'stdout', 'stderr'].includes(s)) throw invalidArgument('attach', s, 'valid streams are STDIN, STDOUT and STDERR', command);
  if (detach && attach.length > 0) throw usage('conflicting options: cannot specify both --attach and --detach', 'use one of them');
  const interactive = f.interactive === true;
  const tty = f.tty === true;

  const envVars = envFromFlags(f, e, command);

  const labels: Record<string, string> = {};
  for (const l of list(f.label)) {
    const key = l.split('=', 1)[0]!.trim();
    if (key === '') throw invalidArgument('label', l, `invalid label '${l}': empty name`, command);
    if (/[ \t]/.test(key)) throw invalidArgument('label', l, `label '${key}' contains whitespaces`, command);
  }
  for (const l of [...readKvFiles('label-file', list(f['label-file']), e, undefined, command), ...list(f.label)]) {
    const eq = l.indexOf('=');
    labels[eq === -1 ? l : l.slice(0, eq)] = eq === -1 ? '' : l.slice(eq + 1);
  }

  // -v: a source makes a bind (absolute path) or a named volume; `-v /path` alone is an anonymous
  // volume, which the API takes in Config.Volumes. `./dir` is made absolute here, as Docker's CLI does.
  const binds: string[] = [];
  const volumes: Record<string, object> = {};
  for (const raw of list(f.volume)) {
    const spec = parseVolumeFlag(raw, { cwd: e.cwd });
    if (spec.source === undefined) {
      volumes[spec.destination] = {};
      continue;
    }
    const colon = raw.indexOf(':');
    const source = raw.slice(0, colon);
    binds.push(spec.type === 'bind' && !source.startsWith('/') ? `${path.resolve(e.cwd, source)}${raw.slice(colon)}` : raw);
  }
  const mounts: MountRequestJson[] = list(f.mount).map((raw) => {
    const m = parseMountFlag(raw, { cwd: e.cwd });
    if (m.tmpfsSize !== undefined || m.tmpfsMode !== undefined) {
      throw usage('--mount tmpfs-size and tmpfs-mode are not passed to the engine yet', 'leave them out: a tmpfs mount gets the kernel\'s defaults');
    }
    return { Type: m.type, Target: m.destination, ...(m.source ? { Source: m.source } : {}), ...(m.readOnly ? { ReadOnly: true } : {}), ...(m.noCopy ? { VolumeOptions: { NoCopy: true } } : {}) };
  });

  const securityOpt = list(f['security-opt']);
  for (const o of securityOpt) {
    const m = /^([^=:]*)[=:](.*)$/.exec(o);
    if (o !== 'no-new-privileges' && (!m || m[2] === '')) throw usage(`invalid --security-opt: ${JSON.stringify(o)}`, 'write KEY=VALUE, e.g. --security-opt no-new-privileges=true');
  }

  const host: HostConfig = {};
  if (binds.length) host.Binds = binds;
  if (mounts.length) host.Mounts = mounts;
  const memory = str(f.memory);
  if (memory !== undefined) host.Memory = bytes('memory', memory, command);
  const swap = str(f['memory-swap']);
  if (swap !== undefined) host.MemorySwap = swap === '-1' ? -1 : bytes('memory-swap', swap, command);
  const cpus = str(f.cpus);
  if (cpus !== undefined) host.NanoCpus = parseNanoCpus(cpus, command);
  for (const [flag, key] of [['cpu-shares', 'CpuShares'], ['cpu-period', 'CpuPeriod'], ['cpu-quota', 'CpuQuota'], ['pids-limit', 'PidsLimit']] as const) {
    const v = str(f[flag]);
    if (v !== undefined) host[key] = parseInt64(flag, v, command);
  }
  const network = str(f.network);
  if (network) host.NetworkMode = network;
  // -p and --expose: the ports go into ExposedPorts, their bindings into PortBindings (nat.ParsePortSpecs).
  const published = parsePortSpecs(list(f.publish));
  const exposed: Record<string, object> = { ...published.exposed };
  for (const e of list(f.expose)) {
    const [range = '', proto = 'tcp'] = e.split('/');
    const m = /^(\d+)(?:-(\d+))?$/.exec(range);
    if (!m) throw invalidArgument('expose', e, `invalid range format for --expose: ${e}`, command);
    for (let p = Number(m[1]); p <= Number(m[2] ?? m[1]); p++) {
      const { port, proto: pr } = parsePortKey(`${p}/${proto}`);
      exposed[portKey(port, pr)] = {};
    }
  }
  if (Object.keys(published.bindings).length) host.PortBindings = published.bindings;
  if (f['publish-all'] === true) host.PublishAllPorts = true;
  const links = list(f.link);
  for (const l of links) parseLink(l);
  if (links.length) host.Links = links;
  const ip = str(f.ip);
  const aliases = list(f['network-alias']);
  if (ip || aliases.length) {
    if (!network || ['default', 'bridge', 'none', 'host'].includes(network) || network.startsWith('container:')) {
      throw usage(ip ? 'user specified IP address is supported on user defined networks only' : 'network-scoped alias is supported only for containers in user defined networks', 'create one with network create, then run --network NAME');
    }
  }
  if (f.rm === true) host.AutoRemove = true;
  if (list(f['cap-add']).length) host.CapAdd = list(f['cap-add']);
  if (list(f['cap-drop']).length) host.CapDrop = list(f['cap-drop']);
  if (f['read-only'] === true) host.ReadonlyRootfs = true;
  if (securityOpt.length) host.SecurityOpt = securityOpt;
  if (tty && e.terminalSize) host.ConsoleSize = [e.terminalSize.rows, e.terminalSize.cols];

  const attachStdin = !detach && (interactive || attach.includes('stdin'));
  const body: CreateRequest = {
    Image: image,
    Tty: tty,
    OpenStdin: interactive,
    AttachStdin: attachStdin,
    AttachStdout: !detach && (attach.length === 0 || attach.includes('stdout')),
    AttachStderr: !detach && (attach.length === 0 || attach.includes('stderr')),
    // With stdin attached, the container's stdin closes when this client lets go of it.
    StdinOnce: interactive && attachStdin,
  };
  if (cmd.length) body.Cmd = cmd;
  const entrypoint = str(f.entrypoint);
  if (entrypoint !== undefined) body.Entrypoint = [entrypoint]; // `--entrypoint ""` clears the image's
  if (envVars.length) body.Env = envVars;
  if (Object.keys(labels).length) body.Labels = labels;
  if (Object.keys(volumes).length) body.Volumes = volumes;
  if (Object.keys(exposed).length) body.ExposedPorts = exposed;
  if (ip || aliases.length) body.NetworkingConfig = { EndpointsConfig: { [network!]: { ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}), ...(aliases.length ? { Aliases: aliases } : {}) } } };
  for (const [flag, key] of [['hostname', 'Hostname'], ['user', 'User'], ['workdir', 'WorkingDir'], ['stop-signal', 'StopSignal']] as const) {
    const v = str(f[flag]);
    if (v) body[key] = v;
  }
  const stopTimeout = str(f['stop-timeout']);
  if (stopTimeout !== undefined) body.StopTimeout = parseInt64('stop-timeout', stopTimeout, command);
  body.HostConfig = host;

  const keys = str(f['detach-keys']) ?? DEFAULT_DETACH_KEYS;
  let detachKeys: Buffer;
  try {
    detachKeys = parseDetachKeys(keys);
  } catch (err) {
    throw invalidArgument('detach-keys', keys, (err as Error).message, command);
  }
  const name = str(f.name);
  return { body, ...(name ? { name } : {}), detach, detachKeys, sigProxy: f['sig-proxy'] !== false, quiet: f.quiet === true };
}
