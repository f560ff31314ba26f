// `volume create | ls | inspect | rm | prune`, with Docker's flags and output shapes
// (docker/cli cli/command/volume/*.go).
import readline from 'node:readline';
import { SkiffError } from '../../engine/errors.ts';
import { parseFilterFlags } from '../../engine/volumes/filters.ts';
import type { Command, CommandContext } from '../command.ts';
import { humanSize, table } from '../format.ts';
import { daemonApi } from '../daemon-api.ts';
import { commandGroup, engineCall } from './group.ts';
import { applyFormat } from './inspect.ts';

/** `--label k=v` flags (a bare `k` means an empty value, as Docker's ConvertKVStringsToMap). */
export function parseLabels(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    out[eq === -1 ? v : v.slice(0, eq)] = eq === -1 ? '' : v.slice(eq + 1);
  }
  return out;
}

/**
 * Asks a yes/no question on the terminal, as Docker's prompt.Confirm: only "y" (any case) is yes.
 * Returns undefined when standard input is not a terminal: nobody is there to answer.
 */
export async function confirm(ctx: CommandContext, question: string): Promise<boolean | undefined> {
  if ((ctx.stdin as { isTTY?: boolean }).isTTY !== true) return undefined;
  ctx.out.write(`${question} [y/N] `);
  const rl = readline.createInterface({ input: ctx.stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve('')); // end of input: no answer is no
      // Ctrl-C at the question ends the command as an interruption, not as a "no".
      ctx.signal.addEventListener('abort', () => reject(new Error('interrupted at the question')), { once: true });
    });
    return answer.trim().toLowerCase() === 'y';
  } finally {
    rl.close();
  }
}

/** What the volume commands do, by the daemon (as the docker CLI asks it) or on the store itself. */
interface VolumeOps {
  create(name: string | undefined, labels: Record<string, string>, driver: string | undefined): Promise<{ Name: string }>;
  list(filters: Record<string, string[]>): Promise<{ Name: string; Driver: string }[]>;
  inspect(name: string): Promise<object>;
  remove(name: string, force: boolean): Promise<void>;
  prune(all: boolean): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }>;
}

async function volumeOps(ctx: CommandContext): Promise<VolumeOps> {
  const daemon = await daemonApi(ctx);
  if (daemon) {
    return {
      create: (name, labels, driver) => daemon.volumeCreate(name, labels, driver),
      list: (filters) => daemon.volumeList(filters),
      inspect: (name) => daemon.volumeInspect(name),
      remove: (name, force) => daemon.volumeRemove(name, { force }),
      prune: (all) => daemon.volumePrune(all),
    };
  }
  const volumes = (await ctx.engine()).volumes;
  return {
    create: (name, labels, driver) => volumes.create(name, { labels, ...(driver ? { driver } : {}) }),
    list: (filters) => volumes.list({ filters }),
    inspect: (name) => volumes.inspect(name),
    remove: (name, force) => volumes.remove(name, { force }),
    prune: (all) => volumes.prune({ all }),
  };
}

const create: Command = {
  name: 'volume create',
  usage: '[OPTIONS] [VOLUME]',
  summary: 'Create a volume (no name: an anonymous one with a random name)',
  flags: [
    { name: 'name', kind: 'string', help: 'Volume name (or give it as the argument)', placeholder: 'name' },
    { name: 'label', kind: 'list', help: 'Set metadata for a volume (key=value)' },
    { name: 'driver', short: 'd', kind: 'string', help: 'Volume driver (Skiff has only "local")', placeholder: 'string' },
  ],
  args: { min: 0, max: 1 },
  async run(ctx, { flags, positionals }) {
    const flagName = typeof flags.name === 'string' ? flags.name : undefined;
    const argName = positionals[0];
    if (flagName !== undefined && argName !== undefined && flagName !== argName) {
      throw new SkiffError('USAGE', 'conflicting options: either specify --name or provide positional arg, not both', `skiff volume create ${argName}`);
    }
    return engineCall(ctx, async () => {
      const ops = await volumeOps(ctx);
      const v = await ops.create(flagName ?? argName, parseLabels((flags.label as string[] | undefined) ?? []), typeof flags.driver === 'string' ? flags.driver : undefined);
      ctx.out.write(`${v.Name}\n`);
    });
  },
};

