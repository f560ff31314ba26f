// Lessons 1–4 end to end in the REPL, one learner's session in tmux: each lesson opened, `hint`
// before anything is done (a hint from the state, the step still open), every step's commands
// typed exactly as the lesson writes them, each step turning ✓ (on the screen and in the progress
// file), every quiz answered — lesson 1's first one wrong on purpose — up to "Lesson finished".
// Wrong actions: lesson 4's `stop` of a container that does not exist leaves its step open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, canRunLessons, LessonRepl, lessonsNeed } from '../helpers/lesson-repl.ts';

describe.skipIf(!canRunLessons)(`lessons 1–4 in the REPL (${lessonsNeed})`, () => {
  let r: LessonRepl;

  beforeAll(async () => {
    await buildDist();
    r = await LessonRepl.start({ name: 'a' });
  }, 120_000);

  afterAll(async () => {
    await r?.stop();
  }, 60_000);

  it('lesson 1, client and daemon; a wrong answer to a quiz says so, and the lesson goes on', async () => {
    await r.runLesson(1, { wrongQuiz: [1] });
  }, 180_000);

  it('lesson 2, images and layers', async () => {
    await r.runLesson(2);
  }, 180_000);

  it('lesson 3, registries and the pull handshake', async () => {
    await r.runLesson(3);
  }, 180_000);

  it('lesson 4, containers and their lifecycle; stop of a container that does not exist leaves the step open', async () => {
    const stopStep = r.entry(4).byLang.en.steps.findIndex((s) => s.commands.some((c) => /^stop /.test(c)));
    expect(stopStep).toBeGreaterThan(0);
    await r.runLesson(4, {
      before: {
        [stopStep]: async (t) => {
          const out = await t.command('stop -t 1 no-such-web');
          expect(out).toMatch(/no such container|No such container/i);
          await t.command('check');
          const p = t.lessonProgress('containers')!;
          expect(p.step).toBe(stopStep);
          expect(p.done).not.toContain(stopStep);
          const h = await t.hint();
          expect(h).toMatch(/^• web has not been sent "stop" yet/m);
        },
      },
    });
  }, 180_000);
});
