// .dockerignore matching, moby/patternmatcher's rules.
import { describe, expect, it } from 'vitest';
import { IgnoreRules, patternToRegExp } from '../../../src/engine/build/dockerignore.ts';

describe('.dockerignore', () => {
  it('globs: * within a component, ? one character, classes, ** across directories', () => {
    expect(patternToRegExp('*.log').test('a.log')).toBe(true);
    expect(patternToRegExp('*.log').test('dir/a.log')).toBe(false);
    expect(patternToRegExp('**/*.log').test('a.log')).toBe(true);
    expect(patternToRegExp('**/*.log').test('x/y/a.log')).toBe(true);
    expect(patternToRegExp('file?.txt').test('file1.txt')).toBe(true);
    expect(patternToRegExp('file[0-9].txt').test('filea.txt')).toBe(false);
    expect(patternToRegExp('a\\*b').test('a*b')).toBe(true);
  });

  it('a matched directory excludes what is inside; ! brings paths back; the last match decides', () => {
    const r = new IgnoreRules(['# comment', '', 'node_modules', '/build/', '*.md', '!README.md', 'secret*', 'tmp/**', '  spaced.txt  '].join('\n'));
    expect(r.ignores('node_modules')).toBe(true);
    expect(r.ignores('node_modules/x/index.js')).toBe(true);
    expect(r.ignores('build/out.o')).toBe(true);
    expect(r.ignores('src/build')).toBe(false);
    expect(r.ignores('notes.md')).toBe(true);
    expect(r.ignores('README.md')).toBe(false);
    expect(r.ignores('docs/x.md')).toBe(false); // *.md is for the top directory only
    expect(r.ignores('secrets.txt')).toBe(true);
    expect(r.ignores('tmp/a/b')).toBe(true);
    expect(r.ignores('spaced.txt')).toBe(true);
    expect(r.ignores('src/main.ts')).toBe(false);
    expect(r.hasExceptions).toBe(true);
    expect(new IgnoreRules('*\n!keep').ignores('keep')).toBe(false);
    expect(new IgnoreRules('!keep\n*').ignores('keep')).toBe(true);
  });
});
