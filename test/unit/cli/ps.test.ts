// `ps` prints containers the way docker/cli's formatter does.
import { describe, expect, it } from 'vitest';
import type { ContainerSummary } from '../../../src/client/api.ts';
import { formatPs, goQuote, parseFilters, psFields, psImage } from '../../../src/cli/commands/ps.ts';
import { bytesSize, statsRow } from '../../../src/cli/commands/stats.ts';
import { parseGoDuration, parseLogTime } from '../../../src/cli/commands/logs.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const IMAGE_ID = `sha256:${'ab'.repeat(32)}`;

function summary(over: Partial<ContainerSummary>): ContainerSummary {
  return {
    Id: '0123456789abcdef'.repeat(4), Names: ['/web'], Image: 'busybox', ImageID: IMAGE_ID, Command: 'sleep 100',
    Created: NOW / 1000 - 180, Ports: [], Labels: {}, State: 'running', Status: 'Up 3 minutes',
    HostConfig: { NetworkMode: 'none' }, NetworkSettings: { Networks: {} }, Mounts: [], ...over,
  };
}

describe('ps', () => {
  it('prints the table with tabwriter spacing, short IDs and relative times', () => {
    const out = formatPs([
      summary({}),
      summary({ Id: 'f'.repeat(64), Names: ['/db'], Command: 'sh -c \'while true; do date; sleep 1; done\'', State: 'exited', Status: 'Exited (137) 2 seconds ago', Created: NOW / 1000 - 7200 }),
    ], { trunc: true, size: false, now: NOW });
    expect(out).toBe([
      'CONTAINER ID   IMAGE     COMMAND                  CREATED         STATUS                       PORTS     NAMES',
      '0123456789ab   busybox   "sleep 100"              3 minutes ago   Up 3 minutes                           web',
      'ffffffffffff   busybox   "sh -c \'while true; …"   2 hours ago     Exited (137) 2 seconds ago             db',
      '',
    ].join('\n'));
  });

  it('--no-trunc keeps IDs and commands whole; -s adds SIZE', () => {
    const c = summary({ SizeRw: 1234, Command: 'echo "a very long command line indeed"' });
    expect(psFields(c, false, NOW)).toMatchObject({ ID: c.Id, Command: '"echo \\"a very long command line indeed\\""' });
    expect(formatPs([c], { trunc: true, size: true, now: NOW }).split('\n')[0]).toMatch(/NAMES\s+SIZE$/);
    expect(formatPs([c], { trunc: true, size: true, now: NOW }).split('\n')[1]).toMatch(/web\s+1\.23kB$/);
  });

  it('quotes the command as Go does', () => {
    expect(goQuote('a"b\\c\td\x01é…')).toBe('"a\\"b\\\\c\\td\\x01é…"');
  });

  it.each([
    ['busybox', 'busybox'],
    ['busybox:1.36', 'busybox:1.36'],
    ['docker.io/library/busybox:latest', 'busybox:latest'],
    [`busybox@sha256:${'c'.repeat(64)}`, 'busybox'],
    [`localhost:5000/me/app:1@sha256:${'c'.repeat(64)}`, 'localhost:5000/me/app:1'],
    [IMAGE_ID, 'abababababab'],
    ['', '<no image>'],
  ])('IMAGE of %s is %s', (image, shown) => expect(psImage({ Image: image, ImageID: IMAGE_ID }, true)).toBe(shown));

  it('names: the first that is not a legacy link; all of them with --no-trunc', () => {
    const c = summary({ Names: ['/other/alias', '/web'] });
    expect(psFields(c, true, NOW).Names).toBe('web');
    expect(psFields(c, false, NOW).Names).toBe('other/alias,web');
  });

  it('--format: a template per line, or a table with headers', () => {
    expect(formatPs([summary({})], { trunc: true, size: false, format: '{{.Names}}: {{.Status}}', now: NOW })).toBe('web: Up 3 minutes\n');
    expect(formatPs([summary({})], { trunc: true, size: false, format: 'table {{.ID}}\\t{{.Names}}', now: NOW })).toBe('CONTAINER ID   NAMES\n0123456789ab   web\n');
  });

  it('filters are key=value, repeatable', () => {
    expect(parseFilters(['status=exited', 'name=web', 'status=created'])).toEqual({ status: ['exited', 'created'], name: ['web'] });
    expect(() => parseFilters(['dangling'])).toThrow('bad format of filter (expected name=value)');
  });
});

describe('stats', () => {
  it.each([[0, '0B'], [1023, '1023B'], [1536, '1.5KiB'], [16 * 2 ** 20, '16MiB'], [25_273_000_000, '23.54GiB']])('bytesSize(%d) = %s', (n, s) => expect(bytesSize(n)).toBe(s));

  it('computes CPU % from two readings and memory against the limit', () => {
    const sample = (cpuNs: number) => ({
      read: '', pids_stats: { current: 3 }, memory_stats: { usage: 4 * 2 ** 20, limit: 16 * 2 ** 20 },
      cpu_stats: { cpu_usage: { total_usage: cpuNs } }, precpu_stats: { cpu_usage: { total_usage: 0 } },
    });
    const row = statsRow({ id: 'f'.repeat(64), name: 'hog' }, { sample: sample(1e9), at: 1000 }, { sample: sample(1.5e9), at: 2000 }, true, 2 ** 34);
    expect(row).toEqual(['ffffffffffff', 'hog', '50.00%', '4MiB / 16MiB', '25.00%', '0B / 0B', '--', '3']);
  });

  it('without a limit the host memory is the limit; a stopped container shows dashes', () => {
    const s = { read: '', pids_stats: {}, memory_stats: { usage: 2 ** 20 }, cpu_stats: { cpu_usage: { total_usage: 0 } }, precpu_stats: { cpu_usage: { total_usage: 0 } } };
    expect(statsRow({ id: 'a'.repeat(64), name: 'x' }, undefined, { sample: s, at: 1 }, true, 2 ** 30)[3]).toBe('1MiB / 1GiB');
    expect(statsRow({ id: 'a'.repeat(64), name: 'x' }, undefined, { at: 1 }, true)).toEqual(['aaaaaaaaaaaa', 'x', '--', '-- / --', '--', '--', '--', '--']);
  });
});

describe('logs --since/--until', () => {
  it.each([['10m', 600_000], ['1h30m', 5_400_000], ['1.5s', 1500], ['250ms', 250], ['x', undefined], ['10', undefined]])('duration %s', (v, ms) => expect(parseGoDuration(v)).toBe(ms));

  it('reads durations, unix times and RFC 3339', () => {
    expect(parseLogTime('since', '10m', NOW)).toBe(NOW / 1000 - 600);
    expect(parseLogTime('since', '1700000000.5', NOW)).toBe(1700000000.5);
    expect(parseLogTime('until', '2026-03-01T11:00:00Z', NOW)).toBe(NOW / 1000 - 3600);
    expect(() => parseLogTime('since', 'yesterday', NOW)).toThrow('invalid value for "since": failed to parse value as time or duration: "yesterday"');
  });
});
