import { describe, expect, it } from 'vitest';
import { type FlagSpec, parseArgs, splitCommandLine } from '../../../src/cli/args.ts';

const specs: FlagSpec[] = [
  { name: 'all', short: 'a', kind: 'bool', help: '' },
  { name: 'quiet', short: 'q', kind: 'bool', help: '' },
  { name: 'format', short: 'f', kind: 'string', help: '' },
  { name: 'change', short: 'c', kind: 'list', help: '' },
];

describe('parseArgs', () => {
  it.each([
    [['-a', 'x'], { all: true }, ['x']],
    [['-aq'], { all: true, quiet: true }, []],
    [['--format', '{{.Id}}', 'img'], { format: '{{.Id}}' }, ['img']],
    [['--format={{.Id}}'], { format: '{{.Id}}' }, []],
    [['-f{{.Id}}'], { format: '{{.Id}}' }, []],
    [['-c', 'CMD a', '-c', 'ENV b=c'], { change: ['CMD a', 'ENV b=c'] }, []],
    [['--all=false'], { all: false }, []],
    [['--', '-a'], {}, ['-a']],
  ] as const)('%j', (argv, flags, positionals) => {
    const r = parseArgs(argv, specs);
    expect(r.flags).toEqual(flags);
    expect(r.positionals).toEqual(positionals);
  });

  it('stops at the first positional when asked (run IMAGE CMD -x)', () => {
    expect(parseArgs(['-a', 'img', 'ls', '-q'], specs, { stopAtPositional: true })).toEqual({ flags: { all: true }, positionals: ['img', 'ls', '-q'] });
  });

  it.each([
    [['--nope'], /unknown flag: --nope/],
    [['-z'], /unknown shorthand flag: 'z'/],
    [['--format'], /flag needs an argument: --format/],
    [['-f'], /flag needs an argument/],
    [['--all=maybe'], /invalid value "maybe"/],
  ])('rejects %j', (argv, msg) => {
    expect(() => parseArgs(argv, specs, { command: 'images' })).toThrow(msg);
  });
});

describe('splitCommandLine', () => {
  it.each([
    ['pull busybox', ['pull', 'busybox']],
    ['  run   -it  busybox  ', ['run', '-it', 'busybox']],
    [`import -c 'CMD ["/bin/sh"]' f.tar`, ['import', '-c', 'CMD ["/bin/sh"]', 'f.tar']],
    ['echo "a b" c\\ d', ['echo', 'a b', 'c d']],
    ['echo "say \\"hi\\""', ['echo', 'say "hi"']],
    ["echo ''", ['echo', '']],
  ])('%s', (line, words) => {
    expect(splitCommandLine(line)).toEqual(words);
  });

  it('rejects an unterminated quote', () => {
    expect(() => splitCommandLine('echo "oops')).toThrow(/unterminated double quote/);
  });
});
