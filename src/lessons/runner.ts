// The lesson runner: which lesson is open and which step, the facts folded from the engine's
// events since it was opened, the checks evaluated as things happen (a step turns ✓ the moment
// they hold, and the next step is shown), hints from the state, quizzes, reset of what a lesson
// made, progress saved per user. It knows the REPL only through RunnerDeps.
import type { EngineEvent } from '../engine/events.ts';
import { evaluate, fill, needsOf, type Outcome, type Snapshot, type Vars, type Needs } from './checks.ts';
import { emptyFacts, type Facts, foldFact } from './facts.ts';
import type { Lang, Lesson, Quiz, Step } from './format.ts';
import { hintText, ui } from './hints.ts';
import type { LessonEntry } from './load.ts';
import { emptyMade, freshLesson, type Made, type Progress } from './progress.ts';
import { bold, dim, green, renderCommands, renderMarkdown, yellow } from './render.ts';

export interface Capabilities {
  /** Skiff's engine answers (not a Docker daemon): its events are there to check. */
  skiff: boolean;
  containers: boolean;
  network: boolean;
}

export interface LessonStatus {
  number: number;
  title: string;
  step: number;
  steps: number;
  done: boolean;
}

export interface RunnerDeps {
  lessons: LessonEntry[];
  progress: Progress;
  lang: Lang;
  plain: boolean;
  columns(): number;
  print(kind: 'out' | 'info' | 'error', text: string): void;
  snapshot(needs: Needs): Promise<Snapshot>;
  /** Placeholders besides {dir}: {registry}. */
  vars(): Promise<Vars>;
  capabilities(): Promise<Capabilities>;
  showPanel(name: string): void;
  /** Removes what a lesson made; resolves to how many objects went. */
  remove(made: Made): Promise<number>;
  askQuiz(quiz: Quiz): Promise<number | undefined>;
  status(s: LessonStatus | undefined): void;
}

/** Events come in bursts: the checks run this long after the last one. */
const SETTLE_MS = 200;

export class LessonRunner {
  lang: Lang;
  private current: number | undefined;
  private facts: Facts = emptyFacts();
  private timer: NodeJS.Timeout | undefined;
  /** Bumped when the lesson or step changes: an evaluation begun before is dropped. */
  private generation = 0;
  private evaluating: Promise<void> = Promise.resolve();
  private cachedVars: Vars | undefined;

  constructor(private readonly d: RunnerDeps) {
    this.lang = d.progress.data.lang ?? d.lang;
    const open = d.progress.data.current;
    const n = open ? d.lessons.findIndex((l) => l.byLang.en.id === open) : -1;
    if (n >= 0) this.current = n;
  }

  private get words() {
    return ui(this.lang);
  }

  private lesson(n = this.current): Lesson | undefined {
    return n === undefined ? undefined : this.d.lessons[n]?.byLang[this.lang];
  }

  private step(): Step | undefined {
    const l = this.lesson();
    return l ? l.steps[this.d.progress.lesson(l.id).step] : undefined;
  }

  /** The REPL started with a lesson open (progress): says where the learner is. */
  resume(): void {
    const l = this.lesson();
    if (!l) return;
    this.d.print('info', `${bold(`${this.current! + 1}. ${l.title}`, this.d.plain)} — ${this.words.stepOf(this.d.progress.lesson(l.id).step + 1, l.steps.length)}`);
    if (l.diagram) this.d.showPanel(l.diagram);
    this.printStep();
    this.emitStatus();
  }

  // ---- commands ----

  async list(): Promise<void> {
    const caps = await this.d.capabilities().catch(() => undefined);
    const rows = this.d.lessons.map((e, i) => {
      const l = e.byLang[this.lang];
      const p = this.d.progress.data.lessons[l.id];
      const why = caps ? this.unavailable(l, caps) : undefined;
      const mark = p?.finished ? green('✓', this.d.plain) : i === this.current ? yellow('▸', this.d.plain) : ' ';
      const state = why ? dim(`(${this.words.unavailable})`, this.d.plain) : p?.finished ? dim(`(${this.words.done})`, this.d.plain) : p ? dim(`(${this.words.progress(p.done.length, l.steps.length)})`, this.d.plain) : '';
      return `${mark} ${String(i + 1).padStart(2)}. ${bold(l.title, this.d.plain)}  ${state}\n      ${dim(l.summary, this.d.plain)}`;
    });
    // Why they are all unavailable, when it is one reason for all (a Docker daemon, no root).
    const whys = new Set(caps ? this.d.lessons.map((e) => this.unavailable(e.byLang[this.lang], caps)) : []);
    const common = whys.size === 1 ? [...whys][0] : undefined;
    this.d.print('out', [this.words.lessonsTitle, ...rows, ...(common ? ['', common] : [])].join('\n'));
  }

  private unavailable(l: Lesson, caps: Capabilities): string | undefined {
    if (!caps.skiff) return this.words.needSkiff;
    if (l.needs.includes('containers') && !caps.containers) return this.words.needContainers;
    if (l.needs.includes('network') && !caps.network) return this.words.needNetwork;
    return undefined;
  }

