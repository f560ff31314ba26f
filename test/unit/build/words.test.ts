// Variable substitution and quoting as the builder's lexer does it (buildkit shell/lex.go).
import { describe, expect, it } from 'vitest';
import { envLookup, expand, expandWords, splitKeepingQuotes } from '../../../src/engine/build/words.ts';

const env = envLookup(['NAME=skiff', 'EMPTY=', 'SPACED=a b', 'PATH=/bin']);

describe('expand', () => {
  it('substitutes $VAR and ${VAR}; unset is empty; a lone $ stays', () => {
    expect(expand('$NAME-${NAME}x $NOPE.', env)).toBe('skiff-skiffx .');
    expect(expand('cost $ 5', env)).toBe('cost $ 5');
    expect(expand('${PATH}:/usr/bin', env)).toBe('/bin:/usr/bin');
  });

  it(':- and :+ (and their colon-less forms) decide on unset and empty', () => {
    expect(expand('${NOPE:-def}|${EMPTY:-def}|${NAME:-def}', env)).toBe('def|def|skiff');
    expect(expand('${NOPE-def}|${EMPTY-def}', env)).toBe('def|');
    expect(expand('${NOPE:+alt}|${EMPTY:+alt}|${NAME:+alt}', env)).toBe('||alt');
    expect(expand('${EMPTY+alt}', env)).toBe('alt');
    expect(expand('${NOPE:-${NAME}-nested}', env)).toBe('skiff-nested');
    expect(() => expand('${NOPE:?must be set}', env)).toThrow(/NOPE: must be set/);
    expect(() => expand('${NAME%x}', env)).toThrow(/unsupported modifier/);
    expect(() => expand('${NAME', env)).toThrow(/missing '}'/);
  });

  it('quotes: single quotes are literal, double quotes substitute, both are removed; escapes', () => {
    expect(expand(`'$NAME' "$NAME" "a 'b'"`, env)).toBe(`$NAME skiff a 'b'`);
    expect(expand('\\$NAME \\\\ x', env)).toBe('$NAME \\ x');
    expect(expand('"\\$NAME \\" \\n"', env)).toBe('$NAME " \\n');
    expect(expand('`$NAME', env, '`')).toBe('$NAME');
    expect(() => expand('"open', env)).toThrow(/matching "/);
  });
});

describe('words', () => {
  it('expandWords splits at unquoted whitespace; "" is an empty word', () => {
    expect(expandWords('80  "$NAME x" \'\' ""', env)).toEqual(['80', 'skiff x', '', '']);
  });

  it('splitKeepingQuotes keeps quotes for a later expand (ENV/LABEL pairs)', () => {
    expect(splitKeepingQuotes('A="x y" B=\'$z w\' C=a\\ b')).toEqual(['A="x y"', "B='$z w'", 'C=a\\ b']);
  });

  it('envLookup: the last list wins (ENV over ARG)', () => {
    const l = envLookup(new Map([['A', 'arg'], ['B', 'arg']]), ['A=env']);
    expect([l('A'), l('B'), l('C')]).toEqual(['env', 'arg', undefined]);
  });
});
