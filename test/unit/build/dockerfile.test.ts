// The Dockerfile parser and the instructions it yields: what Docker's parser accepts and refuses.
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../../src/engine/build/dockerfile.ts';
import { planDockerfile } from '../../../src/engine/build/instructions.ts';

describe('parseDockerfile', () => {
  it('reads keywords in any case, comments, blank lines and continuations', () => {
    const p = parseDockerfile([
      '# a comment',
      'from busybox',
      '',
      'RUN echo one \\',
      '    # a comment inside the continuation is dropped',
      '',
      '    && echo two',
      '  env A=1',
    ].join('\n'));
    expect(p.lines.map((l) => [l.keyword, l.rest, l.line])).toEqual([
      ['FROM', 'busybox', 2],
      ['RUN', 'echo one     && echo two', 4],
      ['ENV', 'A=1', 8],
    ]);
    expect(p.lines[1]!.original).toBe('RUN echo one     && echo two');
  });

  it('honours the escape directive (backtick) and reads other directives only at the very top', () => {
    const p = parseDockerfile('# escape=`\n# syntax=docker/dockerfile:1\nFROM busybox\nRUN echo a `\n  b\n# escape=\\\n');
    expect(p.escape).toBe('`');
    expect(p.directives).toEqual({ escape: '`', syntax: 'docker/dockerfile:1' });
    expect(p.lines.map((l) => l.rest)).toEqual(['busybox', 'echo a   b']);
    // After an instruction a directive is just a comment; a backslash is no longer an escape.
    expect(parseDockerfile('FROM x\n# escape=`\nRUN a \\\n').lines.map((l) => l.rest)).toEqual(['x', 'a']);
    expect(() => parseDockerfile('# escape=x\nFROM a')).toThrow(/invalid escape token/);
  });

  it('takes leading --flags off COPY, ADD and FROM', () => {
    const p = parseDockerfile('FROM --platform=linux/amd64 busybox AS base\nCOPY --chown=1:2 a b /dst/\nENV --x=1\n');
    expect(p.lines[0]).toMatchObject({ keyword: 'FROM', rest: 'busybox AS base', flags: [{ name: 'platform', value: 'linux/amd64' }] });
    expect(p.lines[1]).toMatchObject({ rest: 'a b /dst/', flags: [{ name: 'chown', value: '1:2' }] });
    expect(p.lines[2]).toMatchObject({ rest: '--x=1', flags: [] });
  });
});

describe('planDockerfile', () => {
  it('splits stages and meta ARGs, JSON and shell forms', () => {
    const plan = planDockerfile([
      'ARG BASE=busybox',
      'FROM ${BASE} AS one',
      'RUN ["echo", "exec form"]',
      'RUN echo shell form',
      'CMD [not json',
      'COPY ["a b", "/dst/"]',
      'FROM scratch',
      'ENV A=1 B="two words"',
      'ENV OLD legacy form value',
      'LABEL k=v',
      'EXPOSE 80 53/udp',
      'VOLUME ["/data"]',
      'ARG X Y=2',
    ].join('\n'));
    expect(plan.metaArgs).toHaveLength(1);
    expect(plan.stages).toHaveLength(2);
    expect(plan.stages[0]!.from).toMatchObject({ image: '${BASE}', stage: 'one' });
    expect(plan.stages[0]!.steps).toMatchObject([
      { kind: 'RUN', command: { exec: ['echo', 'exec form'] } },
      { kind: 'RUN', command: { shell: 'echo shell form' } },
      { kind: 'CMD', command: { shell: '[not json' } },
      { kind: 'COPY', sources: ['a b'], dest: '/dst/' },
    ]);
    expect(plan.stages[1]!.steps).toMatchObject([
      { kind: 'ENV', pairs: [['A', '1'], ['B', '"two words"']] },
      { kind: 'ENV', pairs: [['OLD', 'legacy form value']] },
      { kind: 'LABEL', pairs: [['k', 'v']] },
      { kind: 'EXPOSE', values: ['80', '53/udp'] },
      { kind: 'VOLUME', values: ['/data'], json: true },
      { kind: 'ARG', args: [{ name: 'X' }, { name: 'Y', value: '2' }] },
    ]);
  });

  it('refuses what Docker refuses, with the line number', () => {
    expect(() => planDockerfile('')).toThrow(/cannot be empty/);
    expect(() => planDockerfile('RUN echo\nFROM x')).toThrow(/line 1: RUN comes before the first FROM/);
    expect(() => planDockerfile('FROM x\nFROBNICATE y')).toThrow(/line 2: unknown instruction: FROBNICATE/);
    expect(() => planDockerfile('FROM x\nCOPY onlyone')).toThrow(/requires at least two arguments/);
    expect(() => planDockerfile('FROM a b')).toThrow(/one or three arguments/);
    expect(() => planDockerfile('FROM x\nENV A=1 B')).toThrow(/can't find = in "B"/);
    expect(() => planDockerfile('FROM x\nSHELL /bin/bash -c')).toThrow(/JSON form/);
    expect(() => planDockerfile('FROM x\nCOPY --frm=a b c')).toThrow(/unknown flag: --frm/);
    expect(() => planDockerfile('FROM x\nHEALTHCHECK NONE')).toThrow(/not supported/);
  });
});
