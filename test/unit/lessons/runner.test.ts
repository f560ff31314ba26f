// The lesson runner with a fake REPL around it: steps turn ✓ from recorded engine events and the
// state, the next step follows, quizzes wait, hints come from the state, reset removes what the
// lesson made, progress survives a restart, and a lesson the host cannot do is refused.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../src/lessons/checks.ts';
import { parseLesson } from '../../../src/lessons/format.ts';
import type { LessonEntry } from '../../../src/lessons/load.ts';
import { Progress, type Made } from '../../../src/lessons/progress.ts';
import { type Capabilities, LessonRunner, type LessonStatus } from '../../../src/lessons/runner.ts';
import { events } from '../visualize/fixtures.ts';

const F = '```';
const lesson = (id: string, lang: 'en' | 'zh', needs = '[]') => parseLesson(`---
id: ${id}
title: ${lang === 'en' ? 'Limits' : '限制'} ${id}
summary: s
concepts: [kernel.cgroups]
diagram: cgroups
needs: ${needs}
---
${lang === 'en' ? 'Intro' : '介绍'} of ${id}.

## ${lang === 'en' ? 'Have busybox' : '有 busybox'}
${F}sh
pull busybox
${F}
${F}check
image ref=busybox
${F}

## ${lang === 'en' ? 'Get killed' : '被杀掉'}
Run it in {dir}.
${F}sh
run -m 32m busybox tail /dev/zero
${F}
${F}check
ran memory=32m oom=true exit=137
${F}
${F}quiz
? Why?
- cpu
+ memory
${F}

## ${lang === 'en' ? 'Last' : '最后'}
${F}sh
run busybox true
${F}
${F}check
ran exit=0
${F}
`, lang);

const entry = (id: string, needs?: string): LessonEntry => ({ dir: `/lessons/${id}`, byLang: { en: lesson(id, 'en', needs), zh: lesson(id, 'zh', needs) } });

