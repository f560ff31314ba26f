// `network create | ls | inspect | rm | connect | disconnect | prune`, with Docker's flags and
// output shapes (docker/cli cli/command/network/*.go), through the Engine API like the container
// commands: the daemon owns the bridges and the running containers' namespaces.
import { shortId } from '../../engine/digest.ts';
import { SkiffError } from '../../engine/errors.ts';
import { parseFilterFlags } from '../../engine/volumes/filters.ts';
import { type Command, str } from '../command.ts';
import { table } from '../format.ts';
import { commandGroup, engineCall } from './group.ts';
import { applyFormat } from './inspect.ts';
import { confirm, parseLabels } from './volume.ts';

const create: Command = {
  name: 'network create',
  usage: '[OPTIONS] NETWORK',
  summary: 'Create a bridge network whose containers find each other by name',
  flags: [
    { name: 'driver', short: 'd', kind: 'string', help: 'Driver to manage the Network (Skiff has "bridge")', placeholder: 'string' },
    { name: 'subnet', kind: 'list', help: 'Subnet in CIDR format, e.g. 172.20.0.0/16 (default: a free one)', placeholder: 'CIDR' },
    { name: 'gateway', kind: 'list', help: 'IPv4 gateway for the subnet (default: its first address)', placeholder: 'address' },
    { name: 'label', kind: 'list', help: 'Set metadata on a network' },
    { name: 'opt', short: 'o', kind: 'list', help: 'Set driver specific options (com.docker.network.bridge.name=NAME)', placeholder: 'map' },
    { name: 'internal', kind: 'bool', help: 'Restrict external access to the network' },
    { name: 'attachable', kind: 'bool', help: 'Enable manual container attachment' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, { flags, positionals }) {
    const subnets = (flags.subnet as string[] | undefined) ?? [];
    const gateways = (flags.gateway as string[] | undefined) ?? [];
    if (gateways.length > subnets.length) throw new SkiffError('USAGE', 'every ip-range or gateway must have a corresponding subnet', 'add --subnet');
    const api = await ctx.api();
    return engineCall(ctx, async () => {
      const r = await api.networkCreate({
        Name: positionals[0]!, Driver: str(flags.driver) ?? 'bridge', Internal: flags.internal === true, Attachable: flags.attachable === true,
        IPAM: { Driver: 'default', Config: subnets.map((s, i) => ({ Subnet: s, ...(gateways[i] ? { Gateway: gateways[i] } : {}) })) },
        Options: parseLabels((flags.opt as string[] | undefined) ?? []), Labels: parseLabels((flags.label as string[] | undefined) ?? []),
      });
      ctx.out.write(`${r.Id}\n`);
    });
  },
};

const ls: Command = {
  name: 'network ls',
  aliases: ['network list'],
  usage: '[OPTIONS]',
  summary: 'List networks',
  flags: [
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display network IDs' },
    { name: 'no-trunc', kind: 'bool', help: 'Do not truncate the output' },
    { name: 'filter', short: 'f', kind: 'list', help: 'Filter output: name=, id=, driver=, type=custom|builtin, label=, dangling=true', placeholder: 'filter' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, { flags }) {
    const filters = parseFilterFlags((flags.filter as string[] | undefined) ?? []);
    const api = await ctx.api();
    return engineCall(ctx, async () => {
      const list = (await api.networkList(filters)).sort((a, b) => a.Name.localeCompare(b.Name));
      const id = (x: string) => (flags['no-trunc'] ? x : shortId(x));
      if (flags.quiet) ctx.out.write(list.map((n) => `${id(n.Id)}\n`).join(''));
      else ctx.out.write(table(['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], list.map((n) => [id(n.Id), n.Name, n.Driver, n.Scope])));
    });
  },
};

const inspect: Command = {
  name: 'network inspect',
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  summary: 'Display detailed information on one or more networks',
  flags: [{ name: 'format', short: 'f', kind: 'string', help: 'Print one field, e.g. {{.IPAM.Config}}', placeholder: 'template' }],
  args: { min: 1 },
  async run(ctx, { flags, positionals }) {
    const api = await ctx.api();
    const views: object[] = [];
    let failed = false;
    for (const name of positionals) failed = (await engineCall(ctx, async () => void views.push(await api.networkInspect(name)))) !== 0 || failed;
    if (typeof flags.format === 'string') for (const v of views) ctx.out.write(applyFormat(flags.format, v) + '\n');
    else ctx.out.write(JSON.stringify(views, null, 4) + '\n');
    return failed ? 1 : 0;
  },
};

const rm: Command = {
  name: 'network rm',
  aliases: ['network remove'],
  usage: 'NETWORK [NETWORK...]',
  summary: 'Remove one or more networks (none that a container is connected to)',
  flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Do not error if the network does not exist' }],
  args: { min: 1 },
  async run(ctx, { flags, positionals }) {
    const api = await ctx.api();
    let failed = false;
    for (const name of positionals) {
      const code = await engineCall(ctx, async () => {
        try {
          await api.networkRemove(name);
        } catch (e) {
          if (flags.force === true && e instanceof SkiffError && e.code === 'NETWORK_NOT_FOUND') return;
          throw e;
        }
        ctx.out.write(`${name}\n`);
      });
      failed = code !== 0 || failed;
    }
    return failed ? 1 : 0;
  },
};

const connect: Command = {
  name: 'network connect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  summary: 'Connect a container to a network (a running one gets a new interface at once)',
  flags: [
    { name: 'ip', kind: 'string', help: 'IPv4 address (e.g., 172.30.100.104)', placeholder: 'string' },
    { name: 'alias', kind: 'list', help: 'Add network-scoped alias for the container' },
  ],
  args: { min: 2, max: 2 },
  async run(ctx, { flags, positionals }) {
    const api = await ctx.api();
    const aliases = (flags.alias as string[] | undefined) ?? [];
    return engineCall(ctx, () => api.networkConnect(positionals[0]!, positionals[1]!, {
      ...(str(flags.ip) ? { IPAMConfig: { IPv4Address: str(flags.ip)! } } : {}), ...(aliases.length ? { Aliases: aliases } : {}),
    }));
  },
};

const disconnect: Command = {
  name: 'network disconnect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  summary: 'Disconnect a container from a network',
  flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Force the container to disconnect from a network' }],
  args: { min: 2, max: 2 },
  async run(ctx, { flags, positionals }) {
    const api = await ctx.api();
    return engineCall(ctx, () => api.networkDisconnect(positionals[0]!, positionals[1]!, flags.force === true));
  },
};

const prune: Command = {
  name: 'network prune',
  usage: '[OPTIONS]',
  summary: 'Remove all unused networks',
  flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' }],
  args: { min: 0, max: 0 },
  async run(ctx, { flags }) {
    if (flags.force !== true) {
      const yes = await confirm(ctx, 'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?');
      if (yes === undefined) throw new SkiffError('USAGE', 'network prune asks before deleting, and standard input is not a terminal to answer on', 'add -f (--force) to prune without asking');
      if (!yes) return 0;
    }
    const api = await ctx.api();
    return engineCall(ctx, async () => {
      const gone = await api.networkPrune();
      if (gone.length) ctx.out.write(`Deleted Networks:\n${gone.map((n) => `${n}\n`).join('')}`);
    });
  },
};

const subcommands = [create, ls, inspect, rm, connect, disconnect, prune];

/** `network` alone lists its subcommands, as `docker network` does. */
const group = commandGroup('network', 'Manage networks: bridges, addresses, name resolution', 'Manage networks', subcommands);

export const networkCommands: Command[] = [group, ...subcommands];