  async open(arg: string | undefined): Promise<void> {
    const count = this.d.lessons.length;
    const n = arg === undefined ? this.current ?? 0 : Number(arg) - 1;
    if (!Number.isInteger(n) || n < 0 || n >= count) {
      this.d.print('error', this.words.noSuch(arg ?? '', count));
      return;
    }
    const l = this.lesson(n)!;
    const caps = await this.d.capabilities().catch(() => undefined);
    const why = caps ? this.unavailable(l, caps) : undefined;
    if (why) {
      this.d.print('error', this.words.cannot(l.title, why));
      return;
    }
    this.current = n;
    this.generation++;
    this.facts = emptyFacts();
    this.cachedVars = undefined;
    const p = this.d.progress.lesson(l.id);
    if (p.finished) Object.assign(p, { ...freshLesson(), made: p.made });
    this.d.progress.data.current = l.id;
    this.d.progress.save();
    const intro = renderMarkdown(l.intro, { width: this.d.columns(), plain: this.d.plain });
    this.d.print('out', [bold(`${n + 1}. ${l.title}`, this.d.plain), intro].filter(Boolean).join('\n\n'));
    if (l.diagram) this.d.showPanel(l.diagram);
    this.printStep();
    this.emitStatus();
  }

  async next(): Promise<void> {
    const l = this.lesson();
    if (!l) return this.d.print('error', this.words.noLesson);
    const p = this.d.progress.lesson(l.id);
    if (p.step >= l.steps.length - 1) {
      this.d.print('info', this.words.lastStep);
      return;
    }
    this.advance(l);
  }

