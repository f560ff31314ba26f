// `ps`: the containers, in docker/cli's table (formatter/container.go): short IDs, the command
// quoted and cut to 20 characters, "3 minutes ago", "Up 2 seconds" / "Exited (0) 1 second ago".
import { displayPorts } from '../../engine/network/ports.ts';
import type { ContainerSummary } from '../../client/api.ts';
import { isSkiffError, SkiffError } from '../../engine/errors.ts';
import { familiarRepository, parseReference } from '../../engine/reference.ts';
import type { Command } from '../command.ts';
import { ellipsis, humanDuration, humanSize, table } from '../format.ts';
import { applyFormat } from './inspect.ts';

/** stringid.TruncateID: the first 12 hex digits, without `sha256:`. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** Go's strconv.Quote, which docker/cli puts around the command. */
export function goQuote(s: string): string {
  const esc: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\v': '\\v' };
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (esc[ch]) out += esc[ch];
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if ((c >= 0x80 && c < 0xa0) || c === 0xfffd) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** The IMAGE column: a short ID when run by ID, else the name as typed, without a digest. */
export function psImage(c: Pick<ContainerSummary, 'Image' | 'ImageID'>, trunc: boolean): string {
  if (!c.Image) return '<no image>';
  if (!trunc) return c.Image;
  if (shortId(c.ImageID) === shortId(c.Image)) return shortId(c.Image);
  try {
    const ref = parseReference(c.Image);
    const named = c.Image.split('@')[0]!;
    // A tag shows only if it was written: `busybox` stays `busybox` (ParseNormalizedNamed adds none).
    const tagged = named.slice(named.lastIndexOf('/') + 1).includes(':');
    return familiarRepository(ref) + (tagged && ref.tag !== undefined ? `:${ref.tag}` : '');
  } catch {
    return c.Image;
  }
}

/** The first name that is not a legacy link (`/other/alias`), without its slash. */
function psNames(c: ContainerSummary, trunc: boolean): string {
  const names = c.Names.map((n) => n.replace(/^\//, ''));
  return trunc ? (names.find((n) => !n.includes('/')) ?? '') : names.join(',');
}

/** The fields of one `ps` row, by the names `--format` templates use. */
export function psFields(c: ContainerSummary, trunc: boolean, now = Date.now()): Record<string, string> {
  return {
    ID: trunc ? shortId(c.Id) : c.Id,
    Image: psImage(c, trunc),
    Command: goQuote(trunc ? ellipsis(c.Command, 20) : c.Command),
    CreatedAt: new Date(c.Created * 1000).toString(),
    RunningFor: `${humanDuration(now - c.Created * 1000)} ago`,
    Ports: displayPorts(c.Ports ?? []),
    State: c.State,
    Status: c.Status,
    Size: humanSize(c.SizeRw ?? 0),
    Names: psNames(c, trunc),
    Labels: Object.entries(c.Labels ?? {}).map(([k, v]) => `${k}=${v}`).sort().join(','),
    Mounts: c.Mounts.map((m) => (trunc ? ellipsis(m.Name || m.Source, 15) : m.Name || m.Source)).join(','),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).join(','),
  };
}

const HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS',
  State: 'STATE', Status: 'STATUS', Size: 'SIZE', Names: 'NAMES', Labels: 'LABELS', Mounts: 'MOUNTS', Networks: 'NETWORKS',
};

/** The default table, or a `--format` ("table {{.ID}}\t{{.Names}}" or a plain template per line). */
export function formatPs(list: ContainerSummary[], o: { trunc: boolean; size: boolean; format?: string; now?: number }): string {
  const rows = list.map((c) => psFields(c, o.trunc, o.now));
  const format = o.format ?? `table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}${o.size ? '\t{{.Size}}' : ''}`;
  const unescape = (f: string) => f.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  if (!format.startsWith('table')) return rows.map((r) => applyFormat(unescape(format), r) + '\n').join('');
  const tmpl = unescape(format.slice('table'.length).trimStart());
  const header = tmpl.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_m, k: string) => HEADERS[k] ?? k.toUpperCase()).split('\t');
  return table(header, rows.map((r) => applyFormat(tmpl, r).split('\t')));
}

/** `-f key=value` (repeatable) → the API's filters. */
export function parseFilters(values: string[]): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  for (const f of values) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new SkiffError('USAGE', 'bad format of filter (expected name=value)', 'e.g. -f status=exited or -f name=web');
    (filters[f.slice(0, eq).toLowerCase()] ??= []).push(f.slice(eq + 1));
  }
  return filters;
}

export const ps: Command = {
  name: 'ps',
  aliases: ['container ls', 'container list', 'container ps'],
  usage: '[OPTIONS]',
  summary: 'List containers',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
    { name: 'filter', short: 'f', kind: 'list', help: 'Filter output based on conditions provided (status, name, id, ancestor, label, exited)', placeholder: 'filter' },
    { name: 'format', kind: 'string', help: 'Format output using a template, e.g. "table {{.ID}}\\t{{.Names}}"' },
    { name: 'last', short: 'n', kind: 'string', help: 'Show n last created containers (includes all states)', placeholder: 'int' },
    { name: 'latest', short: 'l', kind: 'bool', help: 'Show the latest created container (includes all states)' },
    { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display container IDs' },
    { name: 'size', short: 's', kind: 'bool', help: 'Display total file sizes' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, { flags }) {
    let last = -1;
    if (typeof flags.last === 'string') {
      if (!/^[+-]?\d+$/.test(flags.last)) throw new SkiffError('USAGE', `invalid argument "${flags.last}" for "-n, --last" flag: strconv.ParseInt: parsing "${flags.last}": invalid syntax`, "see 'skiff ps --help'");
      last = Number(flags.last);
    }
    if (flags.latest === true && last === -1) last = 1;
    const filters = parseFilters((flags.filter as string[] | undefined) ?? []);
    const quiet = flags.quiet === true;
    const size = flags.size === true && !quiet;
    const api = await ctx.api();
    // A limit shows containers in every state (the API's `limit` implies `all`); newest first.
    let list;
    try {
      list = await api.containerList({ all: flags.all === true || last > 0, filters, size });
    } catch (e) {
      // The daemon's refusal of a filter is an error response (exit 1), not a usage error.
      if (isSkiffError(e, 'USAGE')) {
        ctx.err.write(`Error: ${e.describe()}\n`);
        return 1;
      }
      throw e;
    }
    if (last > 0) list = list.slice(0, last);
    const trunc = flags['no-trunc'] !== true;
    if (quiet) ctx.out.write(list.map((c) => `${trunc ? shortId(c.Id) : c.Id}\n`).join(''));
    else ctx.out.write(formatPs(list, { trunc, size, ...(typeof flags.format === 'string' ? { format: flags.format } : {}) }));
  },
};
