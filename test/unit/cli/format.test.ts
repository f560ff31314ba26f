import { describe, expect, it } from 'vitest';
import { ago, ellipsis, humanDuration, humanSize, table } from '../../../src/cli/format.ts';

describe('Docker-style formatting', () => {
  it.each([
    [0, '0B'], [999, '999B'], [1000, '1kB'], [1234, '1.23kB'], [4_261_000, '4.26MB'], [77_800_000, '77.8MB'], [1.5e9, '1.5GB'],
  ])('humanSize(%d) = %s', (n, s) => expect(humanSize(n)).toBe(s));

  it.each([
    [500, 'Less than a second'], [1000, '1 second'], [45_000, '45 seconds'], [60_000, 'About a minute'], [30 * 60_000, '30 minutes'],
    [3_600_000, 'About an hour'], [5 * 3_600_000, '5 hours'], [3 * 86_400_000, '3 days'], [20 * 86_400_000, '2 weeks'], [400 * 86_400_000, '13 months'],
  ])('humanDuration(%d) = %s', (ms, s) => expect(humanDuration(ms)).toBe(s));

  it('ago() of a bad date is N/A', () => {
    expect(ago(undefined)).toBe('N/A');
    expect(ago('not a date')).toBe('N/A');
    expect(ago('2026-01-01T00:00:00Z', Date.parse('2026-01-01T02:00:00Z'))).toBe('2 hours ago');
  });

  it('pads columns like Docker\'s tabwriter: widest cell + 3, at least 10', () => {
    expect(table(['A', 'BB'], [['xyz', '1'], ['q', '22']])).toBe('A         BB\nxyz       1\nq         22\n');
    expect(table(['CONTAINER ID', 'PORTS', 'NAMES'], [['0123456789ab', '', 'box']])).toBe('CONTAINER ID   PORTS     NAMES\n0123456789ab             box\n');
    expect(table(['UID', 'CMD'], [['root', 'sleep 9']], { minWidth: 20 })).toBe('UID                 CMD\nroot                sleep 9\n');
    expect(table(['NAME', 'X'], [['naïve…', 'y']])).toBe('NAME      X\nnaïve…    y\n'); // runes, not bytes
  });

  it('ellipsis keeps the length', () => {
    expect(ellipsis('abcdef', 4)).toBe('abc…');
    expect(ellipsis('abc', 4)).toBe('abc');
  });
});
