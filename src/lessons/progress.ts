// Each learner's progress, kept in their home (~/.skiff_lessons.json; SKIFF_LESSONS names another
// file; none keeps it in memory): the lesson open, each lesson's step, the steps done and quizzes answered, and what each
// lesson made (containers, images, volumes, networks) so `reset` can take it away again.
// Written whole to a temporary file and renamed: a crash never leaves half a file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Lang } from './format.ts';

export interface Made {
  containers: string[];
  images: string[];
  volumes: string[];
  networks: string[];
}

export interface LessonProgress {
  step: number;
  done: number[];
  /** Quizzes answered, by step: whether the answer was right. */
  quiz: Record<string, boolean>;
  finished: boolean;
  made: Made;
}

export interface ProgressData {
  version: 1;
  lang?: Lang;
  current?: string;
  lessons: Record<string, LessonProgress>;
}

/** Where progress is kept; undefined (SKIFF_LESSONS=none): in memory only. */
export function progressFile(env: Record<string, string | undefined> = process.env): string | undefined {
  if (env.SKIFF_LESSONS === 'none') return undefined;
  return env.SKIFF_LESSONS || path.join(os.homedir(), '.skiff_lessons.json');
}

export const emptyMade = (): Made => ({ containers: [], images: [], volumes: [], networks: [] });

export function freshLesson(): LessonProgress {
  return { step: 0, done: [], quiz: {}, finished: false, made: emptyMade() };
}

export class Progress {
  data: ProgressData;

  /** `file` undefined: kept in memory only. */
  constructor(private readonly file?: string) {
    this.data = { version: 1, lessons: {} };
    if (!file) return;
    try {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as ProgressData;
      if (parsed && parsed.version === 1 && typeof parsed.lessons === 'object') this.data = parsed;
    } catch {
      // none yet, or unreadable: start afresh (the next save writes a good one)
    }
  }

  lesson(id: string): LessonProgress {
    const l = (this.data.lessons[id] ??= freshLesson());
    l.made ??= emptyMade();
    l.quiz ??= {};
    l.done ??= [];
    return l;
  }

  save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, JSON.stringify(this.data, null, 1) + '\n', { mode: 0o600 });
      fs.renameSync(tmp, this.file);
    } catch {
      fs.rmSync(tmp, { force: true });
      // a home we cannot write: progress lives as long as this REPL
    }
  }
}
