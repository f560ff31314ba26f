// What the daemon does for containers beyond single requests: it waits for their ends the way
// `POST /containers/{id}/wait` promises (the exit code of a `--rm` container included: the client
// only waits for condition=removed), and on start finds the containers it left running and
// watches them again.
import type { ContainerService } from '../engine/containers/service.ts';
import type { ContainerState } from '../engine/containers/types.ts';
import type { Engine } from '../engine/engine.ts';
import { SkiffError } from '../engine/errors.ts';

export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

function fromState(s: ContainerState): WaitResult {
  return { StatusCode: s.ExitCode, Error: s.Error ? { Message: s.Error } : null };
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export class Lifecycle {
  constructor(
    private readonly engine: Engine,
    private readonly containers: ContainerService,
  ) {}

  /**
   * A start that failed is an end too: a `--rm` container goes, as dockerd removes it (the CLI
   * waits for condition=removed). Exits after a start are the engine's to handle (removeIfAuto).
   */
  async startFailed(id: string): Promise<void> {
    await this.containers.removeIfAuto(id).catch(() => {});
  }

  /**
   * Resolves when the condition holds: `not-running` now or at the exit; `next-exit` at the next
   * exit from now on (the docker CLI asks before it starts the container, so the exit cannot be
   * missed); `removed` once the container is gone, with its last exit code.
   */
  async wait(input: string, condition: WaitCondition, signal: AbortSignal): Promise<WaitResult> {
    const id = this.containers.resolve(input);
    let lastExit: WaitResult | undefined;
    let onExit!: (r: WaitResult) => void;
    let onRemoved!: () => void;
    const exited = new Promise<WaitResult>((r) => (onExit = r));
    const removed = new Promise<void>((r) => (onRemoved = r));
    const off = this.engine.events.on((e) => {
      if (!('id' in e) || e.id !== id) return;
      if (e.type === 'container.exit') {
        lastExit = { StatusCode: e.exitCode, Error: e.error ? { Message: e.error } : null };
        onExit(lastExit);
      } else if (e.type === 'container.destroy') onRemoved();
    });
    try {
      const state = (await this.containers.inspect(id)).State;
      const stop = aborted(signal);
      stop.catch(() => {}); // observed by the races below; not every path races it
      if (condition === 'not-running') {
        if (state.Status !== 'running') return fromState(state);
        const r = await Promise.race([this.containers.wait(id, 'not-running', signal), stop]);
        return { StatusCode: r.StatusCode, Error: r.Error ? { Message: r.Error } : null };
      }
      if (condition === 'next-exit') return await Promise.race([exited, stop]);
      // removed: removal by another process says nothing on our bus; look now and then.
      let done = false;
      const gone = (async () => {
        while (!signal.aborted && !done) {
          await new Promise((r) => setTimeout(r, 500));
          try {
            this.containers.resolve(id);
          } catch {
            return;
          }
        }
      })();
      try {
        await Promise.race([removed, gone, stop]);
      } finally {
        done = true;
      }
      return lastExit ?? fromState(state);
    } finally {
      off();
    }
  }

  /**
   * After a (re)start of the daemon: the engine has settled what ended while nobody watched (and
   * removed its `--rm` containers); running ones are watched again here — their output collected
   * into the log, their exit noticed.
   */
  async recover(): Promise<{ running: number; stopped: number }> {
    let running = 0;
    let stopped = 0;
    for (const s of await this.containers.list({ all: true })) {
      if (s.State !== 'running') {
        stopped++;
        continue;
      }
      running++;
      void this.containers.wait(s.Id, 'not-running').catch(() => {});
    }
    return { running, stopped };
  }
}

export function checkCondition(v: string | null): WaitCondition {
  const c = v || 'not-running';
  if (c !== 'not-running' && c !== 'next-exit' && c !== 'removed') throw new SkiffError('USAGE', `invalid condition: "${c}"`, 'use not-running, next-exit or removed');
  return c;
}
