// A learner at the REPL, for the lesson tests (test/e2e/lessons-*.test.ts): `node bin/skiff.js`
// in a tmux session of our own (-L), a temp data root, the progress file (SKIFF_LESSONS) and the
// history (SKIFF_HISTORY) in a temp folder, Docker Hub out of reach (busybox comes from the
// daemon's loopback registry). It types each step's commands exactly as the lesson writes them,
// answers the quizzes with the arrow keys, and waits — each wait bounded, a screen dump in the
// failure — for the step's ✓ on the screen and in the progress file.
// The REPL starts its daemon; stop() stops it (stopDaemonOf), after removing every container.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { offlineRegistries } from '../../src/engine/image/offline.ts';
import { fill, type Vars } from '../../src/lessons/checks.ts';
import type { Quiz } from '../../src/lessons/format.ts';
import { type LessonEntry, loadLessons } from '../../src/lessons/load.ts';
import type { LessonProgress, ProgressData } from '../../src/lessons/progress.ts';
import { canRunContainers, needsRoot } from './runtime.ts';
import { stopDaemonOf } from './skiffd.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/skiff.js');

export const haveTmux = spawnSync('tmux', ['-V']).status === 0;
export const haveIp = spawnSync('ip', ['-V']).status === 0 && spawnSync('nsenter', ['--version']).status === 0;
export const canRunLessons = canRunContainers && haveTmux;
export const lessonsNeed = `${needsRoot}, and tmux`;

/** Every wait of a test is bounded by this. */
export const WAIT_MS = 60_000;
const POLL_MS = 100;

/**
 * dist/ as fresh as the sources: the three lesson files start at once, so one builds (when a
 * source is newer than the bundle) while the others wait for its lock, then find it fresh.
 */
export async function buildDist(): Promise<void> {
  const lock = path.join(os.tmpdir(), 'skiff-lessons-build.lock');
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // A lock older than two minutes was left by a test that died.
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 120_000) fs.rmdirSync(lock);
      } catch {
        // gone meanwhile
      }
      if (Date.now() > until) throw new Error(`waited 2 minutes for ${lock}`);
      await sleep(200);
    }
  }
  try {
    execFileSync(process.execPath, [path.join(repo, 'scripts/build.mjs'), '--if-stale'], { stdio: 'pipe' });
  } finally {
    fs.rmdirSync(lock);
  }
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const lines = (s: string) => s.split('\n').map((l) => l.trimEnd());
const count = (s: string, re: RegExp) => lines(s).filter((l) => re.test(l)).length;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The last `n` lines of a screen, for a failure message. */
const tail = (s: string, n = 120) => lines(s).slice(-n).join('\n');

/** A line that goes to a container's shell (`> exit`), not to the REPL. */
const inShell = (cmd: string) => cmd.startsWith('> ');

export interface StartOptions {
  /** A word for the temp folder and the tmux socket. */
  name: string;
  /**
   * Run the REPL (and so the daemon it starts) in this network namespace, with the daemon's bridge
   * on (no SKIFF_BRIDGE=none). Only the network namespace is entered (nsenter --net): `ip netns
   * exec` would also mount a fresh /sys, hiding /sys/fs/cgroup from the daemon.
   */
  netns?: string;
  cols?: number;
  rows?: number;
}

export interface LessonRunOptions {
  /** Steps (0-based) whose quiz is answered wrong: the ✗ line, and the lesson goes on. */
  wrongQuiz?: number[];
  /** Wrong actions before a step's own commands (0-based step index). */
  before?: Record<number, (r: LessonRepl) => Promise<void>>;
}

export class LessonRepl {
  readonly tmp: string;
  readonly root: string;
  readonly progressPath: string;
  readonly historyPath: string;
  readonly socket: string;
  readonly lessons: LessonEntry[] = loadLessons();
  private registry: string | undefined;

