// A container's control group: the files the engine wrote (each limit, each process joining),
// gauges of memory, CPU and pids from usage samples read while it runs, and how it ended — an OOM
// kill is the kernel enforcing the memory limit, and is shown as such.
import type { EngineEvent } from '../../engine/events.ts';
import { binarySize } from './format.ts';

/** One reading of the cgroup's files (the engine's `containers.usage`), at `at` milliseconds. */
export interface UsageSample {
  at: number;
  memory: { usage: number; limit?: number; peak?: number };
  cpu: { usageNs: number; quota?: number; period?: number };
  pids: { current: number; limit?: number };
  oomKills: number;
}

export interface CgroupWrite {
  file: string; // absolute, as written
  name: string; // the file's own name, e.g. memory.limit_in_bytes
  controller: string; // memory, cpu, pids... ('' on v2: one directory for all)
  value: string;
  version: 1 | 2;
  /** What the write means, in words. */
  meaning: string;
}

export interface ContainerCgroup {
  id: string;
  version?: 1 | 2;
  writes: CgroupWrite[];
  exit?: { exitCode: number; reason: 'exited' | 'signaled' | 'oom' | 'start-failed'; signal?: string; oomKilled: boolean };
}

export interface CgroupsModel {
  containers: Record<string, ContainerCgroup>;
  last?: string;
}

export const emptyCgroups: CgroupsModel = { containers: {} };

const UNLIMITED = new Set(['max', '-1', '9223372036854771712']);

/** A cgroup file and value in words (kernel docs: cgroup-v1/memory.rst, cgroup-v2.rst, sched-bwc.rst). */
export function explainWrite(name: string, value: string): string {
  const bytes = (v: string) => (UNLIMITED.has(v) ? 'no limit' : binarySize(Number(v)));
  switch (name) {
    case 'memory.limit_in_bytes':
    case 'memory.max':
      return `memory limit: ${bytes(value)}`;
    case 'memory.memsw.limit_in_bytes':
      return `memory + swap limit: ${bytes(value)}`;
    case 'memory.swap.max':
      return `swap limit: ${bytes(value)}`;
    case 'memory.soft_limit_in_bytes':
    case 'memory.low':
      return `memory reservation: ${bytes(value)}`;
    case 'cpu.cfs_period_us':
      return `CPU accounting period: ${Number(value) / 1000} ms`;
    case 'cpu.cfs_quota_us':
      return UNLIMITED.has(value) ? 'CPU time: no limit' : `CPU time: ${Number(value) / 1000} ms per period`;
    case 'cpu.max': {
      const [quota, period] = value.split(' ');
      if (!quota || UNLIMITED.has(quota) || !period) return 'CPU time: no limit';
      return `CPU time: ${Number(quota) / 1000} ms per ${Number(period) / 1000} ms = ${+(Number(quota) / Number(period)).toFixed(2)} CPU`;
    }
    case 'cpu.shares':
    case 'cpu.weight':
      return `CPU share under contention: ${value}`;
    case 'pids.max':
      return UNLIMITED.has(value) ? 'processes: no limit' : `at most ${value} processes`;
    case 'cgroup.procs':
      return `process ${value} joins`;
    case 'cgroup.subtree_control':
      return `controllers enabled below: ${value}`;
    default:
      return '';
  }
}

function parseWrite(file: string, value: string, version: 1 | 2): CgroupWrite {
  const parts = file.split('/');
  const name = parts.at(-1) ?? file;
  // v1: /sys/fs/cgroup/<controller>/...; v2: one tree, the controller is the file's prefix.
  const controller = version === 1 ? (parts[4] ?? '') : '';
  return { file, name, controller, value, version, meaning: explainWrite(name, value) };
}

export function reduceCgroups(m: CgroupsModel, e: EngineEvent): CgroupsModel {
  if (e.type !== 'runtime.cgroup' && e.type !== 'container.exit' && e.type !== 'container.create') return m;
  const c = m.containers[e.id] ?? { id: e.id, writes: [] };
  let next: ContainerCgroup;
  if (e.type === 'container.create') next = { id: e.id, writes: [] };
  else if (e.type === 'runtime.cgroup') {
    // A new start writes the limits again: begin afresh when a limit follows the last start's joins.
    const restarted = c.exit !== undefined && c.writes.length > 0;
    const base = restarted ? { id: e.id, writes: [] } : c;
    next = { ...base, version: e.version, writes: [...base.writes, parseWrite(e.file, e.value, e.version)] };
  } else {
    next = { ...c, exit: { exitCode: e.exitCode, reason: e.reason, oomKilled: e.oomKilled, ...(e.signal ? { signal: e.signal } : {}) } };
  }
  return { containers: { ...m.containers, [e.id]: next }, last: e.id };
}

