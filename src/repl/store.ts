// The REPL's state outside React: the shell (shell.ts) changes it, the Ink app reads it with
// useSyncExternalStore. What the engine and the commands produce can come thousands of times a
// second (a pull reports every chunk); it is gathered and shown at most every `batchMs`, and
// later still while the user types: every frame Ink draws takes this thread a few milliseconds,
// and a keystroke that comes meanwhile waits for it.
import type { EngineApi } from '../client/api.ts';
import type { LessonStatus } from '../lessons/runner.ts';
import type { ChangeList, ImageInfo, UsageSample } from '../visualize/index.ts';
import { emptyModels, type Models } from './feed.ts';

export type LogKind = 'input' | 'out' | 'err' | 'info' | 'error';

/** One finished piece of output: it goes into Ink's <Static>, and so into the scrollback. */
export interface LogItem {
  id: number;
  kind: LogKind;
  text: string;
}

export type PanelName = 'pull' | 'layers' | 'ns' | 'cgroups' | 'run' | 'net' | 'api';

export interface Connection {
  state: 'connecting' | 'ready' | 'failed';
  /** What the status line says. */
  text: string;
  kind?: EngineApi['kind'];
}

export interface ReplState {
  log: LogItem[];
  /** The first log item the mounted Ink app prints: after the terminal was handed to a
   *  container, what is already on the screen is not printed again. */
  logStart: number;
  /** Changes when the whole log is printed again (a resize cleared the screen). */
  staticKey: number;
  running?: { line: string; since: number; interrupted: boolean };
  /** The running command's line that has no newline yet. */
  partial: string;
  conn: Connection;
  /** A one-line hint under the prompt, until the next key. */
  notice?: string;
  panel?: PanelName;
  /** The diagram, drawn (panel.tsx), as lines; and how far it is scrolled. */
  panelLines: string[];
  scroll: number;
  models: Models;
  samples: UsageSample[];
  images: ImageInfo[];
  changes?: { container: string; list: ChangeList };
  /** What the last `run` printed (the run diagram shows its first lines). */
  runOutput: string;
  /** The terminal is a container's: draw nothing. */
  suspended: boolean;
  plain: boolean;
  /** Bumped to give the prompt a fresh, empty line (after `clear`, after a hand-off). */
  promptKey: number;
  /** The lesson open, for the status line. */
  lesson?: LessonStatus;
}

export function initialState(plain: boolean): ReplState {
  return {
    log: [], logStart: 0, staticKey: 0, partial: '', conn: { state: 'connecting', text: 'connecting to the Skiff daemon…' },
    panelLines: [], scroll: 0, models: emptyModels(), samples: [], images: [], runOutput: '', suspended: false, plain, promptKey: 0,
  };
}

/** While keys come this close together, what the engine produced waits (the echo goes first)... */
const TYPING_MS = 150;
/** ...but never longer than this. */
const MAX_WAIT_MS = 600;

export class Store {
  private state: ReplState;
  private readonly listeners = new Set<() => void>();
  private pending: Partial<ReplState> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pendingSince = 0;
  private lastKey = -Infinity;

  constructor(initial: ReplState, private readonly batchMs = 100) {
    this.state = initial;
  }

  get = (): ReplState => this.state;

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  /** Changes the state now (what the user did: a key, a command that began or ended). */
  set(patch: Partial<ReplState> | ((s: ReplState) => Partial<ReplState>)): void {
    this.flushSoon();
    const p = typeof patch === 'function' ? patch(this.state) : patch;
    this.state = { ...this.state, ...p };
    for (const l of this.listeners) l();
  }

  /** Changes the state by the next batch (what the engine or a command produced). `patch` may
   *  be a function of the state as batched so far. */
  soon(patch: Partial<ReplState> | ((s: ReplState) => Partial<ReplState>)): void {
    const base = { ...this.state, ...this.pending };
    const p = typeof patch === 'function' ? patch(base) : patch;
    this.pending = { ...this.pending, ...p };
    if (!this.timer) {
      this.pendingSince = performance.now();
      this.timer = setTimeout(this.due, this.batchMs);
    }
  }

  /** A key was pressed: a frame of the engine's news now would make its echo wait. */
  typed(): void {
    this.lastKey = performance.now();
  }

  private due = (): void => {
    this.timer = undefined;
    const now = performance.now();
    const quiet = now - this.lastKey;
    if (quiet < TYPING_MS && now - this.pendingSince < MAX_WAIT_MS) {
      this.timer = setTimeout(this.due, TYPING_MS - quiet);
      return;
    }
    this.flushSoon(true);
  };

  /** Applies what `soon` gathered (now, before a `set`, so nothing is lost or reordered). */
  flushSoon(notify = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    this.state = { ...this.state, ...this.pending };
    this.pending = undefined;
    if (notify) for (const l of this.listeners) l();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