let tmp: string | undefined;
afterEach(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

function harness(opts: { file?: string; caps?: Partial<Capabilities>; answer?: number } = {}) {
  const printed: string[] = [];
  const panels: string[] = [];
  const removed: Made[] = [];
  const statuses: (LessonStatus | undefined)[] = [];
  const snap: Snapshot = { images: [] };
  const runner = new LessonRunner({
    lessons: [entry('one'), entry('two', '[network]')],
    progress: new Progress(opts.file),
    lang: 'en', plain: true, columns: () => 80,
    print: (_k, t) => void printed.push(t),
    snapshot: async () => snap,
    vars: async () => ({ registry: '127.0.0.1:5000' }),
    capabilities: async () => ({ skiff: true, containers: true, network: false, ...opts.caps }),
    showPanel: (p) => void panels.push(p),
    remove: async (made) => {
      removed.push(structuredClone(made));
      return made.containers.length + made.images.length;
    },
    askQuiz: async () => opts.answer,
    status: (s) => void statuses.push(s),
  });
  const settle = async () => {
    runner.commandEnded();
    await runner.settled();
    await new Promise((r) => setTimeout(r, 0));
    await runner.settled();
  };
  return { runner, printed, panels, removed, statuses, snap, settle, text: () => printed.join('\n') };
}

describe('LessonRunner', () => {
  it('opens a lesson: its introduction, its diagram, the first step with the commands to try', async () => {
    const h = harness();
    await h.runner.open('1');
    await h.settle();
    expect(h.text()).toContain('1. Limits one');
    expect(h.text()).toContain('Intro of one.');
    expect(h.text()).toContain('Step 1/3 · Have busybox');
    expect(h.text()).toContain('$ pull busybox');
    expect(h.panels).toEqual(['cgroups']);
    expect(h.statuses.at(-1)).toEqual({ number: 1, title: 'Limits one', step: 1, steps: 3, done: false });
  });

  it('a step turns ✓ when the state holds, the next one follows; a quiz waits for its answer', async () => {
    const h = harness({ answer: 1 });
    await h.runner.open('1');
    await h.settle();
    expect(h.text()).not.toContain('✓');
    h.snap.images = ['docker.io/library/busybox:latest'];
    await h.settle();
    expect(h.text()).toContain('✓ Have busybox');
    expect(h.text()).toContain('Step 2/3 · Get killed');
    expect(h.text()).toContain('Run it in /lessons/one.');
    // A run without -m: the step stays open, and the hint says what was missing.
    for (const e of events('exec')) h.runner.onEvent(e);
    await h.settle();
    expect(h.text()).not.toContain('✓ Get killed');
    await h.runner.hint();
    expect(h.printed.at(-1)).toContain('without -m');
    // The recorded OOM kill under -m 32m: ✓, and the quiz is offered before going on.
    for (const e of events('run-oom')) h.runner.onEvent(e);
    await h.settle();
    expect(h.text()).toContain('✓ Get killed');
    expect(h.printed.at(-1)).toContain('type quiz');
    expect(h.text()).not.toContain('Step 3/3');
    await h.runner.quiz();
    expect(h.text()).toContain('✓ Right.');
    expect(h.text()).toContain('Step 3/3 · Last');
    // The OOM run exited 137: `ran exit=0` needs another run.
    await h.runner.check();
    expect(h.printed.at(-1)).toMatch(/✗ ran exit=0\n {4}fixture-oom ended with exit code 137, not 0/);
    for (const e of events('run-volume')) h.runner.onEvent(e);
    await h.settle();
    expect(h.text()).toContain('✓ Lesson finished: Limits one');
    expect(h.statuses.at(-1)).toMatchObject({ done: true });
  });

  it('a wrong answer says the right one; next skips a step; the last step says so', async () => {
    const h = harness({ answer: 0 });
    await h.runner.open('1');
    await h.runner.next();
    await h.settle();
    expect(h.text()).toContain('Step 2/3');
    await h.runner.quiz();
    expect(h.printed.at(-1)).toBe('✗ Not quite: the answer is "memory".');
    await h.runner.next();
    await h.settle();
    expect(h.text()).toContain('Step 3/3');
    await h.runner.next();
    expect(h.printed.at(-1)).toBe('This is the last step of the lesson.');
  });

  it('keeps progress in its file: a new runner resumes where the learner was, and lang switches', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-lessons-'));
    const file = path.join(tmp, 'progress.json');
    const a = harness({ file });
    await a.runner.open('1');
    a.snap.images = ['docker.io/library/busybox:latest'];
    await a.settle();
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ current: 'one', lessons: { one: { step: 1, done: [0] } } });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const b = harness({ file });
    b.runner.resume();
    await b.settle();
    expect(b.text()).toContain('Step 2/3 · Get killed');
    b.runner.setLang('zh');
    await b.settle();
    expect(b.text()).toContain('第 2/3 步 · 被杀掉');
    await b.runner.list();
    expect(b.printed.at(-1)).toContain('限制 one');
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).lang).toBe('zh');
  });

  it('reset removes what the lesson made and starts it again; reset --all forgets everything', async () => {
    const h = harness();
    await h.runner.open('1');
    for (const e of events('run-oom')) h.runner.onEvent(e);
    for (const e of events('pull-token')) h.runner.onEvent(e);
    await h.settle();
    await h.runner.reset(false);
    const created = events('run-oom').find((e) => e.type === 'container.create') as { id: string };
    expect(h.removed[0]!.containers).toEqual([created.id]);
    expect(h.removed[0]!.images).toEqual(['127.0.0.1:38711/learn/busybox:1']);
    expect(h.text()).toContain('Removed what this lesson made (2 objects); it starts again at step 1.');
    await h.runner.reset(true);
    expect(h.printed.at(-1)).toBe('Removed what every lesson made, and all progress.');
    expect(h.statuses.at(-1)).toBeUndefined();
    await h.runner.next();
    expect(h.printed.at(-1)).toContain('No lesson is open');
  });

  it('refuses a lesson the host cannot do, and a lesson that does not exist', async () => {
    const h = harness();
    await h.runner.open('2');
    expect(h.printed.at(-1)).toMatch(/^Lesson "Limits two" cannot run here: it needs the daemon's bridge network/);
    await h.runner.open('9');
    expect(h.printed.at(-1)).toBe('There is no lesson 9: lessons are 1 to 2 (type lessons).');
    await h.runner.list();
    expect(h.printed.at(-1)).toMatch(/2\. Limits two {2}\(unavailable\)/);
    const docker = harness({ caps: { skiff: false } });
    await docker.runner.open('1');
    expect(docker.printed.at(-1)).toContain('this is a Docker daemon');
    // Every lesson unavailable for one reason: the list says it once.
    await docker.runner.list();
    expect(docker.printed.at(-1)).toMatch(/\(unavailable\)[\s\S]*\n\nlessons check what Skiff's engine does, and this is a Docker daemon/);
  });
});