export function foldCgroups(events: readonly EngineEvent[]): CgroupsModel {
  return events.reduce(reduceCgroups, emptyCgroups);
}

/** The limits as numbers, from the writes (what the gauges measure against when no sample says). */
export function limitsOf(c: ContainerCgroup): { memory?: number; cpus?: number; pids?: number } {
  const out: { memory?: number; cpus?: number; pids?: number } = {};
  let quota: number | undefined;
  let period: number | undefined;
  for (const w of c.writes) {
    if ((w.name === 'memory.limit_in_bytes' || w.name === 'memory.max') && !UNLIMITED.has(w.value)) out.memory = Number(w.value);
    if (w.name === 'pids.max' && !UNLIMITED.has(w.value)) out.pids = Number(w.value);
    if (w.name === 'cpu.cfs_quota_us' && !UNLIMITED.has(w.value)) quota = Number(w.value);
    if (w.name === 'cpu.cfs_period_us') period = Number(w.value);
    if (w.name === 'cpu.max') {
      const [q, p] = w.value.split(' ');
      if (q && !UNLIMITED.has(q)) quota = Number(q);
      if (p) period = Number(p);
    }
  }
  if (quota !== undefined && period) out.cpus = quota / period;
  return out;
}

export interface Gauges {
  at: number;
  /** Milliseconds the samples cover. */
  span: number;
  memory: { usage: number; limit?: number; peak?: number; fraction?: number };
  /** CPUs in use between the last two samples (1 = one CPU busy all the time). */
  cpu: { cores?: number; limit?: number; fraction?: number; totalNs: number };
  pids: { current: number; limit?: number; fraction?: number };
  oomKills: number;
  /** Per sample, for the sparklines: memory in bytes, CPU in cores (from the second sample). */
  history: { memory: number[]; cpu: number[] };
}

/** CPUs in use between two samples: CPU time used over wall time passed. */
export function cpuRate(a: UsageSample, b: UsageSample): number | undefined {
  const wallNs = (b.at - a.at) * 1e6;
  if (wallNs <= 0) return undefined;
  return Math.max(0, (b.cpu.usageNs - a.cpu.usageNs) / wallNs);
}

export function gauges(samples: readonly UsageSample[]): Gauges | undefined {
  const last = samples.at(-1);
  if (!last) return undefined;
  const prev = samples.at(-2);
  const cores = prev ? cpuRate(prev, last) : undefined;
  const limitCores = last.cpu.quota !== undefined && last.cpu.period ? last.cpu.quota / last.cpu.period : undefined;
  const frac = (v: number | undefined, of: number | undefined) => (v !== undefined && of ? Math.min(1, v / of) : undefined);
  const memFraction = frac(last.memory.usage, last.memory.limit);
  const cpuFraction = frac(cores, limitCores);
  const pidsFraction = frac(last.pids.current, last.pids.limit);
  return {
    at: last.at,
    span: last.at - (samples[0]?.at ?? last.at),
    memory: { ...last.memory, ...(memFraction !== undefined ? { fraction: memFraction } : {}) },
    cpu: {
      totalNs: last.cpu.usageNs, ...(cores !== undefined ? { cores } : {}), ...(limitCores !== undefined ? { limit: limitCores } : {}),
      ...(cpuFraction !== undefined ? { fraction: cpuFraction } : {}),
    },
    pids: { ...last.pids, ...(pidsFraction !== undefined ? { fraction: pidsFraction } : {}) },
    oomKills: last.oomKills,
    history: {
      memory: samples.map((s) => s.memory.usage),
      cpu: samples.slice(1).map((s, i) => cpuRate(samples[i]!, s) ?? 0),
    },
  };
}

/** A sample from the Engine API's stats (GET /containers/{id}/stats), for a client of a daemon. */
export function sampleFromStats(s: {
  read: string;
  memory_stats: { usage?: number; limit?: number; max_usage?: number };
  cpu_stats: { cpu_usage: { total_usage: number } };
  pids_stats: { current?: number; limit?: number };
  skiff?: { oomKills: number };
}, cpu: { quota?: number; period?: number } = {}): UsageSample {
  return {
    at: Date.parse(s.read),
    memory: { usage: s.memory_stats.usage ?? 0, ...(s.memory_stats.limit !== undefined ? { limit: s.memory_stats.limit } : {}), ...(s.memory_stats.max_usage !== undefined ? { peak: s.memory_stats.max_usage } : {}) },
    cpu: { usageNs: s.cpu_stats.cpu_usage.total_usage, ...cpu },
    pids: { current: s.pids_stats.current ?? 0, ...(s.pids_stats.limit !== undefined ? { limit: s.pids_stats.limit } : {}) },
    oomKills: s.skiff?.oomKills ?? 0,
  };
}