  private constructor(readonly o: StartOptions) {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `skiff-lessons-${o.name}-`));
    this.root = path.join(this.tmp, 'root');
    this.progressPath = path.join(this.tmp, 'lessons.json');
    this.historyPath = path.join(this.tmp, 'history');
    this.socket = `skiff-lt-${o.name}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** A REPL in tmux, its daemon started and its loopback registry announced. */
  static async start(o: StartOptions): Promise<LessonRepl> {
    const r = new LessonRepl(o);
    const home = path.join(r.tmp, 'home');
    fs.mkdirSync(home);
    const env = [
      'env', '-u', 'LC_ALL', '-u', 'LC_MESSAGES', '-u', 'LANGUAGE', '-u', 'SKIFF_BRIDGE', '-u', 'SKIFF_HOST', '-u', 'DOCKER_HOST',
      'LANG=C.UTF-8', `HOME=${home}`, `SKIFF_LESSONS=${r.progressPath}`, `SKIFF_HISTORY=${r.historyPath}`,
      // Docker Hub out of reach for certain: busybox comes from the daemon's loopback registry.
      'SKIFF_DOCKER_HUB=http://127.0.0.1:1',
      ...(o.netns ? [] : ['SKIFF_BRIDGE=none']),
    ];
    const argv = [...(o.netns ? ['nsenter', `--net=/run/netns/${o.netns}`, '--'] : []), ...env, process.execPath, bin, '--data-root', r.root];
    const command = `cd ${shq(repo)} && ${argv.map(shq).join(' ')}; echo EXIT=$?; sleep 600`;
    execFileSync('tmux', ['-L', r.socket, '-f', '/dev/null', 'start-server', ';', 'set-option', '-g', 'history-limit', '100000', ';',
      'new-session', '-d', '-x', String(o.cols ?? 120), '-y', String(o.rows ?? 40), '-s', 't', command]);
    try {
      await r.waitFor((s) => /connected to the Skiff daemon/.test(s), 'the REPL connected to its daemon');
      const until = Date.now() + WAIT_MS;
      while (!(r.registry = offlineRegistries(r.root)[0]?.replace(/^https?:\/\//, ''))) {
        if (Date.now() > until) throw new Error(`the daemon announced no loopback registry in ${r.root}`);
        await sleep(POLL_MS);
      }
      await r.idle();
    } catch (e) {
      // The caller gets no REPL to stop: what was started goes now.
      await r.stop().catch(() => {});
      throw e;
    }
    return r;
  }

  // ---- the terminal ----

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 't', ...keys);
  }

  type(text: string): void {
    this.tmux('send-keys', '-t', 't', '-l', text);
  }

  /** All of it: the scrollback and the screen, wrapped lines joined. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-', '-E', '-', '-t', 't');
  }

  /** Only what is on the screen now. */
  visible(): string {
    return this.tmux('capture-pane', '-p', '-t', 't');
  }

  /** The screen from the last echo of `echo` on (the output of that command). */
  after(echo: string, screen = this.screen()): string {
    const ls = lines(screen);
    const at = ls.lastIndexOf(`skiff> ${echo}`);
    return at < 0 ? '' : ls.slice(at).join('\n');
  }

  progress(): ProgressData | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.progressPath, 'utf8')) as ProgressData;
    } catch {
      return undefined;
    }
  }

  lessonProgress(id: string): LessonProgress | undefined {
    return this.progress()?.lessons[id];
  }

  private dump(what: string, ms = WAIT_MS): string {
    let screen = '';
    try {
      screen = tail(this.screen());
    } catch (e) {
      screen = `(no screen: ${String(e)})`;
    }
    return `timed out after ${ms / 1000}s waiting for ${what}\n--- the screen (last lines) ---\n${screen}\n--- ${this.progressPath} ---\n${JSON.stringify(this.progress())}`;
  }

  /** Waits for `test` to hold on the screen (or what `what` returns); the screen is in the error. */
  async waitFor(test: (s: string) => boolean, label: string, what: () => string = () => this.screen(), ms = WAIT_MS): Promise<string> {
    const until = Date.now() + ms;
    for (;;) {
      const s = what();
      if (test(s)) return s;
      if (Date.now() > until) throw new Error(this.dump(label, ms));
      await sleep(POLL_MS);
    }
  }

  async waitProgress(test: (p: LessonProgress | undefined, all: ProgressData | undefined) => boolean, id: string, label: string): Promise<LessonProgress | undefined> {
    const until = Date.now() + WAIT_MS;
    for (;;) {
      const all = this.progress();
      const p = all?.lessons[id];
      if (test(p, all)) return p;
      if (Date.now() > until) throw new Error(this.dump(`${label} (progress of ${id})`));
      await sleep(POLL_MS);
    }
  }

  /** The REPL waits for a command: its prompt empty and last, no command running (⋯ line). */
  private isIdle(v: string): boolean {
    const ls = lines(v).filter((l) => l.trim() !== '');
    return /^skiff>\s*$/.test(ls.at(-1) ?? '') && !ls.some((l) => /^⋯ \d+s,/.test(l));
  }

  /** Idle on two looks in a row (a frame may lag a key). */
  async idle(): Promise<void> {
    let seen = 0;
    await this.waitFor((v) => (this.isIdle(v) ? ++seen >= 2 : ((seen = 0), false)), 'the REPL to be idle (an empty prompt, nothing running)', () => this.visible());
  }

  /** Types a line into the REPL and waits until it has run and the prompt is back. */
  async command(line: string): Promise<string> {
    await this.idle();
    const echo = new RegExp(`^skiff> ${escape(line)}$`);
    const before = count(this.screen(), echo);
    this.type(line);
    this.keys('Enter');
    let seen = 0;
    await this.waitFor((s) => {
      const ok = count(s, echo) > before && this.isIdle(this.visible());
      seen = ok ? seen + 1 : 0;
      return seen >= 2;
    }, `\`${line}\` to run and the prompt to come back`);
    return this.after(line);
  }

  /** A REPL line that hands the terminal to a container's shell (`run -it ... sh`): waits for its prompt. */
  async interactive(line: string): Promise<void> {
    await this.idle();
    this.type(line);
    this.keys('Enter');
    await this.shellPrompt(`the container's shell prompt after \`${line}\``);
  }

  private shellPrompt(label: string): Promise<string> {
    return this.waitFor((v) => /^\/ # ?$/.test(lines(v).filter((l) => l.trim() !== '').at(-1) ?? ''), label, () => this.visible());
  }

  /** A line for the container's shell; `exit` gives the terminal back to the REPL. */
  async shellLine(line: string): Promise<void> {
    const echo = new RegExp(`^/ # ${escape(line)}$`);
    const before = count(this.screen(), echo);
    this.type(line);
    this.keys('Enter');
    if (line === 'exit' || line.startsWith('exit ')) {
      await this.idle();
      return;
    }
    await this.waitFor((s) => count(s, echo) > before, `\`${line}\` in the container's shell`);
    await this.shellPrompt(`the container's shell prompt after \`${line}\``);
  }

  /** {dir} and {registry} as the runner fills them. */
  vars(entry: LessonEntry): Vars {
    return { dir: entry.dir, ...(this.registry ? { registry: this.registry } : {}) };
  }

  /** A step's commands, typed in order, exactly as the lesson writes them (placeholders filled). */
  async typeCommands(entry: LessonEntry, step: number): Promise<void> {
    const cmds = entry.byLang.en.steps[step]!.commands.map((c) => fill(c, this.vars(entry)));
    for (let i = 0; i < cmds.length; i++) {
      const c = cmds[i]!;
      if (inShell(c)) await this.shellLine(c.slice(2));
      else if (cmds[i + 1] !== undefined && inShell(cmds[i + 1]!)) await this.interactive(c);
      else await this.command(c);
    }
  }

  // ---- lessons ----

  entry(n: number): LessonEntry {
    const e = this.lessons[n - 1];
    if (!e) throw new Error(`there is no lesson ${n} in ${path.join(repo, 'content')}`);
    return e;
  }

  /** The screen since `lesson n` was typed last. */
  sinceOpen(n: number): string {
    return this.after(`lesson ${n}`);
  }

  /** `lesson n`: its first step on the screen and in the status line. */
  async open(n: number): Promise<void> {
    const l = this.entry(n).byLang.en;
    await this.command(`lesson ${n}`);
    await this.waitFor(() => lines(this.sinceOpen(n)).includes(`Step 1/${l.steps.length} · ${l.steps[0]!.title}`), `lesson ${n}'s first step`);
    await this.waitFor((v) => v.includes(`lesson ${n} · step 1/${l.steps.length}`), `the status line of lesson ${n}`, () => this.visible());
    await this.waitProgress((p, all) => all?.current === l.id && p?.step === 0 && p.done.length === 0, l.id, `lesson ${n} open at step 1`);
  }

  /** `hint`: its lines (after the echo), once some came. */
  async hint(): Promise<string> {
    await this.command('hint');
    return this.waitFor((s) => /^• /m.test(this.after('hint', s)) || /Type the commands above/.test(this.after('hint', s)), 'the hint', () => this.screen()).then((s) => this.after('hint', s));
  }

  /**
   * `hint` on an open step: at least one hint made from the engine's state (a "• " line that is not
   * the step's ✓), and the step still open. Returns the hint's lines.
   */
  async expectStateHint(id: string, step: number): Promise<string> {
    const h = await this.hint();
    const bullets = lines(h).filter((l) => l.startsWith('• '));
    expect(bullets.length, `a state-based hint (• line):\n${h}`).toBeGreaterThan(0);
    expect(bullets.some((b) => b.startsWith('• ✓')), `the step is not done yet:\n${h}`).toBe(false);
    const p = this.lessonProgress(id);
    expect(p?.step).toBe(step);
    expect(p?.done ?? []).not.toContain(step);
    return h;
  }

  /** `quiz`, then the option `choice` (0-based) with the arrow keys and Enter. Returns the answer's line. */
  async answerQuiz(quiz: Quiz, choice: number): Promise<string> {
    const verdict = /^(✓ Right\.|✗ Not quite: .*)$/;
    const before = count(this.screen(), verdict);
    await this.idle();
    this.type('quiz');
    this.keys('Enter');
    const question = quiz.question.slice(0, 40);
    await this.waitFor((v) => v.includes(question) && /❯/.test(v), `the quiz "${quiz.question}" on the screen`, () => this.visible());
    for (let i = 0; i < choice; i++) this.keys('Down');
    await this.waitFor((v) => lines(v).some((l) => l.includes('❯') && l.includes(quiz.options[choice]!.slice(0, 30))), `the quiz's cursor on "${quiz.options[choice]}"`, () => this.visible());
    this.keys('Enter');
    const s = await this.waitFor((x) => count(x, verdict) > before, 'the answer to be judged');
    await this.idle();
    return lines(s).filter((l) => verdict.test(l)).at(-1)!;
  }

  /**
   * One step: its commands typed, then ✓ (the screen and the progress file), its quiz answered
   * (right, unless `wrong`), and the next step shown — or the lesson finished after the last.
   */
  async step(n: number, i: number, opts: { wrong?: boolean } = {}): Promise<void> {
    const entry = this.entry(n);
    const l = entry.byLang.en;
    const s = l.steps[i]!;
    await this.typeCommands(entry, i);
    await this.waitProgress((p) => !!p?.done.includes(i), l.id, `step ${i + 1}/${l.steps.length} "${s.title}" of lesson ${n} to be done`);
    await this.waitFor(() => lines(this.sinceOpen(n)).includes(`✓ ${s.title}`), `"✓ ${s.title}" on the screen`);
    if (s.quiz) {
      await this.waitProgress((p) => p?.step === i, l.id, `lesson ${n} to wait at step ${i + 1} for its quiz`);
      await this.waitFor(() => {
        const since = lines(this.sinceOpen(n));
        return since.slice(since.indexOf(`✓ ${s.title}`)).some((x) => x.startsWith('A question before you go on: type quiz'));
      }, 'the offer of a quiz after the ✓');
      const right = s.quiz.answer;
      const choice = opts.wrong ? (right + 1) % s.quiz.options.length : right;
      const said = await this.answerQuiz(s.quiz, choice);
      if (opts.wrong) expect(said).toBe(`✗ Not quite: the answer is "${s.quiz.options[right]}".`);
      else expect(said).toBe('✓ Right.');
      await this.waitProgress((p) => p?.quiz[String(i)] === !opts.wrong, l.id, `the quiz of step ${i + 1} recorded`);
    }
    if (i < l.steps.length - 1) {
      const next = `Step ${i + 2}/${l.steps.length} · ${l.steps[i + 1]!.title}`;
      await this.waitProgress((p) => (p?.step ?? 0) > i, l.id, `lesson ${n} to go on to step ${i + 2}`);
      await this.waitFor(() => lines(this.sinceOpen(n)).includes(next), `"${next}" on the screen`);
    } else {
      await this.waitProgress((p) => !!p?.finished, l.id, `lesson ${n} finished`);
      await this.waitFor(() => lines(this.sinceOpen(n)).some((x) => x.startsWith(`✓ Lesson finished: ${l.title}.`)), `"✓ Lesson finished: ${l.title}." on the screen`);
    }
  }

  /**
   * A whole lesson as a learner does it: open it, `hint` before doing anything (a hint from the
   * state; the step stays open), then every step in order, each turning ✓, up to "Lesson finished".
   */
  async runLesson(n: number, opts: LessonRunOptions = {}): Promise<void> {
    const l = this.entry(n).byLang.en;
    await this.open(n);
    await this.expectStateHint(l.id, 0);
    for (let i = 0; i < l.steps.length; i++) {
      await opts.before?.[i]?.(this);
      await this.step(n, i, { wrong: opts.wrongQuiz?.includes(i) ?? false });
    }
    const p = this.lessonProgress(l.id)!;
    expect(p.done.slice().sort((a, b) => a - b)).toEqual(l.steps.map((_, i) => i));
    expect(p.finished).toBe(true);
  }

  /** A one-shot `skiff` command against this REPL's daemon (never starts another one). */
  cli(...args: string[]): { code: number; out: string; err: string } {
    const r = spawnSync(process.execPath, [bin, '--data-root', this.root, ...args], {
      encoding: 'utf8', input: '', timeout: 30_000,
      env: { ...process.env, SKIFF_HOST: `unix://${path.join(this.root, 'skiffd.sock')}` },
    });
    return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
  }

  /** The tmux server, every container, the daemon, the temp folder. */
  async stop(): Promise<void> {
    const socketPath = spawnSync('tmux', ['-L', this.socket, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' }).stdout.trim();
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
    if (socketPath) fs.rmSync(socketPath, { force: true });
    if (fs.existsSync(path.join(this.root, 'skiffd.pid'))) {
      const ids = this.cli('ps', '-aq', '--no-trunc').out.split('\n').filter(Boolean);
      if (ids.length) this.cli('rm', '-f', '-v', ...ids);
    }
    await stopDaemonOf(this.root);
    // A registry a lesson started in the background (registry serve -d) and did not stop.
    if (fs.existsSync(path.join(this.root, 'registry', 'serve.pid'))) this.cli('registry', 'stop');
    // Nothing may still be mounted under the temp folder before it goes (a bind mount of a host folder!).
    const mounted = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(this.tmp));
    if (mounted.length) throw new Error(`still mounted under ${this.tmp}, left in place:\n${mounted.join('\n')}`);
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** A network namespace of the test's own, its loopback up; `dispose` deletes it. */
export function makeNetns(): { name: string; dispose(): void } {
  const name = `skiff-lt-${process.pid}-${randomBytes(3).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', name]);
  execFileSync('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  return { name, dispose: () => void spawnSync('ip', ['netns', 'delete', name], { stdio: 'ignore' }) };
}
