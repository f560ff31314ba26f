// The REPL's core, without Ink: runs what the user typed (the REPL's own commands, or the same
// Docker-style commands as the one-shot CLI, through runCommand), keeps their output as lines,
// connects to the daemon in the background and follows the engine's events into the diagrams
// (diagrams.ts).
import { splitCommandLine } from '../cli/args.ts';
import type { Output } from '../cli/command.ts';
import { lookup } from '../cli/commands/index.ts';
import type { Session } from '../cli/main.ts';
import type { EngineApi } from '../client/api.ts';
import type { Engine } from '../engine/engine.ts';
import type { EngineEvent } from '../engine/events.ts';
import { describeError } from '../engine/errors.ts';
import { emptyRun } from '../visualize/index.ts';
import type { LessonRunner } from '../lessons/runner.ts';
import { findBuiltin, type ShellControl } from './builtins.ts';
import { makeLessonRunner } from './lessons.ts';
import { CachedSources, complete, type Completion } from './complete.ts';
import { imageNames, volumeNames } from './data.ts';
import { Diagrams } from './diagrams.ts';
import type { History } from './history.ts';
import type { PanelInput } from './panel.tsx';
import { LineSink, type Stream } from './output.ts';
import { type LogItem, type LogKind, type PanelName, type ReplState, Store } from './store.ts';

export type RunCommand = (s: Session, words: string[], signal: AbortSignal) => Promise<number>;

export interface ShellDeps {
  session: Session;
  run: RunCommand;
  api(): Promise<EngineApi>;
  engine(): Promise<Engine>;
  history: History;
  store: Store;
  columns(): number;
  /** Draws the diagram as lines (panel.tsx, in the panel worker: drawer.ts), then calls `done`;
   *  kept out of the core, which imports no Ink. */
  drawPanel(input: PanelInput, width: number, done: (lines: string[]) => void): void;
  /** Where output goes while a container has the terminal. */
  passthrough(stream: Stream): NodeJS.WritableStream | undefined;
  clearScreen(): void;
  exit(): void;
}

/** The most log items kept for a redraw (the terminal's scrollback keeps the rest). */
const LOG_LIMIT = 2000;
/** What the run diagram keeps of a run's output. */
const RUN_OUTPUT_LIMIT = 4096;

export class Shell implements ShellControl {
  readonly store: Store;
  readonly sources: CachedSources;
  private readonly out: LineSink;
  private readonly err: LineSink;
  private running: { ac: AbortController; isRun: boolean } | undefined;
  private nextId = 1;
  private readonly diagrams: Diagrams;
  private readonly closing = new AbortController();
  private offEngine: (() => void) | undefined;
  private traceLost = false;
  /** The lessons (src/lessons), or why they cannot be had (content that does not parse). */
  readonly lessons: LessonRunner | undefined;
  readonly lessonsError: string | undefined;

