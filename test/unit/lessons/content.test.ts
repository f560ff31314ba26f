// The lessons in content/: every one parses in both languages, English and Chinese have the same
// steps, commands, checks and quizzes, every concept of the project's list is taught by some
// lesson, and every hint has words in both languages.
import { describe, expect, it } from 'vitest';
import { CONCEPT_IDS } from '../../../src/lessons/concepts.ts';
import { hintCodes } from '../../../src/lessons/hints.ts';
import { loadLessons } from '../../../src/lessons/load.ts';
import { PANEL_NAMES } from '../../../src/repl/complete.ts';

const lessons = loadLessons();

describe('the lessons in content/', () => {
  it('are there, in order, with ids of their own', () => {
    expect(lessons.length).toBeGreaterThanOrEqual(12);
    const ids = lessons.map((l) => l.byLang.en.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(lessons.map((l) => [l.byLang.en.id, l] as const))('%s: English and Chinese have the same steps, commands, checks and quizzes', (_id, l) => {
    const { en, zh } = l.byLang;
    for (const k of ['id', 'diagram'] as const) expect(zh[k]).toBe(en[k]);
    expect(zh.concepts).toEqual(en.concepts);
    expect(zh.needs).toEqual(en.needs);
    expect(zh.title).not.toBe('');
    expect(zh.steps.length).toBe(en.steps.length);
    en.steps.forEach((s, i) => {
      const t = zh.steps[i]!;
      expect(t.commands, `step ${i + 1} commands`).toEqual(s.commands);
      expect(t.checkSource, `step ${i + 1} checks`).toEqual(s.checkSource);
      expect(Boolean(t.quiz), `step ${i + 1} quiz`).toBe(Boolean(s.quiz));
      if (s.quiz && t.quiz) {
        expect(t.quiz.options.length).toBe(s.quiz.options.length);
        expect(t.quiz.answer).toBe(s.quiz.answer);
      }
      // The Chinese is written for Chinese readers, not left in English.
      expect(/[\u4e00-\u9fff]/.test(t.title + t.text), `zh step ${i + 1} is in Chinese`).toBe(true);
    });
  });

  it.each(lessons.map((l) => [l.byLang.en.id, l] as const))('%s: opens a diagram the REPL has, needs what the runner knows, and every step can be done', (_id, l) => {
    const en = l.byLang.en;
    if (en.diagram) expect(PANEL_NAMES).toContain(en.diagram);
    for (const n of en.needs) expect(['containers', 'network']).toContain(n);
    for (const s of en.steps) {
      expect(s.checks.length, `"${s.title}" has a check`).toBeGreaterThan(0);
      expect(s.commands.length, `"${s.title}" has commands to try`).toBeGreaterThan(0);
      for (const c of s.commands) expect(c.startsWith('docker '), c).toBe(false);
    }
  });

  it('teach every concept of the project, and name no concept that does not exist', () => {
    const named = new Set(lessons.flatMap((l) => l.byLang.en.concepts));
    const missing = CONCEPT_IDS.filter((c) => !named.has(c));
    expect(missing).toEqual([]);
    const unknown = [...named].filter((c) => !(CONCEPT_IDS as string[]).includes(c));
    expect(unknown).toEqual([]);
  });

  it('hints have words in both languages', () => {
    expect(hintCodes('zh').sort()).toEqual(hintCodes('en').sort());
  });
});
