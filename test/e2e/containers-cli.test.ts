// The Docker container commands as a user types them: `node bin/skiff.js --data-root <tmp> ...`
// in a child process, real containers from the offline busybox image, Docker's output shapes and
// exit codes. Every container made here is removed in afterAll, also when a test failed.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopDaemonOf } from '../helpers/skiffd.ts';
import { canRunContainers, cgroupsLeft, mountsUnder, needsRoot } from '../helpers/runtime.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/skiff.js');
let root: string;

interface Result {
  code: number;
  out: string;
  err: string;
}

function skiff(args: string[], opts: { input?: string; env?: Record<string, string>; timeout?: number } = {}): Result {
  const r = spawnSync(process.execPath, [bin, '--data-root', root, ...args], {
    encoding: 'utf8', input: opts.input ?? '', timeout: opts.timeout ?? 60_000,
    env: { ...process.env, SKIFF_DEBUG: '', ...opts.env },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** stderr without the engine's note that the default bridge is switched off (tests: SKIFF_BRIDGE=none). */
function errors(r: Result): string {
  return r.err.split('\n').filter((l) => !l.startsWith('WARNING: the default bridge is switched off')).join('\n');
}

/** The result with that note left out: compared whole, a failure shows the engine's error too. */
function clean(r: Result): Result {
  return { ...r, err: errors(r) };
}

const made = new Set<string>();
function track(idOrName: string): string {
  made.add(idOrName);
  return idOrName;
}

describe.skipIf(!canRunContainers)(`skiff container commands (${needsRoot})`, () => {
  beforeAll(() => {
    execFileSync(process.execPath, [path.join(repo, 'scripts/build.mjs'), '--if-stale']);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-containers-e2e-'));
    expect(skiff(['base']).code).toBe(0);
    // The first container command starts this data root's daemon (and says so on stderr).
    expect(skiff(['ps']).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    if (!root) return;
    const ids = skiff(['ps', '-aq', '--no-trunc']).out.split('\n').filter(Boolean);
    if (ids.length) skiff(['rm', '-f', '-v', ...ids]);
    const left = skiff(['ps', '-aq']).out;
    const mounts = mountsUnder(root);
    const cgroups = cgroupsLeft('skiff').filter((d) => [...made, ...ids].some((id) => d.includes(id)));
    await stopDaemonOf(root);
    fs.rmSync(root, { recursive: true, force: true });
    expect(left).toBe('');
    expect(mounts).toEqual([]);
    expect(cgroups).toEqual([]);
  }, 60_000);

  it('run --rm echo: the output, exit code 0, and no container left', () => {
    const before = skiff(['ps', '-aq']).out;
    expect(clean(skiff(['run', '--rm', 'busybox', 'echo', 'hello', '-n']))).toEqual({ code: 0, out: 'hello -n\n', err: '' });
    expect(skiff(['ps', '-aq']).out).toBe(before);
  });

  it('run gives Docker\'s exit codes: the command\'s own, 127 not found, 126 not executable', () => {
    const before = skiff(['ps', '-aq']).out;
    expect(clean(skiff(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']))).toEqual({ code: 3, out: 'out\n', err: 'err\n' });
    const notFound = skiff(['run', '--rm', 'busybox', 'nosuchcommand']);
    expect(notFound.code).toBe(127);
    expect(errors(notFound)).toMatch(/^Error: exec: "nosuchcommand": executable file not found/);
    expect(skiff(['run', '--rm', 'busybox', '/etc/passwd']).code).toBe(126);
    expect(skiff(['ps', '-aq']).out).toBe(before); // --rm also when the start failed
  });

  it('keeps stdout and stderr apart', () => {
    expect(clean(skiff(['run', '--rm', 'busybox', 'sh', '-c', 'echo to-out; echo to-err >&2']))).toEqual({ code: 0, out: 'to-out\n', err: 'to-err\n' });
  });

  it('-e, -w, -u and --hostname reach the process', () => {
    const r = skiff(['run', '--rm', '-e', 'A=1', '-e', 'FROM_HOST', '-e', 'UNSET_HERE', '-w', '/tmp', '-u', '1000:1000', '--hostname', 'boxy',
      'busybox', 'sh', '-c', 'echo "$A $FROM_HOST ${UNSET_HERE-unset}"; pwd; id -u; id -g; hostname'], { env: { FROM_HOST: 'from-host' } });
    expect(clean(r)).toEqual({ code: 0, out: '1 from-host unset\n/tmp\n1000\n1000\nboxy\n', err: '' });
  });

  it('-i pipes stdin through and closes it at EOF; without -i stdin is not read', () => {
    expect(clean(skiff(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'cat; echo end'], { input: 'piped\nlines\n' }))).toEqual({ code: 0, out: 'piped\nlines\nend\n', err: '' });
    expect(clean(skiff(['run', '--rm', 'busybox', 'sh', '-c', 'cat; echo end'], { input: 'ignored\n' }))).toEqual({ code: 0, out: 'end\n', err: '' });
  });

  it('-d prints the full ID; ps shows it running; stop, then rm', () => {
    const d = skiff(['run', '-d', '--name', 'web', 'busybox', 'sh', '-c', 'echo started; echo oops >&2; exec sleep 60']);
    track('web');
    expect(d.code).toBe(0);
    expect(d.out).toMatch(/^[0-9a-f]{64}\n$/);
    const id = d.out.trim();
    const ps = skiff(['ps']).out.split('\n');
    expect(ps[0]).toMatch(/^CONTAINER ID {3}IMAGE {5}COMMAND {2,}CREATED {2,}STATUS {2,}PORTS {5}NAMES$/);
    // The command, quoted and cut to 20 characters (the engine quotes the argument with a space).
    expect(ps[1]).toMatch(new RegExp(`^${id.slice(0, 12)}   busybox   "sh -c [^ ]+echo st[a-z]*…"   .+ ago +Up .+ +web$`));
    expect(skiff(['ps', '-q']).out).toBe(`${id.slice(0, 12)}\n`);
    expect(skiff(['ps', '-q', '--no-trunc', '-f', 'name=web']).out).toBe(`${id}\n`);
    const stop = skiff(['stop', '-t', '1', 'web']);
    expect(stop).toMatchObject({ code: 0, out: 'web\n' });
    expect(skiff(['ps', '-q']).out).toBe('');
    expect(skiff(['ps', '-a']).out).toMatch(/Exited \(137\) .* ago +web\n$/); // sleep ignored SIGTERM as PID 1: killed after 1 s
    const logs = skiff(['logs', 'web']);
    expect([logs.code, logs.out, logs.err]).toEqual([0, 'started\n', 'oops\n']);
    const last = skiff(['logs', '-t', '--tail', '1', 'web']); // the last line of both streams
    expect([last.out, last.err]).toEqual(['', expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z oops\n$/)]);
    expect(skiff(['rm', 'web'])).toMatchObject({ code: 0, out: 'web\n' });
    expect(skiff(['ps', '-aq', '-f', 'name=web']).out).toBe('');
  });

  it('logs -f follows a running container until it stops', () => {
    const id = track(skiff(['run', '-d', 'busybox', 'sh', '-c', 'echo one; sleep 1; echo two >&2; sleep 1; echo three']).out.trim());
    const r = skiff(['logs', '-f', id], { timeout: 20_000 });
    expect(r).toMatchObject({ code: 0, out: 'one\nthree\n', err: 'two\n' });
    expect(skiff(['rm', id]).code).toBe(0);
  }, 30_000);

  it('logs of a running container returns at once', () => {
    const id = track(skiff(['run', '-d', 'busybox', 'sh', '-c', 'echo one; exec sleep 30']).out.trim());
    const r = skiff(['logs', id], { timeout: 5_000 });
    expect(r).toMatchObject({ code: 0, out: 'one\n' });
  }, 30_000);

  it('a named volume outlives the container that wrote to it', () => {
    track('writer');
    expect(skiff(['run', '--name', 'writer', '-v', 'keep:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']).code).toBe(0);
    expect(skiff(['rm', 'writer']).out).toBe('writer\n');
    expect(skiff(['run', '--rm', '-v', 'keep:/data', 'busybox', 'cat', '/data/f'])).toMatchObject({ code: 0, out: 'kept\n' });
    expect(skiff(['volume', 'ls', '-q']).out).toBe('keep\n');
    expect(skiff(['volume', 'rm', 'keep']).code).toBe(0);
  });

  it('-m 16m: a memory hog is OOM-killed, exit 137, State.OOMKilled true', () => {
    const r = skiff(['run', '--name', 'hog', '-m', '16m', 'busybox', 'sh', '-c', 'x=a; while true; do x=$x$x; done']);
    track('hog');
    expect(clean(r)).toEqual({ code: 137, out: '', err: '' });
    expect(skiff(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}}', 'hog']).out).toBe(`true 137 ${16 * 1024 * 1024}\n`);
    expect(skiff(['rm', 'hog']).code).toBe(0);
  });

  it('--pids-limit 10: a fork loop hits the limit', () => {
    const r = skiff(['run', '--rm', '--pids-limit', '10', 'busybox', 'sh', '-c', 'for i in $(seq 30); do sleep 30 & done; echo looped']);
    expect(errors(r)).toMatch(/can't fork/);
  });

  it('exec, top, stats, wait and rm -f with a running container', () => {
    const id = track(skiff(['run', '-d', '--name', 'box', 'busybox', 'sleep', '60']).out.trim());
    expect(skiff(['exec', 'box', 'cat', '/proc/1/cmdline'])).toMatchObject({ code: 0, out: 'sleep\x0060\x00' });
    expect(skiff(['exec', '-i', 'box', 'sh', '-c', 'cat; echo end'], { input: 'hi from stdin\n' })).toMatchObject({ code: 0, out: 'hi from stdin\nend\n' });
    expect(skiff(['exec', '-e', 'X=1', '-w', '/etc', '-u', '1000', 'box', 'sh', '-c', 'echo $X $(pwd) $(id -u); exit 5'])).toMatchObject({ code: 5, out: '1 /etc 1000\n' });
    expect(skiff(['exec', 'box', 'nosuchcommand']).code).toBe(127);
    const top = skiff(['top', 'box']).out.split('\n');
    expect(top[0]).toMatch(/^UID {17}PID {17}PPID {16}C {19}STIME {15}TTY {17}TIME {16}CMD$/);
    expect(top[1]).toMatch(/ sleep 60$/);
    const stats = skiff(['stats', '--no-stream', 'box']).out.split('\n');
    expect(stats[0]).toMatch(/^CONTAINER ID   NAME      CPU %     MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/);
    expect(stats[1]).toMatch(new RegExp(`^${id.slice(0, 12)}   box +\\d+\\.\\d\\d% +[\\d.]+[KMG]?i?B / [\\d.]+[KMG]iB +\\d+\\.\\d\\d% +0B / 0B +-- +1$`));
    const filter = skiff(['ps', '-f', 'colour=red']);
    expect([filter.code, filter.err]).toEqual([1, expect.stringMatching(/^Error: invalid filter 'colour'/)]);
    const running = skiff(['rm', 'box']);
    expect(running.code).toBe(1);
    expect(running.err).toMatch(/^Error: cannot remove container "\/box": container is running/);
    expect(skiff(['rm', '-f', 'box'])).toMatchObject({ code: 0, out: 'box\n' });
    expect(skiff(['ps', '-aq', '-f', `id=${id}`]).out).toBe('');
  });

  it('wait prints the exit code; kill sends a signal; restart and start -a run it again', () => {
    const id = track(skiff(['run', '-d', 'busybox', 'sh', '-c', 'sleep 1; exit 7']).out.trim());
    expect(skiff(['wait', id])).toMatchObject({ code: 0, out: '7\n' });
    expect(skiff(['start', id])).toMatchObject({ code: 0, out: `${id}\n` });
    expect(skiff(['kill', id])).toMatchObject({ code: 0, out: `${id}\n` });
    expect(skiff(['wait', id]).out).toBe('137\n');
    const c = skiff(['create', '--name', 'later', 'busybox', 'sh', '-c', 'echo hi; exit 4']);
    track('later');
    expect(c.out).toMatch(/^[0-9a-f]{64}\n$/);
    expect(skiff(['inspect', '-f', '{{.State.Status}}', 'later']).out).toBe('created\n');
    expect(skiff(['start', '-a', 'later'])).toMatchObject({ code: 4, out: 'hi\n' });
    expect(skiff(['restart', 'later'])).toMatchObject({ code: 0, out: 'later\n' });
    expect(skiff(['rm', '-f', id, 'later', 'nosuch'])).toMatchObject({ code: 0, out: `${id}\nlater\n` });
  });

  it('diff lists what the container changed: A, C, D', () => {
    skiff(['run', '--name', 'changer', 'busybox', 'sh', '-c', 'echo x > /etc/marker; rm /etc/group; mkdir /newdir']);
    track('changer');
    const lines = skiff(['diff', 'changer']).out.trim().split('\n');
    expect(lines).toEqual(expect.arrayContaining(['C /etc', 'A /etc/marker', 'D /etc/group', 'A /newdir']));
    skiff(['rm', 'changer']);
  });

  it('inspect finds a container first, then an image; --type narrows it', () => {
    skiff(['create', '--name', 'busybox', 'busybox', 'true']); // a container named like the image
    track('busybox');
    expect(skiff(['inspect', '-f', '{{.Name}} {{.State.Status}}', 'busybox']).out).toBe('/busybox created\n');
    expect(skiff(['inspect', '--type', 'image', '-f', '{{.Os}}', 'busybox']).out).toBe('linux\n');
    expect(skiff(['container', 'inspect', '-f', '{{.Config.Cmd}}', 'busybox']).out).toBe('[true]\n');
    expect(skiff(['image', 'inspect', '-f', '{{.Os}}', 'busybox']).out).toBe('linux\n');
    const none = skiff(['inspect', 'nothing-here']);
    expect([none.code, none.out]).toEqual([1, '[]\n']);
    expect(none.err).toMatch(/^Error: No such object: nothing-here\n$/);
    expect(skiff(['container', 'rm', 'busybox']).out).toBe('busybox\n');
  });

  it('the container group: container ls/list/ps, container run', () => {
    expect(skiff(['container', 'run', '--rm', 'busybox', 'echo', 'grouped'])).toMatchObject({ code: 0, out: 'grouped\n' });
    for (const ls of ['ls', 'list', 'ps']) expect(skiff(['container', ls, '-a']).out).toMatch(/^CONTAINER ID/);
  });

  it.each([
    [['stop', 'nosuch'], 1, /^Error: No such container: nosuch/],
    [['logs', 'nosuch'], 1, /^Error: No such container: nosuch/],
    [['exec', 'nosuch', 'true'], 1, /^Error: No such container: nosuch/],
    [['run', '--bogus', 'busybox'], 125, /^Error: unknown flag: --bogus/],
    [['run', '-m', 'lots', 'busybox'], 125, /^Error: invalid argument "lots" for "-m, --memory" flag: invalid size: 'lots'/],
    [['run', '-p', '80:x', 'busybox'], 125, /^Error: Invalid containerPort: x/],
    [['run', '--init', 'busybox'], 125, /^Error: --init is not available in Skiff yet/],
    [['run', '--rm', '--network', 'bridge2', 'busybox', 'true'], 125, /^Error: network bridge2 not found/],
    [['run', '-it', 'busybox', 'sh'], 1, /^Error: the input device is not a TTY\n$/],
    [['kill', '-s', 'NOPE', 'nosuch'], 1, /^Error: No such container: nosuch/],
  ])('%j fails with one clear line and Docker\'s code', (args, code, message) => {
    const r = skiff(args);
    expect(r.code).toBe(code);
    expect(errors(r)).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('a missing image is looked for in its registry first (here: one that is not there), exit 125', () => {
    const r = skiff(['run', '--rm', '127.0.0.1:9/nosuch']);
    expect(r.code).toBe(125);
    expect(r.err).toMatch(/^Unable to find image '127\.0\.0\.1:9\/nosuch:latest' locally\n/);
    expect(r.out).toBe('');
  });
});
