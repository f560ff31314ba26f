// The detach sequence (Ctrl-P Ctrl-Q by default) is watched in the bytes typed into `run -it`.
import { describe, expect, it } from 'vitest';
import { DetachKeys, parseDetachKeys } from '../../../src/cli/detach-keys.ts';

const P = 0x10;
const Q = 0x11;

/** Feeds chunks in order; returns what reached the container and whether it detached (and when). */
function feed(keys: DetachKeys, chunks: number[][]): { forwarded: number[]; detachedAt?: number } {
  const forwarded: number[] = [];
  for (const [i, c] of chunks.entries()) {
    const r = keys.feed(Buffer.from(c));
    forwarded.push(...r.forward);
    if (r.detach) return { forwarded, detachedAt: i };
  }
  return { forwarded };
}

describe('parseDetachKeys', () => {
  it.each([
    ['ctrl-p,ctrl-q', [P, Q]],
    ['ctrl-a', [1]],
    ['ctrl-Z', [26]],
    ['ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_', [0, 27, 28, 29, 30, 31]],
    ['a,b', [0x61, 0x62]],
  ])('%s', (spec, bytes) => expect([...parseDetachKeys(spec)]).toEqual(bytes));

  it.each(['ctrl-', 'ctrl-1', 'shift-a', 'ab'])('refuses %s', (spec) => expect(() => parseDetachKeys(spec)).toThrow(`Unknown character: '${spec}'`));
});

describe('DetachKeys', () => {
  it('detaches on Ctrl-P Ctrl-Q typed one key at a time, forwarding neither', () => {
    expect(feed(new DetachKeys(), [[0x61], [P], [Q]])).toEqual({ forwarded: [0x61], detachedAt: 2 });
  });

  it('detaches on the sequence inside one chunk; bytes before it still go through', () => {
    expect(feed(new DetachKeys(), [[0x6c, 0x73, P, Q, 0x78]])).toEqual({ forwarded: [0x6c, 0x73], detachedAt: 0 });
  });

  it('holds a lone Ctrl-P until the next key, then sends both', () => {
    const k = new DetachKeys();
    expect([...k.feed(Buffer.from([P])).forward]).toEqual([]);
    expect([...k.feed(Buffer.from([0x61])).forward]).toEqual([P, 0x61]);
  });

  it('Ctrl-P Ctrl-P Ctrl-Q: the first Ctrl-P goes through, the rest detaches', () => {
    expect(feed(new DetachKeys(), [[P], [P], [Q]])).toEqual({ forwarded: [P], detachedAt: 2 });
  });

  it('Ctrl-C and everything else pass untouched', () => {
    expect(feed(new DetachKeys(), [[0x03], [0x04], [0x1b, 0x5b, 0x41]])).toEqual({ forwarded: [0x03, 0x04, 0x1b, 0x5b, 0x41] });
  });

  it('takes other sequences, and a single key', () => {
    expect(feed(new DetachKeys(parseDetachKeys('ctrl-a,x,y')), [[1, 0x78, 0x7a], [1, 0x78, 0x79]])).toEqual({ forwarded: [1, 0x78, 0x7a], detachedAt: 1 });
    expect(feed(new DetachKeys(parseDetachKeys('ctrl-d')), [[0x61, 4]])).toEqual({ forwarded: [0x61], detachedAt: 0 });
  });

  it('an empty sequence never detaches', () => {
    expect(feed(new DetachKeys(Buffer.alloc(0)), [[P, Q]])).toEqual({ forwarded: [P, Q] });
  });
});
