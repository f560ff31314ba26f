import { describe, expect, it } from 'vitest';
import { parseContentRange, parseRange } from '../../../src/registry/range.ts';

describe('Range on blob GET', () => {
  it('serves one range, clamped to the blob; the suffix form counts from the end', () => {
    expect(parseRange(undefined, 100)).toBe('whole');
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=90-500', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange(' bytes = 5 - 6 ', 100)).toEqual({ start: 5, end: 6 });
  });

  it('a range past the end, or backwards, is unsatisfiable (416)', () => {
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=9-2', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
  });

  it('what it does not understand it ignores: the whole blob goes (RFC 9110 lets it)', () => {
    expect(parseRange('items=0-1', 100)).toBe('whole');
    expect(parseRange('bytes=0-1,5-6', 100)).toBe('whole');
    expect(parseRange('bytes=-', 100)).toBe('whole');
  });
});

describe('Content-Range on upload PATCH', () => {
  it('reads the spec\'s form and the RFC one', () => {
    expect(parseContentRange('0-1023')).toEqual({ start: 0, end: 1023 });
    expect(parseContentRange('bytes 1024-2047/*')).toEqual({ start: 1024, end: 2047 });
    expect(parseContentRange('bytes=5-9/100')).toEqual({ start: 5, end: 9 });
    expect(parseContentRange(undefined)).toBeUndefined();
    expect(parseContentRange('')).toBeUndefined();
  });

  it('refuses nonsense', () => {
    expect(parseContentRange('9-2')).toBe('invalid');
    expect(parseContentRange('abc')).toBe('invalid');
    expect(parseContentRange('-5')).toBe('invalid');
  });
});