  async hint(): Promise<void> {
    const l = this.lesson();
    const s = this.step();
    if (!l || !s) return this.d.print('error', this.words.noLesson);
    const outcomes = await this.outcomes(s);
    const lines = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok).map((o) => `• ${hintText(o.hint, this.lang)}`);
    if (lines.length === 0 && outcomes.length) lines.push(`• ${green(this.words.stepDone(s.title), this.d.plain)}`);
    if (s.hint) lines.push(renderMarkdown(s.hint, { width: this.d.columns(), plain: this.d.plain }));
    if (lines.length === 0) lines.push(hintText({ code: 'no-hint' }, this.lang));
    this.d.print('info', lines.join('\n'));
    if (outcomes.length && outcomes.every((o) => o.ok)) this.passed(l);
  }

  async check(): Promise<void> {
    const l = this.lesson();
    const s = this.step();
    if (!l || !s) return this.d.print('error', this.words.noLesson);
    const outcomes = await this.outcomes(s);
    const vars = await this.vars();
    const lines = s.checkSource.map((src, i) => {
      const o = outcomes[i]!;
      const text = fill(src, vars);
      return o.ok ? `${green('✓', this.d.plain)} ${text}` : `${yellow('✗', this.d.plain)} ${text}\n    ${hintText(o.hint, this.lang)}`;
    });
    this.d.print('info', lines.join('\n'));
    if (outcomes.length && outcomes.every((o) => o.ok)) this.passed(l);
  }

  async quiz(): Promise<void> {
    const l = this.lesson();
    const s = this.step();
    if (!l || !s) return this.d.print('error', this.words.noLesson);
    if (!s.quiz) return this.d.print('info', this.words.quizNone);
    const p = this.d.progress.lesson(l.id);
    const at = p.step;
    const answer = await this.d.askQuiz(s.quiz);
    if (answer === undefined) return;
    const right = answer === s.quiz.answer;
    p.quiz[String(at)] = right;
    this.d.progress.save();
    this.d.print('info', right ? green(this.words.right, this.d.plain) : yellow(this.words.wrong(s.quiz.options[s.quiz.answer]!), this.d.plain));
    // A step whose checks held waits for its quiz: now it may go on.
    if (p.done.includes(at) && p.step === at) this.advance(l);
  }

  async reset(all: boolean): Promise<void> {
    if (all) {
      const made = emptyMade();
      for (const p of Object.values(this.d.progress.data.lessons)) {
        for (const k of Object.keys(made) as (keyof Made)[]) made[k].push(...(p.made?.[k] ?? []));
      }
      await this.d.remove(made).catch(() => 0);
      this.d.progress.data = { version: 1, ...(this.d.progress.data.lang ? { lang: this.d.progress.data.lang } : {}), lessons: {} };
      this.d.progress.save();
      this.current = undefined;
      this.generation++;
      this.facts = emptyFacts();
      this.d.print('info', this.words.resetAll);
      this.emitStatus();
      return;
    }
    const l = this.lesson();
    if (!l) return this.d.print('error', this.words.noLesson);
    const p = this.d.progress.lesson(l.id);
    const removed = await this.d.remove(p.made).catch(() => 0);
    this.d.progress.data.lessons[l.id] = freshLesson();
    this.d.progress.save();
    this.generation++;
    this.facts = emptyFacts();
    this.d.print('info', removed ? this.words.reset(removed) : this.words.resetNothing);
    this.printStep();
    this.emitStatus();
  }

  setLang(lang: string | undefined): void {
    if (lang !== 'en' && lang !== 'zh') {
      this.d.print('error', this.words.langUsage);
      return;
    }
    this.lang = lang;
    this.d.progress.data.lang = lang;
    this.d.progress.save();
    this.d.print('info', this.words.lang(lang));
    if (this.lesson()) this.printStep();
    this.emitStatus();
  }

  // ---- the engine's events ----

  onEvent(e: EngineEvent): void {
    const l = this.lesson();
    if (!l) return;
    foldFact(this.facts, e);
    this.track(l, e);
    if (e.type === 'api.request' && /\/stats|\/_ping|\/events/.test(e.path)) return; // the REPL's own polling
    this.schedule();
  }

  /** A command the learner typed has ended: the checks run now. */
  commandEnded(): void {
    if (!this.lesson()) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    void this.evaluateSoon();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  /** Waits for the checks under way (tests). */
  settled(): Promise<void> {
    return this.evaluating;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.evaluateSoon();
    }, SETTLE_MS);
  }

  /** What this lesson made, kept for `reset`. */
  private track(l: Lesson, e: EngineEvent): void {
    const made = this.d.progress.lesson(l.id).made;
    const add = (list: string[], v: string) => {
      if (list.includes(v)) return;
      list.push(v);
      this.d.progress.save();
    };
    if (e.type === 'container.create') add(made.containers, e.id);
    if (e.type === 'image.tag' || e.type === 'pull.done') add(made.images, e.ref);
    if (e.type === 'volume.create') add(made.volumes, e.name);
    if (e.type === 'network.create') add(made.networks, e.network);
  }

  private async vars(): Promise<Vars> {
    const entry = this.current !== undefined ? this.d.lessons[this.current] : undefined;
    this.cachedVars ??= { ...(await this.d.vars().catch(() => ({}))), ...(entry ? { dir: entry.dir } : {}) };
    return this.cachedVars;
  }

  private async outcomes(s: Step): Promise<Outcome[]> {
    const vars = await this.vars();
    const snap = await this.d.snapshot(needsOf(s.checks, vars)).catch(() => ({}) as Snapshot);
    return s.checks.map((c) => evaluate(c, this.facts, snap, vars));
  }

  private evaluateSoon(): Promise<void> {
    this.evaluating = this.evaluating.then(() => this.evaluateOnce()).catch(() => {});
    return this.evaluating;
  }

  private async evaluateOnce(): Promise<void> {
    const l = this.lesson();
    const s = this.step();
    if (!l || !s || s.checks.length === 0) return;
    const p = this.d.progress.lesson(l.id);
    if (p.done.includes(p.step)) return;
    const gen = this.generation;
    const outcomes = await this.outcomes(s);
    if (gen !== this.generation) return;
    if (outcomes.every((o) => o.ok)) this.passed(l);
  }

  /** The open step's checks hold: ✓, and on to the next step (after its quiz, if it has one). */
  private passed(l: Lesson): void {
    const p = this.d.progress.lesson(l.id);
    const s = l.steps[p.step]!;
    if (p.done.includes(p.step)) return;
    p.done.push(p.step);
    this.generation++;
    this.d.progress.save();
    this.d.print('info', green(this.words.stepDone(s.title), this.d.plain));
    if (s.quiz && p.quiz[String(p.step)] === undefined) {
      this.d.print('info', this.words.quizOffer);
      this.emitStatus();
      return;
    }
    this.advance(l);
  }

  private advance(l: Lesson): void {
    const p = this.d.progress.lesson(l.id);
    this.generation++;
    if (p.step >= l.steps.length - 1) {
      if (p.done.length >= l.steps.length || p.done.includes(l.steps.length - 1)) {
        p.finished = true;
        this.d.progress.save();
        this.d.print('info', green(this.words.lessonDone(l.title), this.d.plain));
      }
      this.emitStatus();
      return;
    }
    p.step++;
    this.facts.stepStart = this.facts.seq;
    this.d.progress.save();
    this.printStep();
    this.emitStatus();
    // The new step may hold already (the learner went ahead): look at once.
    void this.evaluateSoon();
  }

  private printStep(): void {
    const l = this.lesson();
    const s = this.step();
    if (!l || !s) return;
    const p = this.d.progress.lesson(l.id);
    void this.vars().then((filled) => {
      const head = bold(`${this.words.stepOf(p.step + 1, l.steps.length)} · ${s.title}`, this.d.plain);
      const text = renderMarkdown(fill(s.text, filled), { width: this.d.columns(), plain: this.d.plain });
      const cmds = renderCommands(s.commands.map((c) => fill(c, filled)), { plain: this.d.plain, title: this.words.tryThese });
      // A blank line first: a step stands apart from the output before it.
      this.d.print('out', ['', head, text, cmds].filter((x, i) => i === 0 || Boolean(x)).join('\n\n').replace(/^\n\n/, '\n'));
    });
  }

  private emitStatus(): void {
    const l = this.lesson();
    if (!l) return this.d.status(undefined);
    const p = this.d.progress.lesson(l.id);
    this.d.status({ number: this.current! + 1, title: l.title, step: p.step + 1, steps: l.steps.length, done: p.finished });
  }
}
