// `GET /containers/{id}/stats`: the cgroup's figures in Docker's StatsJSON shape. The docker CLI
// works out CPU % from two samples (cpu_stats minus precpu_stats, against the whole machine's CPU
// time in system_cpu_usage), so every sample carries the previous one's CPU figures.
import fs from 'node:fs';
import os from 'node:os';
import type { CgroupUsage } from '../kernel/cgroup/types.ts';

interface CpuFigures {
  cpu_usage: { total_usage: number; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface DockerStats {
  read: string;
  preread: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: Record<string, null>;
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: CpuFigures;
  precpu_stats: CpuFigures;
  memory_stats: { usage?: number; max_usage?: number; limit?: number; stats: Record<string, number> };
  name: string;
  id: string;
  /** Skiff's extra: OOM kills so far (the gauges show them). */
  skiff?: { oomKills: number };
}

/**
 * The whole machine's CPU time in ns, from the first line of /proc/stat (in USER_HZ ticks, 100 a
 * second on Linux) — moby's getSystemCPUUsage.
 */
export function systemCpuNs(): number | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const ticks = line.trim().split(/\s+/).slice(1, 8).reduce((n, f) => n + Number(f), 0);
    return ticks * 1e7;
  } catch {
    return undefined;
  }
}

const NEVER = '0001-01-01T00:00:00Z';
const EMPTY_CPU: CpuFigures = { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };

/** One sample; `prev` is the previous one (its CPU figures become precpu_stats). */
export function statsSample(c: { id: string; name: string }, u: CgroupUsage | undefined, prev?: DockerStats): DockerStats {
  const cpu: CpuFigures = u
    ? { ...EMPTY_CPU, cpu_usage: { ...EMPTY_CPU.cpu_usage, total_usage: u.cpu.usageNs }, system_cpu_usage: systemCpuNs(), online_cpus: os.availableParallelism() }
    : EMPTY_CPU;
  return {
    read: u ? new Date().toISOString() : NEVER,
    preread: prev?.read ?? NEVER,
    pids_stats: u ? { current: u.pids.current, ...(u.pids.limit !== undefined ? { limit: u.pids.limit } : {}) } : {},
    blkio_stats: { io_service_bytes_recursive: null, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpu,
    precpu_stats: prev?.cpu_stats ?? EMPTY_CPU,
    // Without a limit Docker reports the machine's memory as the limit.
    memory_stats: u ? { usage: u.memory.usage, ...(u.memory.peak !== undefined ? { max_usage: u.memory.peak } : {}), limit: u.memory.limit ?? os.totalmem(), stats: {} } : { stats: {} },
    name: `/${c.name}`,
    id: c.id,
    ...(u ? { skiff: { oomKills: u.oomKills } } : {}),
  };
}
