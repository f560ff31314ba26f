// The lesson file format: front matter, introduction, steps with their commands, checks, hint
// and quiz; and a broken file named by its line, never half read.
import { describe, expect, it } from 'vitest';
import { parseLesson } from '../../../src/lessons/format.ts';

const fence = '```';
const good = `---
id: demo
title: A demo
summary: Two steps
concepts: [image.layers, kernel.cgroups]
diagram: layers
needs: [containers]
---

The introduction.

## Pull it

Pull the image.

${fence}sh
pull busybox
${fence}

${fence}check
image ref=busybox
# a comment is not a check
pull ref=busybox fresh=true
${fence}

${fence}hint
Type it exactly.
${fence}

## Limit it

${fence}sh
run -it -m 64m busybox sh
> exit
${fence}

${fence}check
ran memory=64m tty=true exit=0
${fence}

${fence}quiz
? Which controller?
- cpu
+ memory
- pids
${fence}
`;

describe('parseLesson', () => {
  it('reads the front matter, the introduction and each step', () => {
    const l = parseLesson(good, 'en');
    expect(l).toMatchObject({ id: 'demo', title: 'A demo', summary: 'Two steps', concepts: ['image.layers', 'kernel.cgroups'], diagram: 'layers', needs: ['containers'], intro: 'The introduction.' });
    expect(l.steps).toHaveLength(2);
    expect(l.steps[0]).toMatchObject({ title: 'Pull it', text: 'Pull the image.', commands: ['pull busybox'], hint: 'Type it exactly.', checkSource: ['image ref=busybox', 'pull ref=busybox fresh=true'] });
    expect(l.steps[0]!.checks).toEqual([{ kind: 'image', ref: 'busybox' }, { kind: 'pull', ref: 'busybox', fresh: true }]);
    expect(l.steps[1]!.commands).toEqual(['run -it -m 64m busybox sh', '> exit']);
    expect(l.steps[1]!.checks).toEqual([{ kind: 'ran', filters: { memory: 64 * 1024 * 1024, tty: true, exit: 0 } }]);
    expect(l.steps[1]!.quiz).toEqual({ question: 'Which controller?', options: ['cpu', 'memory', 'pids'], answer: 1 });
  });

  it.each([
    ['no front matter', good.replace(/^---\n/, ''), /1: a lesson starts with front matter/],
    ['an unclosed front matter', '---\nid: x\n', /no closing ---/],
    ['no id', good.replace('id: demo\n', ''), /needs id:/],
    ['a bad front matter line', good.replace('summary: Two steps', 'summary Two steps'), /"key: value"/],
    ['an unknown check', good.replace('image ref=busybox', 'imgae ref=busybox'), /:21: unknown check "imgae"/],
    ['a check argument it does not take', good.replace('image ref=busybox', 'image name=busybox'), /image takes ref=, not name=/],
    ['a bad size', good.replace('memory=64m', 'memory=lots'), /memory= takes a size/],
    ['a quiz without a right answer', good.replace('+ memory', '- memory'), /no right answer/],
    ['a quiz with two right answers', good.replace('- pids', '+ pids'), /one right answer/],
    ['an unclosed block', good.replace(/\n```\n$/, '\n'), /is not closed/],
    ['a step without a check', good.replace(/```check\nran memory=64m tty=true exit=0\n```\n/, '').replace(/```quiz[\s\S]*$/, ''), /step 2 \("Limit it"\) has no ```check block/],
    ['no steps', '---\nid: x\ntitle: y\n---\nonly text\n', /at least one step/],
  ])('names the line of %s', (_what, text, message) => {
    expect(() => parseLesson(text, 'en', 'demo/en.md')).toThrow(message);
  });
});
