// `stats`: live usage from each container's cgroup — CPU as a share of one CPU over the last
// interval, memory against its limit (or the host's memory), the number of processes. In a
// terminal the table redraws every second until Ctrl-C; --no-stream prints one sample.
import os from 'node:os';
import type { EngineApi, StatsSample } from '../../client/api.ts';
import type { Command } from '../command.ts';
import { reportError } from '../containers.ts';
import { table } from '../format.ts';
import { shortId } from './ps.ts';

/** go-units BytesSize: binary units, 4 significant digits ("1.5MiB", "15.55GiB"). */
export function bytesSize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number(n.toPrecision(4))}${units[i]}`;
}

interface Target {
  id: string;
  name: string;
}

interface Reading {
  sample?: StatsSample;
  at: number;
}

/** One row: CONTAINER ID, NAME, CPU %, MEM USAGE / LIMIT, MEM %, NET I/O, BLOCK I/O, PIDS. */
export function statsRow(t: Target, prev: Reading | undefined, now: Reading, trunc: boolean, hostMemory = os.totalmem()): string[] {
  const id = trunc ? shortId(t.id) : t.id;
  const s = now.sample;
  if (!s || s.memory_stats.usage === undefined) return [id, t.name, '--', '-- / --', '--', '--', '--', '--'];
  let cpu = 0;
  const before = prev?.sample?.cpu_stats.cpu_usage.total_usage;
  if (before !== undefined && now.at > prev!.at) cpu = ((s.cpu_stats.cpu_usage.total_usage - before) / ((now.at - prev!.at) * 1e6)) * 100;
  // No limit (or one above the host's memory) means the host's memory is the limit.
  const limit = Math.min(s.memory_stats.limit ?? hostMemory, hostMemory);
  const usage = s.memory_stats.usage;
  const pct = (v: number) => `${v.toFixed(2)}%`;
  // The container has only its loopback interface (no network yet) and Skiff reads no blkio
  // numbers: "0B / 0B" is the truth for the first, "--" says the second is not measured.
  return [id, t.name, pct(Math.max(0, cpu)), `${bytesSize(usage)} / ${bytesSize(limit)}`, pct(limit ? (usage / limit) * 100 : 0), '0B / 0B', '--', String(s.pids_stats.current ?? 0)];
}

const HEADER = ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'];

async function read(api: EngineApi, targets: Target[]): Promise<Reading[]> {
  return Promise.all(targets.map(async (t) => ({ sample: await api.containerStats(t.id).catch(() => undefined), at: Date.now() })));
}

export const stats: Command = {
  name: 'stats',
  aliases: ['container stats'],
  usage: '[OPTIONS] [CONTAINER...]',
  summary: 'Display a live stream of container(s) resource usage statistics',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
    { name: 'no-stream', kind: 'bool', help: 'Disable streaming stats and only pull the first result' },
    { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
  ],
  args: { min: 0 },
  async run(ctx, { flags, positionals }) {
    const api = await ctx.api();
    const trunc = flags['no-trunc'] !== true;
    let targets: Target[] = [];
    let failed = false;
    if (positionals.length) {
      for (const name of positionals) {
        try {
          const c = await api.containerInspect(name);
          targets.push({ id: c.Id, name: c.Name.replace(/^\//, '') });
        } catch (e) {
          failed = true;
          reportError(ctx, e);
        }
      }
      if (failed) return 1;
    } else {
      targets = (await api.containerList({ all: flags.all === true })).map((c) => ({ id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, '') }));
    }
    const sleep = (ms: number) => new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      ctx.signal.addEventListener('abort', done, { once: true });
    });
    // CPU % needs two readings: the first is taken a second before the first table.
    let prev = await read(api, targets);
    for (;;) {
      await sleep(1000);
      if (ctx.signal.aborted) return 0;
      const now = await read(api, targets);
      const text = table(HEADER, targets.map((t, i) => statsRow(t, prev[i], now[i]!, trunc)));
      if (flags['no-stream'] === true) {
        ctx.out.write(text);
        return 0;
      }
      // In a terminal the table is redrawn in place (clear screen, cursor home), as docker stats does.
      ctx.out.write(ctx.out.isTTY ? `\x1b[2J\x1b[H${text}` : `${text}\n`);
      prev = now;
    }
  },
};
