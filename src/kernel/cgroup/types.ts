// The contract between the engine and the cgroup file systems. A container gets one cgroup (one
// directory per v1 controller, or one v2 directory) below the engine's own cgroup; the engine writes
// its limits there, the container's first process joins it just before it starts the user's
// command, and the gauges read its usage. v1 and v2 are two implementations of one manager chosen
// at start-up (youki's libcgroups, runc's cgroups/fs and fs2 do the same).

/** Docker's resource flags, in kernel units. */
export interface CgroupLimits {
  /** --memory, bytes (Docker's minimum is 6 MiB); 0 or unset: no limit. */
  memory?: number;
  /** --memory-swap: memory plus swap, bytes; -1 unlimited; unset means Docker's default (twice --memory). */
  memorySwap?: number;
  /** CPU time per period, µs (--cpus 0.5 is 50000 of 100000), at least 1000; -1 removes the quota. */
  cpuQuota?: number;
  /** µs, 1000..1000000; 100000 when unset. */
  cpuPeriod?: number;
  /** --cpu-shares (v1 cpu.shares; v2 converts to cpu.weight). */
  cpuShares?: number;
  /** --pids-limit; 0 or less means unlimited. */
  pidsLimit?: number;
}

/** One file written, with the value written: the events (and the cgroup diagram) show these. */
export interface CgroupWrite {
  file: string;
  value: string;
}

export interface CgroupUsage {
  memory: { usage: number; limit?: number; peak?: number }; // limit undefined: unlimited
  cpu: { usageNs: number; quota?: number; period?: number };
  pids: { current: number; limit?: number };
  oomKills: number;
}

export interface ContainerCgroup {
  readonly version: 1 | 2;
  /** The container's ID: the directory name. */
  readonly name: string;
  /** Every directory this cgroup is made of (one per v1 controller, or the one v2 directory). */
  readonly dirs: string[];
  /** The cgroup.procs files a process writes "0" into to join (the container's init does so just
   *  before it executes the user's command, so nothing of the engine is charged to the container). */
  readonly procsFiles: string[];
  /** What the container sees under its /sys/fs/cgroup, read-only: v1 one directory per hierarchy
   *  (`memory`, `cpu,cpuacct`...), v2 the one directory itself (name ""). */
  readonly views: { name: string; dir: string }[];
  /** Creates the directories and writes the limits; returns each write, in order. */
  apply(limits: CgroupLimits): CgroupWrite[];
  /** Moves a process (all its threads) in. */
  join(pid: number): CgroupWrite[];
  /** Live figures from the kernel's files (0 / undefined for a controller this host lacks). */
  usage(): CgroupUsage;
  /** How many times the OOM killer killed a process of this cgroup. */
  oomKills(): number;
  /** The processes in it (host PIDs). */
  pids(): number[];
  /** Removes the directories once their processes are gone; waits briefly while the kernel still
   *  counts exiting processes (EBUSY). Removing what does not exist is not an error. */
  destroy(): Promise<void>;
}

export interface CgroupManager {
  readonly version: 1 | 2;
  /** The controllers a container can be limited by here (memory, cpu, cpuacct, pids...). */
  readonly controllers: string[];
  /** The directories container cgroups are made in: always below the engine's own cgroup. */
  readonly parents: string[];
  /** A container's cgroup (nothing is created until apply()). */
  create(name: string): ContainerCgroup;
  /** The container cgroups that exist (after an engine restart: running containers keep theirs). */
  list(): string[];
}
