// `skiff volume ...` as a user runs it: the bundled CLI in a child process, Docker's output shapes
// and exit codes, volumes kept under --data-root. Twice: with the engine in the command's own
// process (SKIFF_NO_DAEMON: needs no root, volumes are plain directories), and asking the daemon
// (the Engine API's /volumes endpoints, as the docker CLI asks them: root starts the daemon).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../helpers/runtime.ts';
import { stopDaemonOf } from '../helpers/skiffd.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/skiff.js');

const modes = [
  { mode: 'in this process', env: { SKIFF_NO_DAEMON: '1' }, skip: false },
  { mode: 'through the daemon (needs root: it starts the daemon)', env: { SKIFF_NO_DAEMON: '' }, skip: !isRoot },
];

describe.each(modes)('skiff volume, $mode', ({ env, skip }) => {
  let root: string;

  function skiff(...args: string[]): { code: number; out: string; err: string } {
    const r = spawnSync(process.execPath, [bin, '--data-root', root, 'volume', ...args], { encoding: 'utf8', input: '', env: { ...process.env, SKIFF_DEBUG: '', ...env } });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  }

  beforeAll(() => {
    execFileSync(process.execPath, [path.join(repo, 'scripts/build.mjs'), '--if-stale']);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-volume-e2e-'));
    // The daemon is started first: what the commands print is then theirs alone.
    if (!env.SKIFF_NO_DAEMON && !skip) spawnSync(process.execPath, [bin, '--data-root', root, 'version'], { env: { ...process.env, ...env }, input: '' });
  });
  afterAll(async () => {
    if (!root) return;
    if (!env.SKIFF_NO_DAEMON) await stopDaemonOf(root);
    fs.rmSync(root, { recursive: true, force: true });
  });

  let anon: string;

  it.skipIf(skip)('creates named, labelled and anonymous volumes and prints each name', () => {
    expect(skiff('create', 'mydata')).toEqual({ code: 0, out: 'mydata\n', err: '' });
    expect(skiff('create', '--name', 'tagged', '--label', 'env=dev')).toEqual({ code: 0, out: 'tagged\n', err: '' });
    const r = skiff('create');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^[0-9a-f]{64}\n$/);
    anon = r.out.trim();
    expect(skiff('create', 'mydata').out).toBe('mydata\n'); // exists: returned as it is
  });

  it.skipIf(skip)('lists them in a DRIVER / VOLUME NAME table, sorted, and filters', () => {
    const lines = skiff('ls').out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^DRIVER\s+VOLUME NAME$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual([['local', anon], ['local', 'mydata'], ['local', 'tagged']]);
    expect(skiff('ls', '-q').out).toBe(`${anon}\nmydata\ntagged\n`);
    expect(skiff('ls', '-q', '--filter', 'label=env=dev').out).toBe('tagged\n');
    expect(skiff('list', '-q', '-f', 'name=data', '-f', 'dangling=true').out).toBe('mydata\n');
  });

  it.skipIf(skip)('inspects as a JSON array with 4-space indents, or one field with -f', () => {
    const r = skiff('inspect', 'tagged');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\[\n {4}\{\n {8}"CreatedAt": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",\n {8}"Driver": "local",\n {8}"Labels": \{\n {12}"env": "dev"\n {8}\},\n/);
    const [v] = JSON.parse(r.out);
    expect(v).toMatchObject({ Name: 'tagged', Driver: 'local', Scope: 'local', Options: null, Mountpoint: path.join(root, 'volumes', 'tagged', '_data') });
    expect(skiff('inspect', '-f', '{{.Name}} {{.Mountpoint}}', 'mydata').out).toBe(`mydata ${path.join(root, 'volumes', 'mydata', '_data')}\n`);
    expect(JSON.parse(skiff('inspect', anon).out)[0].Labels).toEqual({ 'com.docker.volume.anonymous': '' });
  });

  it.skipIf(skip).each([
    [['inspect', 'nope'], 1, '[]\n', /^Error: No such volume: nope \(/],
    [['rm', 'nope'], 1, '', /^Error: No such volume: nope \(/],
    [['create', 'a b'], 1, '', /^Error: create a b: "a b" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed \(/],
    [['create', '-d', 'nfs', 'x1'], 1, '', /^Error: plugin "nfs" not found \(Skiff has only the local volume driver/],
    [['ls', '--filter', 'colour=red'], 1, '', /^Error: invalid filter 'colour' \(/],
    [['ls', '--filter', 'dangling'], 125, '', /^Error: bad format of filter \(expected name=value\)/],
    [['prune'], 125, '', /^Error: volume prune asks before deleting, and standard input is not a terminal to answer on \(add -f \(--force\) to prune without asking\)\n$/],
    [['rm'], 1, '', /^"skiff volume rm" requires at least 1 argument/],
  ])('%j fails with one clear line', (args, code, out, err) => {
    const r = skiff(...args);
    expect(r.code).toBe(code);
    expect(r.out).toBe(out);
    expect(r.err).toMatch(err);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it.skipIf(skip)('prunes anonymous volumes only, then with -a the named ones, telling the space reclaimed', () => {
    fs.writeFileSync(path.join(root, 'volumes', anon, '_data', 'blob'), Buffer.alloc(1_200_000));
    expect(skiff('prune', '-f')).toEqual({ code: 0, out: `Deleted Volumes:\n${anon}\n\nTotal reclaimed space: 1.2MB\n`, err: '' });
    expect(skiff('prune', '-f')).toEqual({ code: 0, out: 'Total reclaimed space: 0B\n', err: '' });
    expect(skiff('ls', '-q').out).toBe('mydata\ntagged\n');
    expect(skiff('prune', '-af').out).toBe('Deleted Volumes:\nmydata\ntagged\n\nTotal reclaimed space: 0B\n');
    expect(skiff('ls', '-q').out).toBe('');
  });

  it.skipIf(skip)('removes volumes by name, printing each; -f forgives a missing one (and prints it, as Docker does)', () => {
    skiff('create', 'r1');
    skiff('create', 'r2');
    expect(skiff('rm', 'r1', 'nope', 'r2')).toMatchObject({ code: 1, out: 'r1\nr2\n' });
    expect(skiff('rm', '-f', 'nope')).toEqual({ code: 0, out: 'nope\n', err: '' });
    expect(fs.readdirSync(path.join(root, 'volumes'))).toEqual([]);
  });
});