const ls: Command = {
  name: 'volume ls',
  aliases: ['volume list'],
  usage: '[OPTIONS]',
  summary: 'List volumes',
  flags: [
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display volume names' },
    { name: 'filter', short: 'f', kind: 'list', help: 'Filter output: dangling=true|false, name=, label=KEY[=VALUE], driver=', placeholder: 'filter' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, { flags }) {
    const filters = parseFilterFlags((flags.filter as string[] | undefined) ?? []);
    return engineCall(ctx, async () => {
      const volumes = await (await volumeOps(ctx)).list(filters);
      if (flags.quiet) ctx.out.write(volumes.map((v) => `${v.Name}\n`).join(''));
      else ctx.out.write(table(['DRIVER', 'VOLUME NAME'], volumes.map((v) => [v.Driver, v.Name])));
    });
  },
};

const inspect: Command = {
  name: 'volume inspect',
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  summary: 'Show detailed information on one or more volumes',
  flags: [{ name: 'format', short: 'f', kind: 'string', help: 'Print one field, e.g. {{.Mountpoint}}', placeholder: 'template' }],
  args: { min: 1 },
  async run(ctx, { flags, positionals }) {
    const ops = await volumeOps(ctx);
    const views: object[] = [];
    let failed = false;
    for (const name of positionals) {
      failed = (await engineCall(ctx, async () => void views.push(await ops.inspect(name)))) !== 0 || failed;
    }
    if (typeof flags.format === 'string') {
      for (const v of views) ctx.out.write(applyFormat(flags.format, v) + '\n');
    } else {
      ctx.out.write(JSON.stringify(views, null, 4) + '\n');
    }
    return failed ? 1 : 0;
  },
};

const rm: Command = {
  name: 'volume rm',
  aliases: ['volume remove'],
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  summary: 'Remove one or more volumes (never one a container uses)',
  flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Do not complain about volumes that do not exist' }],
  args: { min: 1 },
  async run(ctx, { flags, positionals }) {
    const ops = await volumeOps(ctx);
    let failed = false;
    for (const name of positionals) {
      const code = await engineCall(ctx, async () => {
        await ops.remove(name, flags.force === true);
        ctx.out.write(`${name}\n`);
      });
      failed = code !== 0 || failed;
    }
    return failed ? 1 : 0;
  },
};

const prune: Command = {
  name: 'volume prune',
  usage: '[OPTIONS]',
  summary: 'Remove unused anonymous volumes (with -a, all unused volumes)',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused volumes, not just anonymous ones' },
    { name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, { flags }) {
    const all = flags.all === true;
    if (flags.force !== true) {
      const warning = `WARNING! This will remove ${all ? 'all' : 'anonymous'} local volumes not used by at least one container.\nAre you sure you want to continue?`;
      const yes = await confirm(ctx, warning);
      if (yes === undefined) {
        throw new SkiffError('USAGE', 'volume prune asks before deleting, and standard input is not a terminal to answer on', 'add -f (--force) to prune without asking');
      }
      if (!yes) {
        ctx.out.write('Total reclaimed space: 0B\n');
        return 0;
      }
    }
    return engineCall(ctx, async () => {
      const r = await (await volumeOps(ctx)).prune(all);
      if (r.VolumesDeleted.length > 0) ctx.out.write(`Deleted Volumes:\n${r.VolumesDeleted.map((n) => `${n}\n`).join('')}\n`);
      ctx.out.write(`Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`);
    });
  },
};

const subcommands = [create, ls, inspect, rm, prune];

/** `volume` alone lists its subcommands, as `docker volume` does. */
const group = commandGroup('volume', 'Manage volumes: data that outlives containers', 'Manage volumes', subcommands);

export const volumeCommands: Command[] = [group, ...subcommands];
