// A lesson file (content/NN-slug/<lang>.md, see content/README.md), parsed: front matter, the
// introduction, and the steps — each with its text, the commands to try, the checks (predicates,
// checks.ts), a general hint and an optional quiz. Pure: text in, a Lesson out, or an error that
// names the file and the line.
import { type Check, parseCheck } from './checks.ts';

export type Lang = 'en' | 'zh';
export const LANGS: Lang[] = ['en', 'zh'];

export interface Quiz {
  question: string;
  options: string[];
  /** Index of the right option. */
  answer: number;
}

export interface Step {
  title: string;
  /** The instructions, markdown (without the fenced blocks below). */
  text: string;
  /** Lines to type, as written (placeholders such as {dir} not yet filled in). `> ` lines go to
   *  a container's shell. */
  commands: string[];
  checks: Check[];
  /** The check lines as written (the content test compares them across languages). */
  checkSource: string[];
  hint?: string;
  quiz?: Quiz;
}

export interface LessonMeta {
  id: string;
  title: string;
  summary: string;
  concepts: string[];
  diagram?: string;
  needs: string[];
}

export interface Lesson extends LessonMeta {
  lang: Lang;
  intro: string;
  steps: Step[];
}

export class LessonFormatError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'LessonFormatError';
  }
}

/** `[a, b]` or `a, b` → ['a', 'b']; a scalar stays a string. */
function value(raw: string): string | string[] {
  const v = raw.trim();
  if (v.startsWith('[') && v.endsWith(']')) {
    return v.slice(1, -1).split(',').map((s) => unquote(s.trim())).filter(Boolean);
  }
  return unquote(v);
}

function unquote(s: string): string {
  return /^(['"]).*\1$/.test(s) ? s.slice(1, -1) : s;
}

function frontMatter(lines: string[], file: string): { meta: Record<string, string | string[]>; end: number } {
  if (lines[0]?.trim() !== '---') throw new LessonFormatError(file, 1, 'a lesson starts with front matter between --- lines');
  const meta: Record<string, string | string[]> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '---') return { meta, end: i + 1 };
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const m = /^([A-Za-z][\w-]*):\s*(.*)$/.exec(line);
    if (!m) throw new LessonFormatError(file, i + 1, `front matter lines are "key: value", not "${line}"`);
    meta[m[1]!] = value(m[2]!);
  }
  throw new LessonFormatError(file, 1, 'the front matter has no closing --- line');
}

function parseQuiz(body: string[], file: string, line: number): Quiz {
  let question = '';
  const options: string[] = [];
  let answer = -1;
  for (const l of body) {
    const t = l.trim();
    if (!t) continue;
    if (t.startsWith('?')) question = t.slice(1).trim();
    else if (t.startsWith('+') || t.startsWith('-')) {
      if (t.startsWith('+')) {
        if (answer >= 0) throw new LessonFormatError(file, line, 'a quiz has one right answer (+)');
        answer = options.length;
      }
      options.push(t.slice(1).trim());
    } else throw new LessonFormatError(file, line, `quiz lines start with ?, + or -, not "${t}"`);
  }
  if (!question) throw new LessonFormatError(file, line, 'the quiz has no question (a line starting with ?)');
  if (options.length < 2) throw new LessonFormatError(file, line, 'a quiz needs at least two options');
  if (answer < 0) throw new LessonFormatError(file, line, 'the quiz has no right answer (a line starting with +)');
  return { question, options, answer };
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : v.split(',').map((s) => s.trim()).filter(Boolean));
const scalar = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join(', ') : v ?? '');

export function parseLesson(source: string, lang: Lang, file = `${lang}.md`): Lesson {
  const lines = source.replace(/\r\n/g, '\n').split('\n');
  const { meta, end } = frontMatter(lines, file);
  for (const k of ['id', 'title']) if (!scalar(meta[k])) throw new LessonFormatError(file, 1, `the front matter needs ${k}:`);
  const lesson: Lesson = {
    lang, id: scalar(meta.id), title: scalar(meta.title), summary: scalar(meta.summary), concepts: list(meta.concepts),
    ...(scalar(meta.diagram) ? { diagram: scalar(meta.diagram) } : {}), needs: list(meta.needs), intro: '', steps: [],
  };
  let text: string[] = [];
  let step: Step | undefined;
  const close = () => {
    const t = text.join('\n').replace(/\n{3,}/g, '\n\n').trim();
    if (step) step.text = t;
    else lesson.intro = t;
    text = [];
  };
  for (let i = end; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = /^##\s+(.+?)\s*$/.exec(line);
    if (heading) {
      close();
      step = { title: heading[1]!, text: '', commands: [], checks: [], checkSource: [] };
      lesson.steps.push(step);
      continue;
    }
    const fence = /^```(\w*)\s*$/.exec(line);
    if (fence && ['sh', 'check', 'hint', 'quiz'].includes(fence[1]!)) {
      const kind = fence[1]!;
      const start = i + 1;
      const body: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
      if (i >= lines.length) throw new LessonFormatError(file, start, `the \`\`\`${kind} block is not closed`);
      if (!step) throw new LessonFormatError(file, start, `a \`\`\`${kind} block belongs in a step (after a ## heading)`);
      if (kind === 'sh') step.commands.push(...body.map((l) => l.trim()).filter(Boolean));
      else if (kind === 'check') {
        body.forEach((l, j) => {
          const t = l.trim();
          if (!t || t.startsWith('#')) return;
          try {
            step!.checks.push(parseCheck(t));
          } catch (e) {
            throw new LessonFormatError(file, start + 1 + j, (e as Error).message);
          }
          step!.checkSource.push(t);
        });
      } else if (kind === 'hint') step.hint = body.join('\n').trim();
      else step.quiz = parseQuiz(body, file, start);
      continue;
    }
    text.push(line);
  }
  close();
  if (lesson.steps.length === 0) throw new LessonFormatError(file, end + 1, 'a lesson needs at least one step (a ## heading)');
  lesson.steps.forEach((s, n) => {
    if (s.checks.length === 0 && !s.quiz) throw new LessonFormatError(file, end, `step ${n + 1} ("${s.title}") has no \`\`\`check block`);
  });
  return lesson;
}
