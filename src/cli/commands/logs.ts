// `logs`: what the container printed, from its json-file log — stdout to our stdout, stderr to our
// stderr, -t with each line's time, --tail the last N, --since/--until a time window, -f following
// until the container stops (or Ctrl-C).
import { SkiffError } from '../../engine/errors.ts';
import type { Command } from '../command.ts';

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration ("1h30m", "42m", "1.5s") in milliseconds; undefined when not one. */
export function parseGoDuration(v: string): number | undefined {
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(v);
  if (!m) return undefined;
  let ns = 0;
  for (const part of v.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) ns += Number(part[1]) * UNIT_NS[part[2]!]!;
  return (m[1] === '-' ? -ns : ns) / 1e6;
}

/**
 * `--since`/`--until` (moby api/types/time GetTimestamp): a duration before now ("10m"), a unix
 * time ("1700000000.5"), or an RFC 3339 date or date-time (local time when it has no zone).
 * Returns unix seconds.
 */
export function parseLogTime(flag: string, v: string, now = Date.now()): number {
  const d = v === '0' ? undefined : parseGoDuration(v);
  if (d !== undefined) return (now - d) / 1000;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  // Date-only forms are UTC in JavaScript; Docker reads a date without a zone as local time.
  const t = /^\d{4}-\d\d-\d\d$/.test(v) ? Date.parse(`${v}T00:00:00`) : Date.parse(v);
  if (Number.isNaN(t)) throw new SkiffError('USAGE', `invalid value for "${flag}": failed to parse value as time or duration: "${v}"`, 'e.g. 10m (ten minutes ago), 2024-01-02T13:23:37Z or a unix time');
  return t / 1000;
}

export const logs: Command = {
  name: 'logs',
  aliases: ['container logs'],
  usage: '[OPTIONS] CONTAINER',
  summary: 'Fetch the logs of a container',
  flags: [
    { name: 'follow', short: 'f', kind: 'bool', help: 'Follow log output' },
    { name: 'since', kind: 'string', help: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    { name: 'tail', short: 'n', kind: 'string', help: 'Number of lines to show from the end of the logs (default "all")' },
    { name: 'timestamps', short: 't', kind: 'bool', help: 'Show timestamps' },
    { name: 'until', kind: 'string', help: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, { flags, positionals }) {
    let tail: number | undefined;
    const t = typeof flags.tail === 'string' ? flags.tail : 'all';
    if (t !== 'all') {
      if (!/^-?\d+$/.test(t)) throw new SkiffError('USAGE', `invalid value for "tail": ${JSON.stringify(t)}`, 'a number of lines, or all');
      if (Number(t) >= 0) tail = Number(t); // a negative number means all, as in Docker
    }
    const since = typeof flags.since === 'string' ? parseLogTime('since', flags.since) : undefined;
    const until = typeof flags.until === 'string' ? parseLogTime('until', flags.until) : undefined;
    const api = await ctx.api();
    const entries = api.containerLogs(positionals[0]!, {
      stdout: true, stderr: true, follow: flags.follow === true, timestamps: flags.timestamps === true,
      ...(tail !== undefined ? { tail } : {}), ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}),
    }, ctx.signal);
    for await (const e of entries) (e.stream === 'stderr' ? ctx.err : ctx.out).write(e.data);
  },
};
