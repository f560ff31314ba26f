// The small pieces every diagram writes with: units, short IDs, wrapping, lifelines, plain mode.
import { describe, expect, it } from 'vitest';
import { binarySize, duration, shortenHex, shortId, size, wrapWords } from '../../../src/visualize/model/format.ts';
import { isPlain } from '../../../src/visualize/parts/plain.ts';
import { laneText } from '../../../src/visualize/PullHandshake.tsx';

describe('diagram words', () => {
  it('writes sizes as Docker does, and memory in binary units', () => {
    expect([size(0), size(217), size(1056686), size(900501), size(2_880_000_000)]).toEqual(['0 B', '217 B', '1.06 MB', '901 kB', '2.88 GB']);
    expect([binarySize(33554432), binarySize(27357184), binarySize(512)]).toEqual(['32 MiB', '26.1 MiB', '512 B']);
    expect([duration(0.4), duration(2.82), duration(136.3), duration(2830)]).toEqual(['<1 ms', '2.8 ms', '136 ms', '2.83 s']);
  });

  it('shortens digests to Docker\'s 12 digits', () => {
    const d = `sha256:${'ab'.repeat(32)}`;
    expect(shortId(d)).toBe('abababababab');
    expect(shortenHex(`/blobs/${d}/x`)).toBe('/blobs/sha256:abababababab…/x');
    expect(shortenHex(`/blobs/${d}`, '')).toBe('/blobs/sha256:abababababab');
  });

  it('wraps words to a width, cutting only words longer than a line', () => {
    expect(wrapWords('from here on, every request carries the token', 16)).toEqual(['from here on,', 'every request', 'carries the', 'token']);
    expect(wrapWords('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrapWords('', 10)).toEqual(['']);
  });

  it('draws lifelines and arrows to each party', () => {
    expect(laneText(3, -1)).toBe('│   │   │');
    expect(laneText(3, 1)).toBe('├──▶│   │');
    expect(laneText(3, 2)).toBe('├───┼──▶│');
    expect(laneText(4, 3)).toBe('├───┼───┼──▶│');
  });

  it('is plain when asked, or when NO_COLOR is set and not empty', () => {
    expect(isPlain(true, {})).toBe(true);
    expect(isPlain(false, { NO_COLOR: '1' })).toBe(false);
    expect(isPlain(undefined, { NO_COLOR: '1' })).toBe(true);
    expect(isPlain(undefined, { NO_COLOR: '' })).toBe(false);
    expect(isPlain(undefined, {})).toBe(false);
  });
});
