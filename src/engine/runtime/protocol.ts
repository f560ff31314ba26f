// What the engine and a container's init process say to each other. Two named pipes (FIFOs) in the
// init's directory carry one JSON object per line:
//   job     engine → init: the one job (the root filesystem steps and the process to start)
//   status  init → engine: hello, each step as it is done, then `exec` just before execve(2)
// The init opens `status` close-on-exec: when execve succeeds the pipe closes by itself, and the
// engine reads end-of-file — that is how it knows the user's command really started.
import type { Capability } from '../../kernel/capabilities.ts';
import type { NamespaceType } from '../events.ts';
import type { Step } from './plan.ts';

export interface ProcessSpec {
  argv: string[];
  env: string[];
  cwd: string;
  /** Docker's --user: "", "name", "uid", "uid:gid", "name:group" — looked up in the container. */
  user: string;
  caps: Capability[];
  noNewPrivs: boolean;
  stdio: {
    /** A pty slave (host path): stdin, stdout, stderr and the controlling terminal. */
    terminal?: string;
    /** FIFOs (host paths); stdin absent means /dev/null, as Docker gives without -i. */
    stdin?: string;
    stdout?: string;
    stderr?: string;
  };
}

export interface InitJob {
  /** The container's ID. */
  id: string;
  /** Set for `exec`: the process joins a running container instead of making one. */
  execId?: string;
  /** exec: the host PID whose root directory the process enters (chroot /proc/<pid>/root). */
  enterRootOf?: number;
  steps: Step[];
  process: ProcessSpec;
  /** cgroup.procs files the process writes "0" into just before it executes the command. */
  cgroupProcs: string[];
}

export type InitMessage =
  | { t: 'hello'; hostPid: number; ns: Partial<Record<NamespaceType, number>> }
  | { t: 'step'; step: Step; ms: number; detail?: { source?: string; target?: string; fstype?: string; flags?: string[]; data?: string; skipped?: string } }
  | { t: 'ns'; ns: Partial<Record<NamespaceType, number>> }
  | { t: 'cgroup'; file: string; value: string }
  | { t: 'caps'; kept: Capability[]; noNewPrivs: boolean; uid: number; gid: number; groups: number[] }
  | { t: 'exec'; path: string; argv: string[]; hostPid: number; pid: number }
  | { t: 'error'; message: string; hint?: string; exitCode: number };

/** Exit codes of a start that failed before the user's command ran (Docker's). */
export const EXIT = { ENGINE: 125, CANNOT_EXECUTE: 126, NOT_FOUND: 127 } as const;
