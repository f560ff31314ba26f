// "What does `docker run` do?" — the seven steps the articles list, each with what the engine
// reported about it: real timings from `runtime.step` and the pull's own events. A step with no
// event yet is pending; a step that did not apply to this container (no interface with --network
// none, no address of its own with --network host) says so instead of pretending.
import type { EngineEvent, RuntimeStepEvent } from '../../engine/events.ts';

export type RunStepKey = RuntimeStepEvent['step'];

export type RunStepState = 'pending' | 'active' | 'done' | 'skipped' | 'not-in-skiff' | 'failed';

export interface RunStep {
  n: number;
  key: RunStepKey;
  /** The articles' words for the step. */
  title: string;
  state: RunStepState;
  ms?: number;
  detail?: string;
}

export interface RunPull {
  ref: string;
  state: 'pulling' | 'done' | 'failed';
  ms?: number;
  layers: Record<string, 'downloaded' | 'existed' | 'busy'>;
  upToDate?: boolean;
  imageId?: string;
  error?: string;
}

export interface RunModel {
  pull?: RunPull;
  container?: { id: string; name: string; image: string };
  /** runtime.step events seen, by step. */
  steps: Partial<Record<RunStepKey, { ms: number; detail?: string; skipped?: boolean }>>;
  /** The runtime began setting the container up (namespaces, mounts reported). */
  starting: boolean;
  net?: 'new' | 'host' | 'joined';
  pid?: { pid: number; hostPid: number; argv: string[] };
  exit?: { exitCode: number; reason: 'exited' | 'signaled' | 'oom' | 'start-failed'; signal?: string; error?: string };
}

export const emptyRun: RunModel = { steps: {}, starting: false };

export function reduceRun(m: RunModel, e: EngineEvent): RunModel {
  switch (e.type) {
    case 'pull.start':
      // A pull before any container is step 1 of this run; after one, it begins the next run.
      if (m.container || (m.pull && m.pull.state !== 'pulling')) return { ...emptyRun, pull: { ref: e.ref, state: 'pulling', layers: {} } };
      return m.pull ? m : { ...m, pull: { ref: e.ref, state: 'pulling', layers: {} } };
    case 'pull.layer': {
      if (!m.pull || m.container) return m;
      const state = e.phase === 'exists' ? 'existed' : e.phase === 'complete' ? 'downloaded' : 'busy';
      return { ...m, pull: { ...m.pull, layers: { ...m.pull.layers, [e.digest]: state } } };
    }
    case 'pull.done':
      if (!m.pull || m.container || m.pull.ref !== e.ref) return m;
      return { ...m, pull: { ...m.pull, state: 'done', ms: e.ms, upToDate: e.upToDate, imageId: e.imageId } };
    case 'pull.error':
      if (!m.pull || m.container || m.pull.ref !== e.ref) return m;
      return { ...m, pull: { ...m.pull, state: 'failed', error: e.message } };
    case 'container.create': {
      const container = { id: e.id, name: e.name, image: e.image };
      if (m.container) return { ...emptyRun, container };
      // A pull that failed, or was of another image, was not this run's step 1.
      const pull = m.pull?.state === 'done' && m.pull.imageId === e.imageId ? m.pull : undefined;
      return { ...emptyRun, ...(pull ? { pull } : {}), container };
    }
    default:
      break;
  }
  if (!('id' in e) || !m.container || e.id !== m.container.id) return m;
  switch (e.type) {
    case 'runtime.step':
      return { ...m, steps: { ...m.steps, [e.step]: { ms: e.ms, ...(e.detail ? { detail: e.detail } : {}), ...(e.skipped ? { skipped: true } : {}) } } };
    case 'runtime.namespace':
      return { ...m, starting: true, ...(e.ns === 'net' ? { net: e.mode } : {}) };
    case 'runtime.rootfs':
    case 'runtime.mount':
      return { ...m, starting: true };
    case 'runtime.process':
      return e.execId ? m : { ...m, pid: { pid: e.pid, hostPid: e.hostPid, argv: e.argv } };
    case 'container.exit':
      return { ...m, exit: { exitCode: e.exitCode, reason: e.reason, ...(e.signal ? { signal: e.signal } : {}), ...(e.error ? { error: e.error } : {}) } };
    default:
      return m;
  }
}