  constructor(private readonly d: ShellDeps) {
    this.store = d.store;
    const sink = (stream: Stream) => new LineSink({
      stream, columns: d.columns, passthrough: () => d.passthrough(stream),
      onLines: (lines) => this.onLines(lines, stream),
      onPartial: (text) => this.store.soon({ partial: text }),
    });
    this.out = sink('out');
    this.err = sink('err');
    d.session.out = this.out;
    d.session.err = this.err;
    // Names to complete, asked of the daemon as any client asks (the engine in this process only without one).
    this.sources = new CachedSources({
      images: async () => imageNames(await d.api(), d.engine),
      containers: async () => (await (await d.api()).containerList({ all: true })).flatMap((c) => c.Names.map((n) => n.replace(/^\//, ''))),
      volumes: async () => volumeNames(await d.api(), d.engine),
    });
    this.diagrams = new Diagrams({ store: this.store, engine: d.engine, columns: d.columns, draw: d.drawPanel });
    const runner = makeLessonRunner({
      session: d.session, api: d.api, engine: d.engine, columns: d.columns, plain: this.store.get().plain,
      print: (kind, text) => this.print(kind, text),
      showPanel: (name) => this.showPanel(name),
      status: (lesson) => this.store.set({ lesson }),
    });
    if (runner instanceof Error) this.lessonsError = describeError(runner);
    else this.lessons = runner;
  }

  /** Where the learner was, when a lesson was open as the REPL last ended. */
  resumeLesson(): void {
    this.lessons?.resume();
  }

  /** An engine event: the diagrams and the lesson's checks fold it in. */
  private onEngineEvent(e: EngineEvent): void {
    this.diagrams.onEvent(e);
    this.lessons?.onEvent(e);
  }

  // ---- output ----

  print(kind: LogKind, text: string): void {
    this.store.set((s) => this.append(s, { id: this.nextId++, kind, text }));
  }

  /** The newest log item the Ink app has printed (it tells, after each render). */
  shownId = 0;

  /**
   * Adds to the log. Ink's <Static> prints each item once, by its place in the array; so when the
   * log is cut short (it keeps LOG_LIMIT items for a redraw) the <Static> starts anew, with
   * only the items the screen does not have yet: those newer than what was last shown.
   */
  private append(s: ReplState, item: LogItem): Partial<ReplState> {
    const log = [...s.log, item];
    if (log.length <= 2 * LOG_LIMIT) return { log };
    const shown = this.shownId;
    const kept = log.slice(-LOG_LIMIT);
    const first = kept.findIndex((i) => i.id > shown);
    return { log: kept, logStart: first < 0 ? kept.length : first, staticKey: s.staticKey + 1 };
  }

  private onLines(lines: string[], stream: Stream): void {
    const item: LogItem = { id: this.nextId++, kind: stream, text: lines.join('\n') };
    this.store.soon((s) => this.append(s, item));
    // The container's own output, not what Skiff says about it ("skiff: ...", "Error: ...").
    const own = stream === 'out' ? lines : lines.filter((l) => !/^(skiff:|Error:)/.test(l));
    if (this.running?.isRun && own.length) {
      this.store.soon((s) => ({ runOutput: (s.runOutput + own.join('\n') + '\n').slice(0, RUN_OUTPUT_LIMIT) }));
      this.diagrams.changed();
    }
  }

  // ---- commands ----

  get busy(): boolean {
    return this.running !== undefined;
  }

  /**
   * Runs a line the user typed. Returns false when it cannot run now (a command is running and
   * this is not one of the REPL's own): the prompt keeps the line.
   */
  submit(line: string): boolean {
    let words: string[];
    try {
      words = splitCommandLine(line);
    } catch (e) {
      this.echo(line);
      this.print('error', `Error: ${describeError(e)}`);
      return true;
    }
    if (words[0] === 'docker' || words[0] === 'skiff') words = words.slice(1);
    const builtin = words[0] ? findBuiltin(words[0]) : undefined;
    if (this.running && !(builtin && builtin.name !== 'exit')) {
      this.store.set({ notice: `a command is running: wait for it, or press Ctrl-C to interrupt it` });
      return false;
    }
    this.echo(line);
    if (line.trim()) this.d.history.add(line);
    if (words.length === 0) return true;
    if (builtin) {
      builtin.run(this, words.slice(1));
      return true;
    }
    void this.runCommand(line, words);
    return true;
  }

  private echo(line: string): void {
    this.print('input', line);
  }

  private async runCommand(line: string, words: string[]): Promise<void> {
    const isRun = lookup(words)?.command.name === 'run';
    const ac = new AbortController();
    this.running = { ac, isRun };
    // The run diagram shows the run typed last: its events are folded from here on.
    if (isRun) this.store.set((s) => ({ models: { ...s.models, run: emptyRun }, runOutput: '' }));
    this.store.set({ running: { line, since: Date.now(), interrupted: false }, notice: undefined });
    let code: number | undefined;
    try {
      code = await this.d.run(this.d.session, words, ac.signal);
    } catch (e) {
      this.err.write(`Error: ${describeError(e)}\n`);
    } finally {
      this.out.flush();
      this.err.flush();
      this.running = undefined;
      this.sources.reset();
    }
    // A failed connection is not kept: the next command tries again (the user may have started one).
    if (this.d.session.api) void this.d.session.api.catch(() => (this.d.session.api = undefined));
    this.store.flushSoon();
    if (code !== undefined && code !== 0 && code !== 130) this.print('info', `exit code ${code}`);
    this.store.set({ running: undefined, partial: '' });
    this.diagrams.commandEnded();
    this.lessons?.commandEnded();
  }

  /** Ctrl-C: interrupts the running command; never the REPL. Returns whether one was running. */
  interrupt(): boolean {
    if (!this.running) return false;
    this.running.ac.abort();
    this.store.set((s) => (s.running ? { running: { ...s.running, interrupted: true } } : {}));
    return true;
  }

  complete(text: string, cursor: number): Promise<Completion> {
    return complete(text, cursor, this.sources);
  }

  notice(text: string | undefined): void {
    if (this.store.get().notice !== text) this.store.set({ notice: text });
  }

  // ---- the REPL's own commands ----

  showPanel(name: PanelName): void {
    if (this.store.get().conn.kind === 'docker') {
      this.print('error', `Error: 'show ${name}' is drawn from Skiff's engine trace, and this daemon is Docker's: the diagrams (pull, layers, ns, cgroups, run) need Skiff's daemon. Unset DOCKER_HOST / -H to use it; every other command works here.`);
      return;
    }
    this.diagrams.show(name);
  }

  hidePanel(): void {
    this.diagrams.hide();
  }

  clearScreen(): void {
    this.d.clearScreen();
  }

  exit(): void {
    if (this.running) {
      this.notice('a command is running: press Ctrl-C to interrupt it first');
      return;
    }
    this.d.exit();
  }

  /** PgUp/PgDn: the diagram moves by `rows` (negative: up); `height` is what is visible of it. */
  scrollPanel(rows: number, height: number): void {
    this.diagrams.scroll(rows, height);
  }

  /** Draws the diagram again (the width changed). */
  drawPanelNow(): void {
    this.diagrams.drawNow();
  }

  // ---- the daemon ----

  /** Connects in the background; the status line tells how it goes. */
  async connect(): Promise<void> {
    const s = this.d.session;
    this.followEngine();
    // connectDaemon says on `err` when it starts the daemon: that notice is the status line.
    let notice = '';
    const capture: Output = { isTTY: false, columns: 80, write: (t) => void (notice += typeof t === 'string' ? t : Buffer.from(t).toString()) };
    s.err = capture;
    let api: EngineApi;
    try {
      const pending = this.d.api();
      s.err = this.err;
      api = await pending;
    } catch (e) {
      s.err = this.err;
      s.api = undefined; // the next command tries again
      this.store.set({ conn: { state: 'failed', text: describeError(e) } });
      return;
    }
    this.diagrams.api = api;
    const started = notice.trim().replace(/^skiff: /, '');
    if (started) this.print('info', started);
    const pid = /\(pid (\d+)/.exec(started)?.[1];
    this.store.set({ conn: { state: 'ready', text: connectedText(api.kind, started ? pid ?? '' : undefined), kind: api.kind } });
    if (api.kind === 'skiff-daemon') void this.followTrace(api);
  }

  /**
   * The engine this process opens when a command needs it (`import`, `base`, a `--trace` pull, or
   * every command with no daemon): its events feed the diagrams and the lessons. Not opened for
   * that alone: a REPL talking to a daemon (maybe Docker's, elsewhere) leaves the local store be.
   */
  private followEngine(): void {
    const follow = (engine: Engine) => {
      if (this.closing.signal.aborted || this.offEngine) return;
      this.offEngine = engine.events.on((e) => this.onEngineEvent(e));
    };
    this.d.session.onEngine = follow;
    this.d.session.engine?.then(follow, () => {
      this.d.session.engine = undefined; // not now (no store yet, not root): the next command tries again
    });
  }

  /** The daemon's trace: every event of its engine. Lost (the daemon stopped), it is asked again. */
  private async followTrace(api: EngineApi): Promise<void> {
    const signal = this.closing.signal;
    while (!signal.aborted && api.trace) {
      try {
        for await (const e of api.trace(signal)) {
          if (this.traceLost) {
            this.traceLost = false;
            this.store.set({ conn: { state: 'ready', text: connectedText(api.kind), kind: api.kind } });
          }
          this.onEngineEvent(e);
        }
      } catch (e) {
        if (signal.aborted) return;
        this.traceLost = true;
        this.store.set({ conn: { state: 'failed', text: `lost the Skiff daemon's trace: ${describeError(e)}`, kind: api.kind } });
      }
      if (signal.aborted) return;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  dispose(): void {
    this.closing.abort();
    this.lessons?.dispose();
    this.offEngine?.();
    this.diagrams.dispose();
    this.store.dispose();
  }
}

/** The status line once connected; `startedPid` when this REPL started the daemon. */
function connectedText(kind: EngineApi['kind'], startedPid?: string): string {
  if (kind === 'docker') return "connected to a Docker daemon: every command works; the diagrams need Skiff's daemon";
  if (kind === 'skiff-local') return 'the engine runs inside this process (SKIFF_NO_DAEMON): no daemon';
  return `connected to the Skiff daemon${startedPid !== undefined ? ` (started it${startedPid ? `: pid ${startedPid}` : ''})` : ''}`;
}
