// Lessons 9, 11 and 12 end to end in the REPL, one learner's session in tmux, then lesson 10 in a
// REPL of its own inside a network namespace the test made (its daemon gets the bridge there):
// each lesson opened, `hint` before anything is done (a hint from the state, the step still open),
// every step's commands typed exactly as the lesson writes them ({dir} and {registry} filled in),
// each step turning ✓ on the screen and in the progress file, every quiz answered, up to "Lesson
// finished". Then `lang zh` (the next step prints in Chinese, and turns ✓ in Chinese) and `reset`
// (the lesson's container and volume are gone, and it starts again at step 1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, canRunLessons, haveIp, LessonRepl, lessonsNeed, makeNetns } from '../helpers/lesson-repl.ts';

describe.skipIf(!canRunLessons)(`lessons 9, 11 and 12 in the REPL (${lessonsNeed})`, () => {
  let r: LessonRepl;

  beforeAll(async () => {
    await buildDist();
    r = await LessonRepl.start({ name: 'c' });
  }, 120_000);

  afterAll(async () => {
    await r?.stop();
  }, 60_000);

  it('lesson 9, volumes', async () => {
    await r.runLesson(9);
  }, 180_000);

  it('lesson 11, building images', async () => {
    await r.runLesson(11);
  }, 180_000);

  it('lesson 12, your own registry', async () => {
    await r.runLesson(12);
  }, 180_000);

  it('lang zh: the next step prints in Chinese; reset: the lesson\'s container and volume are gone, step 1 again', async () => {
    const e = r.entry(9);
    const en = e.byLang.en;
    const zh = e.byLang.zh;
    const total = en.steps.length;
    // Opened again after it was finished: from step 1.
    await r.open(9);
    await r.step(9, 0);
    expect(r.sinceOpen(9)).toContain(`Step 2/${total} · ${en.steps[1]!.title}`);

    await r.command('lang zh');
    await r.waitFor(() => r.after('lang zh').includes('课程现在使用中文。'), 'the switch to Chinese');
    await r.waitFor(() => r.after('lang zh').split('\n').includes(`第 2/${total} 步 · ${zh.steps[1]!.title}`), 'step 2 in Chinese');
    expect(r.progress()?.lang).toBe('zh');
    // Its commands (the same in both languages) turn it ✓, in Chinese, and step 3 comes in Chinese.
    expect(zh.steps[1]!.commands).toEqual(en.steps[1]!.commands);
    await r.typeCommands(e, 1);
    await r.waitProgress((p) => !!p?.done.includes(1), en.id, 'step 2 done');
    await r.waitFor(() => r.after('lang zh').split('\n').includes(`✓ ${zh.steps[1]!.title}`), 'step 2 ✓ in Chinese');
    await r.waitFor(() => r.after('lang zh').split('\n').includes(`第 3/${total} 步 · ${zh.steps[2]!.title}`), 'step 3 in Chinese');
    // What step 2 made is there.
    expect(r.cli('ps', '-a', '--format', '{{.Names}}').out.split('\n')).toContain('notes1');
    expect(r.cli('volume', 'ls', '-q').out.split('\n')).toContain('notes');

    await r.command('reset');
    const said = await r.waitFor(() => /^已删除本课创建的 \d+ 个对象；从第 1 步重新开始。$/m.test(r.after('reset')), 'the reset, in Chinese').then(() => r.after('reset'));
    expect(Number(/已删除本课创建的 (\d+) 个对象/.exec(said)![1])).toBeGreaterThanOrEqual(2);
    await r.waitFor(() => r.after('reset').split('\n').includes(`第 1/${total} 步 · ${zh.steps[0]!.title}`), 'step 1 again, in Chinese');
    const p = r.lessonProgress(en.id)!;
    expect(p.step).toBe(0);
    expect(p.done).toEqual([]);
    // The lesson's container and volume are gone.
    const ps = r.cli('ps', '-a', '--format', '{{.Names}}');
    expect(ps.code).toBe(0);
    expect(ps.out.split('\n')).not.toContain('notes1');
    const vols = r.cli('volume', 'ls', '-q');
    expect(vols.code).toBe(0);
    expect(vols.out.split('\n')).not.toContain('notes');

    await r.command('lang en');
    await r.waitFor(() => r.after('lang en').includes('Lessons are in English now.'), 'the switch back to English');
    await r.waitFor(() => r.after('lang en').split('\n').includes(`Step 1/${total} · ${en.steps[0]!.title}`), 'step 1 in English');
  }, 180_000);
});

describe.skipIf(!canRunLessons || !haveIp)(`lesson 10 in the REPL, its daemon with a bridge in a network namespace of the test's own (${lessonsNeed}, ip and nsenter)`, () => {
  let ns: ReturnType<typeof makeNetns> | undefined;
  let r: LessonRepl | undefined;

  beforeAll(async () => {
    await buildDist();
    ns = makeNetns();
    r = await LessonRepl.start({ name: 'net', netns: ns.name });
  }, 120_000);

  afterAll(async () => {
    try {
      await r?.stop();
    } finally {
      ns?.dispose();
    }
  }, 60_000);

  it('lesson 10, networking: addresses, links and ports', async () => {
    await r!.runLesson(10);
  }, 180_000);
});
