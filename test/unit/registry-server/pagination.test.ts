import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../../src/registry/errors.ts';
import { lexical, pageRequest, paginate } from '../../../src/registry/pagination.ts';
import { nextLink } from '../../../src/engine/registry/listing.ts';

const names = lexical(['c', 'a/b', 'a', 'b', 'a-b', 'A']);

describe('pagination (n, last, Link)', () => {
  it('sorts byte-wise, as Go does', () => {
    expect(names).toEqual(['A', 'a', 'a-b', 'a/b', 'b', 'c']);
  });

  it('without n: everything after last, and no Link', () => {
    expect(paginate(names, {}, '/v2/_catalog')).toEqual({ items: names });
    expect(paginate(names, { last: 'a/b' }, '/v2/_catalog')).toEqual({ items: ['b', 'c'] });
  });

  it('with n: a page, and a Link to the next one naming its last entry', () => {
    const first = paginate(names, { n: 2 }, '/v2/_catalog');
    expect(first).toEqual({ items: ['A', 'a'], link: '</v2/_catalog?last=a&n=2>; rel="next"' });
    const second = paginate(names, { n: 2, last: 'a' }, '/v2/_catalog');
    expect(second.items).toEqual(['a-b', 'a/b']);
    expect(nextLink(second.link)).toBe('/v2/_catalog?last=a%2Fb&n=2');
    const third = paginate(names, { n: 2, last: 'a/b' }, '/v2/_catalog');
    expect(third).toEqual({ items: ['b', 'c'] }); // exactly the rest: no Link
    expect(paginate(names, { n: 0 }, '/x')).toEqual({ items: [] });
    expect(paginate(names, { n: 5, last: 'zzz' }, '/x')).toEqual({ items: [] });
  });

  it('reads n and last from the query; a bad n is PAGINATION_NUMBER_INVALID, a big one is capped', () => {
    expect(pageRequest(new URLSearchParams('n=10&last=b'), 1000)).toEqual({ n: 10, last: 'b' });
    expect(pageRequest(new URLSearchParams('n=5000'), 1000)).toEqual({ n: 1000 });
    expect(pageRequest(new URLSearchParams(''), 1000)).toEqual({});
    for (const bad of ['n=-1', 'n=abc', 'n=1.5']) {
      try {
        pageRequest(new URLSearchParams(bad), 1000);
        throw new Error('accepted ' + bad);
      } catch (e) {
        expect(e).toBeInstanceOf(RegistryError);
        expect((e as RegistryError).code).toBe('PAGINATION_NUMBER_INVALID');
        expect((e as RegistryError).status).toBe(400);
      }
    }
  });

  it('nextLink reads RFC 8288 headers the way registries write them', () => {
    expect(nextLink('</v2/_catalog?last=b&n=2>; rel="next"')).toBe('/v2/_catalog?last=b&n=2');
    expect(nextLink('<https://r.example/v2/x/tags/list?n=1&last=a>; rel=next')).toBe('https://r.example/v2/x/tags/list?n=1&last=a');
    expect(nextLink('</a>; rel="prev", </b>; rel="next"')).toBe('/b');
    expect(nextLink(['</a>; rel="prev"'])).toBeUndefined();
    expect(nextLink(undefined)).toBeUndefined();
  });
});
