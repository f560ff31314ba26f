import { describe, expect, it } from 'vitest';
import { chainIds, parseDigest, sha256, shortId } from '../../src/engine/digest.ts';

describe('digests', () => {
  it('hashes bytes as sha256:<hex>', () => {
    expect(sha256('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('computes ChainIDs as image-spec config.md defines them', () => {
    const a = sha256('a');
    const b = sha256('b');
    const c = sha256('c');
    const chain = chainIds([a, b, c]);
    expect(chain[0]).toBe(a);
    expect(chain[1]).toBe(sha256(`${a} ${b}`));
    expect(chain[2]).toBe(sha256(`${chain[1]} ${c}`));
    expect(chainIds([])).toEqual([]);
  });

  it.each([
    ['sha256:abc', /invalid digest/],
    ['sha512:' + 'a'.repeat(128), /unsupported digest algorithm/],
    ['SHA256:' + 'a'.repeat(64), /invalid digest/],
    ['sha256:' + 'A'.repeat(64), /invalid digest/],
  ])('rejects %s', (s, msg) => expect(() => parseDigest(s)).toThrow(msg));

  it('short IDs are the first 12 hex digits', () => {
    expect(shortId('sha256:0123456789abcdef' + '0'.repeat(48))).toBe('0123456789ab');
  });
});
