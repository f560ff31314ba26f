// What a container will run, from the image's config and what the user asked for — Docker's merge
// rules (moby daemon/create.go mergeAndVerifyConfig), its resource flags in kernel units, and its
// status words. All pure; the service does the side effects.
import os from 'node:os';
import type { CgroupLimits } from '../../kernel/cgroup/types.ts';
import { SkiffError } from '../errors.ts';
import type { ContainerConfig as ImageContainerConfig } from '../oci.ts';
import { humanDuration } from '../units.ts';
import { DEFAULT_PATH } from '../runtime/defaults.ts';
import { type ContainerConfig, type ContainerState, type CreateRequest, type HostConfig, NEVER } from './types.ts';

const envKey = (e: string) => e.split('=', 1)[0]!;

export interface Merged {
  config: ContainerConfig & { Image: string };
  path: string;
  args: string[];
}

/** The user's settings win; the image fills in what the user left out. */
export function mergeConfig(req: CreateRequest, image: ImageContainerConfig | undefined, opts: { hostname: string; imageName: string }): Merged {
  const img = image ?? {};
  const env = [...(req.Env ?? [])];
  for (const e of img.Env ?? []) if (!env.some((u) => envKey(u) === envKey(e))) env.push(e);

  let entrypoint = req.Entrypoint ?? null;
  let cmd = req.Cmd ?? null;
  if (!entrypoint || entrypoint.length === 0) {
    if (!cmd || cmd.length === 0) cmd = img.Cmd ?? null;
    // `--entrypoint ""` sends [""]: it clears the image's entrypoint instead of keeping it.
    if (req.Entrypoint === undefined || req.Entrypoint === null) entrypoint = img.Entrypoint ?? null;
    else entrypoint = null;
  }
  const argv = [...(entrypoint ?? []), ...(cmd ?? [])].filter((a, i) => i > 0 || a !== '');
  if (argv.length === 0) {
    throw new SkiffError('USAGE', 'No command specified', 'give a command after the image name, e.g. run busybox echo hi');
  }

  const config: ContainerConfig & { Image: string } = {
    Hostname: req.Hostname || opts.hostname,
    Domainname: req.Domainname ?? '',
    User: req.User || img.User || '',
    AttachStdin: req.AttachStdin ?? false,
    AttachStdout: req.AttachStdout ?? false,
    AttachStderr: req.AttachStderr ?? false,
    ExposedPorts: { ...(img.ExposedPorts ?? {}), ...(req.ExposedPorts ?? {}) },
    Tty: req.Tty ?? false,
    OpenStdin: req.OpenStdin ?? false,
    StdinOnce: req.StdinOnce ?? false,
    Env: env,
    Cmd: cmd,
    Entrypoint: entrypoint,
    Image: opts.imageName,
    Volumes: { ...(img.Volumes ?? {}), ...(req.Volumes ?? {}) },
    WorkingDir: req.WorkingDir || img.WorkingDir || '',
    Labels: { ...(img.Labels ?? {}), ...(req.Labels ?? {}) },
    StopSignal: req.StopSignal || img.StopSignal || undefined,
    ...(req.StopTimeout !== undefined ? { StopTimeout: req.StopTimeout } : {}),
  };
  if (config.WorkingDir && !config.WorkingDir.startsWith('/')) {
    throw new SkiffError('USAGE', `the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`, 'use -w /some/dir');
  }
  return { config, path: argv[0]!, args: argv.slice(1) };
}

/** The environment the process gets: Docker's defaults, then the container's own (which win). */
export function processEnv(c: ContainerConfig): string[] {
  const env = c.Env ?? [];
  const base: string[] = [];
  if (!env.some((e) => envKey(e) === 'PATH')) base.push(`PATH=${DEFAULT_PATH}`);
  base.push(`HOSTNAME=${c.Hostname ?? ''}`);
  if (c.Tty) base.push('TERM=xterm');
  return [...base.filter((b) => !env.some((e) => envKey(e) === envKey(b))), ...env];
}

const PERIOD = 100_000;

/** HostConfig's resource fields in kernel units, checked the way Docker checks them. */
export function limitsOf(h: HostConfig, cpus = os.availableParallelism()): CgroupLimits {
  const l: CgroupLimits = {};
  if (h.Memory && h.Memory > 0) l.memory = h.Memory;
  if (h.MemorySwap) {
    if (h.MemorySwap > 0 && !l.memory) throw new SkiffError('USAGE', 'You should always set the Memory limit when using Memoryswap limit', 'add -m, e.g. -m 64m --memory-swap 128m');
    if (h.MemorySwap > 0 && l.memory && h.MemorySwap < l.memory) throw new SkiffError('USAGE', 'Minimum memoryswap limit should be larger than memory limit, see usage', '--memory-swap is memory plus swap, so it must be at least --memory');
    l.memorySwap = h.MemorySwap;
  }
  if (h.NanoCpus) {
    if (h.CpuQuota || h.CpuPeriod) throw new SkiffError('USAGE', 'Conflicting options: Nano CPUs and CPU Period cannot both be set', 'use either --cpus or --cpu-period/--cpu-quota');
    const max = cpus * 1e9;
    if (h.NanoCpus < 0.01e9 || h.NanoCpus > max) {
      throw new SkiffError('USAGE', `Range of CPUs is from 0.01 to ${cpus}.00, as there are only ${cpus} CPUs available`, `use --cpus between 0.01 and ${cpus}`);
    }
    l.cpuPeriod = PERIOD;
    l.cpuQuota = Math.round((h.NanoCpus / 1e9) * PERIOD);
  } else {
    if (h.CpuPeriod) l.cpuPeriod = h.CpuPeriod;
    if (h.CpuQuota && h.CpuQuota > 0) l.cpuQuota = h.CpuQuota;
  }
  if (h.CpuShares) l.cpuShares = h.CpuShares;
  if (h.PidsLimit && h.PidsLimit > 0) l.pidsLimit = h.PidsLimit;
  return l;
}

/** `--cpus 1.5` → NanoCpus, as the docker CLI sends it. */
export function parseCpus(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new SkiffError('USAGE', `invalid argument "${v}" for "--cpus" flag: must be a positive number`, 'e.g. --cpus 0.5 for half a CPU');
  return Math.round(n * 1e9);
}

/** ps's STATUS column: "Up 2 seconds", "Exited (0) 3 minutes ago", "Created". */
export function statusText(s: ContainerState, now = Date.now()): string {
  switch (s.Status) {
    case 'running':
      return `Up ${humanDuration(now - Date.parse(s.StartedAt))}`;
    case 'restarting':
      return `Restarting (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
      return 'Created';
    case 'exited':
      return s.FinishedAt === NEVER ? `Exited (${s.ExitCode})` : `Exited (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
    default:
      return s.Status;
  }
}

export function freshState(): ContainerState {
  return { Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: '', StartedAt: NEVER, FinishedAt: NEVER };
}