/** The run model of a stream. Events carry no command boundaries: fold those since the user's
 *  `run` began, so that a pull of the same image earlier on is not taken for this run's step 1. */
export function foldRun(events: readonly EngineEvent[]): RunModel {
  return events.reduce(reduceRun, emptyRun);
}

export const RUN_STEP_TITLES: Record<RunStepKey, string> = {
  pull: 'Pull the image if it is missing',
  create: 'Create the container',
  rootfs: 'Allocate a filesystem, mount a read-write layer',
  network: 'Create a network interface on a bridge',
  ip: 'Assign an IP address from a pool',
  start: 'Start the process',
  attach: 'Capture its output (stdin, stdout, stderr)',
};

const ORDER: RunStepKey[] = ['pull', 'create', 'rootfs', 'network', 'ip', 'start', 'attach'];

function pullDetail(p: RunPull): string {
  const states = Object.values(p.layers);
  const got = states.filter((s) => s === 'downloaded').length;
  const had = states.filter((s) => s === 'existed').length;
  if (p.state === 'failed') return `pull failed: ${p.error ?? 'unknown error'}`;
  if (p.state === 'pulling') return `pulling ${p.ref}`;
  if (p.upToDate) return `${p.ref}: image is up to date`;
  return `pulled ${p.ref}: ${got} layer${got === 1 ? '' : 's'} downloaded${had ? `, ${had} already present` : ''}`;
}

/** The seven steps with honest states, from what the model has seen. */
export function runSteps(m: RunModel): RunStep[] {
  const failed = m.exit?.reason === 'start-failed';
  return ORDER.map((key, i): RunStep => {
    const base = { n: i + 1, key, title: RUN_STEP_TITLES[key] };
    const seen = m.steps[key];
    if (key === 'pull') {
      if (m.pull) {
        const state: RunStepState = m.pull.state === 'done' ? 'done' : m.pull.state === 'failed' ? 'failed' : 'active';
        return { ...base, state, ...(m.pull.ms !== undefined ? { ms: m.pull.ms } : {}), detail: pullDetail(m.pull) };
      }
      if (m.container) return { ...base, state: 'skipped', detail: 'not needed: the image was already in the store' };
      return { ...base, state: 'pending' };
    }
    if (seen?.skipped) return { ...base, state: 'skipped', ...(seen.detail ? { detail: seen.detail } : {}) };
    if (seen) return { ...base, state: 'done', ms: seen.ms, ...(seen.detail ? { detail: seen.detail } : {}) };
    if ((key === 'network' || key === 'ip') && (m.steps.start || m.exit)) {
      // Started, yet no network step was reported: a recording from an engine without networking.
      const net = m.net === 'new' ? 'the container had its own network namespace with only loopback'
        : m.net === 'host' ? 'the container shared the host\'s network' : undefined;
      return { ...base, state: 'not-in-skiff', detail: `not reported by the engine that ran it${net ? `; ${net}` : ''}` };
    }
    if (failed && (key === 'rootfs' || key === 'start')) return { ...base, state: 'failed', ...(m.exit?.error ? { detail: m.exit.error } : {}) };
    if (failed) return { ...base, state: 'pending' };
    // The runtime reports namespaces and mounts before these steps' timings: they are underway.
    if (m.starting && (key === 'rootfs' || key === 'start')) return { ...base, state: 'active' };
    return { ...base, state: 'pending' };
  }).map((s) => (s.key === 'start' && s.state === 'done' && m.pid ? { ...s, detail: `PID ${m.pid.pid} inside = PID ${m.pid.hostPid} on the host: ${command(m.pid.argv)}` } : s));
}

/** A command line, cut short for a one-line detail. */
export function command(argv: readonly string[], max = 48): string {
  const s = argv.join(' ');
  return [...s].length > max ? `${[...s].slice(0, max - 1).join('')}…` : s;
}

/** Milliseconds of the steps that have a timing. */
export function runTotal(steps: readonly RunStep[]): number {
  return steps.reduce((n, s) => n + (s.ms ?? 0), 0);
}
