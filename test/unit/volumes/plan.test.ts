import { describe, expect, it } from 'vitest';
import { checkFilters, matchesFilters, parseFilterFlags } from '../../../src/engine/volumes/filters.ts';
import { imageVolumeTargets, mountOrder } from '../../../src/engine/volumes/plan.ts';

describe('image VOLUMEs', () => {
  it('cleans, roots and de-duplicates config.Volumes keys', () => {
    expect(imageVolumeTargets(['/data', '/data/', 'var/cache', '/a/./b/'])).toEqual(['/data', '/var/cache', '/a/b']);
    expect(() => imageVolumeTargets(['/x', '/'])).toThrow(/root of a container cannot be a volume/);
  });
});

describe('mount order', () => {
  it('puts a parent before what lies below it and keeps the user\'s order otherwise', () => {
    const order = mountOrder([{ destination: '/a/b/c' }, { destination: '/z' }, { destination: '/a/b' }, { destination: '/a' }, { destination: '/y' }]);
    expect(order.map((m) => m.destination)).toEqual(['/z', '/a', '/y', '/a/b', '/a/b/c']);
  });
});

describe('volume ls filters', () => {
  it('reads --filter flags into the API map and refuses a value without a key', () => {
    expect(parseFilterFlags(['dangling=true', 'label=a=b', 'label=c', 'Name=x'])).toEqual({ dangling: ['true'], label: ['a=b', 'c'], name: ['x'] });
    expect(() => parseFilterFlags(['dangling'])).toThrow('bad format of filter (expected name=value)');
    expect(() => parseFilterFlags(['=x'])).toThrow('bad format of filter');
  });

  it('checks keys and dangling values', () => {
    expect(() => checkFilters({ name: ['a'], label: ['b'], driver: ['local'], dangling: ['0'] })).not.toThrow();
    expect(() => checkFilters({ until: ['1h'] })).toThrow("invalid filter 'until'");
  });

  it('matches labels all-of and names any-of', () => {
    const v = { Name: 'web-cache', Driver: 'local', Labels: { env: 'dev', team: '' } };
    expect(matchesFilters(v, false, { label: ['env=dev', 'team'] })).toBe(true);
    expect(matchesFilters(v, false, { label: ['env=dev', 'team=x'] })).toBe(false);
    expect(matchesFilters(v, false, { name: ['db', 'cache'] })).toBe(true);
    expect(matchesFilters(v, true, { dangling: ['true'] })).toBe(false);
    expect(matchesFilters(v, false, { driver: ['nfs'] })).toBe(false);
  });
});
