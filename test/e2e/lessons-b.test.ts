// Lessons 5–8 end to end in the REPL, one learner's session in tmux: each lesson opened, `hint`
// before anything is done (a hint from the state, the step still open), every step's commands
// typed exactly as the lesson writes them (lesson 5's `run -it ... sh` and the lines for the
// container's shell included), each step turning ✓ on the screen and in the progress file, every
// quiz answered, up to "Lesson finished". Wrong actions first: lesson 5's interactive step run
// without -it, lesson 7's memory step run without -m, and its OOM step with a container that
// stays under its limit: each step stays open and `hint` says what was missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, canRunLessons, LessonRepl, lessonsNeed } from '../helpers/lesson-repl.ts';

describe.skipIf(!canRunLessons)(`lessons 5–8 in the REPL (${lessonsNeed})`, () => {
  let r: LessonRepl;

  beforeAll(async () => {
    await buildDist();
    r = await LessonRepl.start({ name: 'b' });
  }, 120_000);

  afterAll(async () => {
    await r?.stop();
  }, 60_000);

  it('lesson 5, what run really does; the shell step run without -it stays open, and hint asks for -it', async () => {
    const steps = r.entry(5).byLang.en.steps;
    const it = steps.findIndex((s) => s.commands.some((c) => /^run -it /.test(c)));
    expect(it).toBeGreaterThan(0);
    await r.runLesson(5, {
      before: {
        [it]: async (t) => {
          // The same line without -it: sh gets no terminal and no stdin, and ends at once with 0.
          await t.command(steps[it]!.commands[0]!.replace(/ -it\b/, ''));
          const p = t.lessonProgress('run')!;
          expect(p.step).toBe(it);
          expect(p.done).not.toContain(it);
          const h = await t.hint();
          expect(h).toMatch(/^• .* ran without a terminal: add -it/m);
        },
      },
    });
  }, 180_000);

  it('lesson 6, namespaces', async () => {
    await r.runLesson(6);
  }, 180_000);

  it('lesson 7, control groups; without -m, or under the limit, the steps stay open', async () => {
    const steps = r.entry(7).byLang.en.steps;
    const oom = steps.findIndex((s) => s.checkSource.some((c) => /oom=true/.test(c)));
    expect(oom).toBeGreaterThan(0);
    await r.runLesson(7, {
      before: {
        0: async (t) => {
          // The memory step's own command without its -m flag (it reads only 16 MiB: safe without a limit).
          const cmd = steps[0]!.commands[0]!;
          expect(cmd).toMatch(/ -m 64m /);
          await t.command(cmd.replace(/ -m \S+/, ''));
          expect(t.lessonProgress('cgroups')!.done).not.toContain(0);
          const h = await t.hint();
          expect(h).toMatch(/^• You ran .* without -m: add -m 64m/m);
        },
        [oom]: async (t) => {
          // With -m 64m, but a container that stays under the limit: no OOM kill, the step stays open.
          await t.command(`run -m 64m --name oom0 busybox sh -c 'head -c 16m /dev/zero | tail | wc -c'`);
          const p = t.lessonProgress('cgroups')!;
          expect(p.step).toBe(oom);
          expect(p.done).not.toContain(oom);
          const h = await t.hint();
          expect(h).toMatch(/^• oom0 ended with exit code 0 and was not OOM-killed/m);
          await t.command('rm oom0');
        },
      },
    });
  }, 180_000);

  it('lesson 8, union filesystems', async () => {
    await r.runLesson(8);
  }, 180_000);
});
