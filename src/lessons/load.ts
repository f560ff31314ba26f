// The lessons on disk: content/NN-slug/{en,zh}.md, in folder order. The content folder sits beside
// src/ and dist/ (the bundle finds it from its own place; SKIFF_CONTENT names another).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LANGS, type Lang, type Lesson, parseLesson } from './format.ts';

export interface LessonEntry {
  /** The lesson's folder: {dir} in its commands. */
  dir: string;
  byLang: Record<Lang, Lesson>;
}

export function contentDir(env: Record<string, string | undefined> = process.env): string {
  if (env.SKIFF_CONTENT) return path.resolve(env.SKIFF_CONTENT);
  // src/lessons/load.ts or dist/<chunk>.js: the content folder is two or one levels up.
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['..', '../..']) {
    const dir = path.resolve(here, up, 'content');
    if (fs.existsSync(path.join(dir, 'README.md'))) return dir;
  }
  return path.resolve(here, '..', 'content');
}

/** Every lesson, both languages parsed (a broken file throws, naming the file and the line). */
export function loadLessons(dir = contentDir()): LessonEntry[] {
  const folders = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && /^\d+-/.test(d.name)).map((d) => d.name).sort();
  return folders.map((name) => {
    const folder = path.join(dir, name);
    const byLang = {} as Record<Lang, Lesson>;
    for (const lang of LANGS) {
      const file = path.join(folder, `${lang}.md`);
      byLang[lang] = parseLesson(fs.readFileSync(file, 'utf8'), lang, path.join(name, `${lang}.md`));
    }
    return { dir: folder, byLang };
  });
}

/** The language to teach in: --lang, else the locale (LC_ALL, LC_MESSAGES, LANG) when it is Chinese. */
export function pickLang(flag: string | undefined, env: Record<string, string | undefined> = process.env): Lang {
  if (flag === 'zh' || flag === 'en') return flag;
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^zh/i.test(locale) ? 'zh' : 'en';
}
