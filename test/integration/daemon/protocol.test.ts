// The daemon's and the client's wire formats on their own, no daemon, no root: frames, detach
// keys, routing, versions, filters, Docker's events and pull messages made from engine events,
// errors turned back into SkiffErrors, addresses, the pidfile.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiError } from '../../../src/client/http.ts';
import { FrameDecoder } from '../../../src/client/hijack.ts';
import { parseHost } from '../../../src/client/host.ts';
import { parseJson } from '../../../src/daemon/body.ts';
import { DockerEventMapper, eventMatches, parseEventTime } from '../../../src/daemon/docker-events.ts';
import { DetachWatch, detachKeyBytes, frame } from '../../../src/daemon/hijack.ts';
import { groupId, parseListenAddress } from '../../../src/daemon/listen.ts';
import { acquirePidfile } from '../../../src/daemon/pidfile.ts';
import { progressBar, PullProgress } from '../../../src/daemon/pull-progress.ts';
import { Router, splitTarget } from '../../../src/daemon/router.ts';
import { checkVersion, filtersParam, flag, statusOf } from '../../../src/daemon/wire.ts';
import { SkiffError } from '../../../src/engine/errors.ts';

describe('multiplexed frames', () => {
  it('round-trip through the decoder however the bytes are cut', () => {
    const bytes = Buffer.concat([frame('stdout', Buffer.from('hello ')), frame('stderr', Buffer.from('oops\n')), frame('stdout', Buffer.alloc(70_000, 0x61))]);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([1, 0, 0, 0, 0, 0, 0, 6]));
    for (const cut of [1, 7, 8, 9, 13, 4096]) {
      const d = new FrameDecoder();
      const out = [];
      for (let at = 0; at < bytes.length; at += cut) out.push(...d.push(bytes.subarray(at, at + cut)));
      expect(out.map((c) => [c.stream, c.data.length])).toEqual([['stdout', 6], ['stderr', 5], ['stdout', 70_000]]);
    }
  });
});

describe('detach keys', () => {
  it('parses moby/term specs', () => {
    expect(detachKeyBytes('ctrl-p,ctrl-q')).toEqual([16, 17]);
    expect(detachKeyBytes('ctrl-@,ctrl-[,ctrl-_,a')).toEqual([0, 27, 31, 97]);
    expect(() => detachKeyBytes('ctrl-p,shift-q')).toThrow(/Invalid detach keys/);
  });
  it('holds back a possible sequence, passes it on when it breaks, detaches when complete', () => {
    const w = new DetachWatch([16, 17]);
    expect(w.feed(Buffer.from('ab\x10'))).toEqual({ pass: Buffer.from('ab'), detach: false });
    expect(w.feed(Buffer.from('x'))).toEqual({ pass: Buffer.from('\x10x'), detach: false });
    expect(w.feed(Buffer.from('\x10\x10'))).toEqual({ pass: Buffer.from('\x10'), detach: false });
    expect(w.feed(Buffer.from('\x11rest'))).toEqual({ pass: Buffer.alloc(0), detach: true });
  });
});

describe('routing', () => {
  const r = new Router().add([
    { method: 'GET', path: '/images/json', handler: async () => ({ status: 200, json: 'list' }) },
    { method: 'GET', path: '/images/{name*}/json', handler: async () => ({ status: 200, json: 'inspect' }) },
    { method: 'DELETE', path: '/containers/{id}', handler: async () => ({ status: 204 }) },
  ]);
  it('splits version, path and query; cleans slashes', () => {
    expect(splitTarget('/v1.41/containers/json?all=1')).toMatchObject({ version: '1.41', path: '/containers/json' });
    expect(splitTarget('//containers//json/').path).toBe('/containers/json');
    expect(splitTarget('/version').version).toBeUndefined();
  });
  it('matches in order, image names with slashes, HEAD as GET; decodes parameters', async () => {
    expect(r.match('GET', '/images/json')?.params).toEqual([]);
    expect(r.match('GET', '/images/127.0.0.1:5000/lib/busybox:1/json')?.params).toEqual(['127.0.0.1:5000/lib/busybox:1']);
    expect(r.match('HEAD', '/images/x/json')).toBeDefined();
    expect(r.match('DELETE', '/containers/a%20b')?.params).toEqual(['a b']);
    expect(r.match('DELETE', '/containers/a/b')).toBeUndefined();
    expect(r.match('POST', '/images/json')).toBeUndefined();
    expect(() => r.match('DELETE', '/containers/%E0%A4%A')).toThrow(/invalid escape/);
  });
});

describe('versions, flags, filters, bodies, status codes', () => {
  it('accepts 1.24 to 1.41 with Docker\'s messages outside', () => {
    expect(() => checkVersion('1.41')).not.toThrow();
    expect(() => checkVersion('1.24')).not.toThrow();
    expect(() => checkVersion('1.43')).toThrow('client version 1.43 is too new. Maximum supported API version is 1.41');
    expect(() => checkVersion('1.9')).toThrow(/client version 1.9 is too old/);
    expect(() => checkVersion('1.')).toThrow(/invalid API version/);
  });
  it('reads booleans as Go does and filters in both shapes', () => {
    const q = new URLSearchParams('a=1&b=0&c=false&d=&e=yes&f=none');
    expect(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => flag(q, k))).toEqual([true, false, false, false, true, false, false]);
    expect(filtersParam(new URLSearchParams({ filters: '{"status":["running"],"label":{"a=b":true,"c":false}}' }))).toEqual({ status: ['running'], label: ['a=b'] });
    expect(() => filtersParam(new URLSearchParams({ filters: '[1]' }))).toThrow(SkiffError);
  });
  it('parses JSON bodies or says why not', () => {
    expect(parseJson(Buffer.alloc(0), 'application/json')).toBeUndefined();
    expect(parseJson(Buffer.from('{"a":1}'), undefined)).toEqual({ a: 1 });
    expect(() => parseJson(Buffer.from('{'), 'application/json')).toThrow(/malformed JSON/);
    expect(() => parseJson(Buffer.from('{}'), 'text/plain')).toThrow(/unsupported Content-Type/);
  });
  it('maps error kinds to Docker\'s statuses', () => {
    expect(statusOf(new SkiffError('CONTAINER_NOT_FOUND', 'x'))).toBe(404);
    expect(statusOf(new SkiffError('NOT_RUNNING', 'x'))).toBe(409);
    expect(statusOf(new SkiffError('USAGE', 'x'))).toBe(400);
    expect(statusOf(new SkiffError('RUNTIME', 'x'))).toBe(500);
    expect(statusOf(new Error('boom'))).toBe(500);
  });
});

describe("Docker's events from the engine's", () => {
  const lookup = (id: string) => (id === 'c1' ? { name: 'web', image: 'busybox', labels: { tier: 'front' } } : undefined);
  it('says a stop as kill (15), die, stop; keeps the old status/id/from fields', () => {
    const m = new DockerEventMapper(lookup);
    const at = 1_700_000_000_123;
    const out = [
      ...m.map({ type: 'container.signal', id: 'c1', signal: 'SIGTERM', action: 'stop' }, at),
      ...m.map({ type: 'container.exit', id: 'c1', exitCode: 143, signal: 'SIGTERM', oomKilled: false, reason: 'signaled' }, at),
    ];
    expect(out.map((e) => e.Action)).toEqual(['kill', 'die', 'stop']);
    expect(out[0]).toMatchObject({ Type: 'container', status: 'kill', id: 'c1', from: 'busybox', Actor: { ID: 'c1', Attributes: { signal: '15', name: 'web', image: 'busybox', tier: 'front' } }, scope: 'local', time: 1_700_000_000, timeNano: at * 1e6 });
    expect(out[1]!.Actor.Attributes.exitCode).toBe('143');
    // the next exit without a stop is a die alone; an OOM kill comes first as oom
    expect(m.map({ type: 'container.exit', id: 'c1', exitCode: 137, oomKilled: true, reason: 'oom' }).map((e) => e.Action)).toEqual(['oom', 'die']);
  });
  it('names exec, image and volume events as dockerd does', () => {
    const m = new DockerEventMapper(lookup);
    expect(m.map({ type: 'runtime.process', id: 'c1', hostPid: 9, pid: 5, argv: ['sh', '-c', 'x'], execId: 'e1' })[0]).toMatchObject({ Action: 'exec_start: sh -c x', Actor: { Attributes: { execID: 'e1' } } });
    expect(m.map({ type: 'runtime.process', id: 'c1', hostPid: 9, pid: 1, argv: ['sh'] })).toEqual([]);
    expect(m.map({ type: 'pull.done', pullId: 'p', ref: 'docker.io/library/busybox:latest', imageId: 'sha256:a', manifestDigest: 'sha256:b', upToDate: false, ms: 1 })[0]).toMatchObject({ Type: 'image', Action: 'pull', Actor: { ID: 'busybox:latest', Attributes: { name: 'busybox' } } });
    expect(m.map({ type: 'image.tag', ref: 'docker.io/learner/box:1', imageId: 'sha256:a' })[0]).toMatchObject({ Action: 'tag', Actor: { ID: 'sha256:a', Attributes: { name: 'learner/box:1' } } });
    const v = m.map({ type: 'volume.create', name: 'v1' })[0]!;
    expect(v).toMatchObject({ Type: 'volume', Action: 'create', Actor: { ID: 'v1', Attributes: { driver: 'local' } } });
    expect(v.status).toBeUndefined();
    expect(eventMatches(v, { type: ['volume'], volume: ['v1'] })).toBe(true);
    expect(eventMatches(v, { type: ['container'] })).toBe(false);
    expect(parseEventTime('1700000000.5')).toBe(1_700_000_000_500_000_000);
    expect(parseEventTime('soon')).toBeUndefined();
  });
});

describe('pull progress from pull events', () => {
  it('says Docker\'s lines in Docker\'s order, Already exists for a stored layer', () => {
    const p = new PullProgress('docker.io/library/busybox:latest', 'library/busybox', 'latest');
    const layer = (digest: string, phase: string, current = 0) => ({ type: 'pull.layer' as const, pullId: 'x', digest: `sha256:${digest.repeat(64).slice(0, 64)}`, phase: phase as 'waiting', current, total: 100 });
    const lines = [
      { type: 'pull.start' as const, pullId: 'other', ref: 'docker.io/library/alpine:latest' },
      { type: 'pull.start' as const, pullId: 'x', ref: 'docker.io/library/busybox:latest' },
      { type: 'pull.manifest' as const, pullId: 'x', digest: 'sha256:i', mediaType: 'index', platforms: ['linux/amd64'], chosen: 'linux/amd64' },
      { type: 'pull.manifest' as const, pullId: 'x', digest: 'sha256:m', mediaType: 'manifest' },
      layer('a', 'waiting'), layer('b', 'waiting'), layer('b', 'exists', 100),
      layer('a', 'downloading', 50), layer('a', 'extracting', 100), layer('a', 'verifying', 100), layer('a', 'complete', 100),
    ].flatMap((e) => p.map(e)).map((m) => `${m.id ?? ''} ${m.status}`);
    expect(lines).toEqual([
      'latest Pulling from library/busybox', 'bbbbbbbbbbbb Already exists', 'aaaaaaaaaaaa Pulling fs layer', 'aaaaaaaaaaaa Downloading',
      'aaaaaaaaaaaa Verifying Checksum', 'aaaaaaaaaaaa Download complete', 'aaaaaaaaaaaa Extracting', 'aaaaaaaaaaaa Pull complete',
    ]);
    expect(progressBar(50, 100)).toBe(`[${'='.repeat(24)}>${' '.repeat(25)}]      50B/100B`);
    expect(PullProgress.finished({ manifestDigest: 'sha256:m', upToDate: true }, 'busybox:latest').map((m) => m.status)).toEqual(['Digest: sha256:m', 'Status: Image is up to date for busybox:latest']);
  });
});

describe('the client side', () => {
  it('turns error answers into SkiffErrors: Skiff\'s own code, or one worked out for dockerd', () => {
    expect(apiError(409, '{"message":"m","code":"CONFLICT","hint":"h","exitCode":127}', '/v1.41/x')).toMatchObject({ code: 'CONFLICT', message: 'm', hint: 'h', exitCode: 127 });
    expect(apiError(404, '{"message":"No such container: x"}', '/v1.41/containers/x/json').code).toBe('CONTAINER_NOT_FOUND');
    expect(apiError(404, '{"message":"No such image: x:1"}', '/v1.41/containers/create').code).toBe('IMAGE_NOT_FOUND');
    expect(apiError(404, '{"message":"no such exec"}', '/v1.41/exec/x/json').code).toBe('EXEC_NOT_FOUND');
    expect(apiError(409, '{"message":"Container abc is not running"}', '/v1.41/containers/x/kill').code).toBe('NOT_RUNNING');
    expect(apiError(500, 'plain text', '/x')).toMatchObject({ code: 'RUNTIME', message: 'plain text' });
  });
  it('reads -H / DOCKER_HOST addresses', () => {
    expect(parseHost('unix:///run/skiff/skiff.sock', false)).toEqual({ kind: 'unix', socketPath: '/run/skiff/skiff.sock', url: 'unix:///run/skiff/skiff.sock' });
    expect(parseHost('tcp://127.0.0.1', true)).toMatchObject({ kind: 'tcp', origin: 'https://127.0.0.1:2376', tls: true });
    expect(parseHost('tcp://10.0.0.1:2375', false)).toMatchObject({ origin: 'http://10.0.0.1:2375' });
    expect(() => parseHost('ssh://me@host', false)).toThrow(/unsupported daemon address/);
  });
});

describe('the daemon\'s listeners and pidfile', () => {
  it('reads listen addresses', () => {
    expect(parseListenAddress('unix://', false)).toEqual({ kind: 'unix', path: '/run/skiff/skiff.sock' });
    expect(parseListenAddress('tcp://:2376', true)).toEqual({ kind: 'tcp', host: '0.0.0.0', port: 2376 });
    expect(parseListenAddress('tcp://127.0.0.1', false)).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 2375 });
    expect(() => parseListenAddress('fd://', false)).toThrow(/unsupported listen address/);
  });
  it('finds groups by name or number', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-group-'));
    try {
      fs.writeFileSync(path.join(dir, 'group'), 'root:x:0:\ndocker:x:106:learner\n');
      expect(groupId('docker', path.join(dir, 'group'))).toBe(106);
      expect(groupId('nope', path.join(dir, 'group'))).toBeUndefined();
      expect(groupId('42')).toBe(42);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('refuses a live pidfile, takes over a stale one, removes only its own', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-pidfile-'));
    const file = path.join(dir, 'd.pid');
    try {
      fs.writeFileSync(file, `${process.ppid}\n`); // a live process that is not us
      expect(() => acquirePidfile(file)).toThrow(`another Skiff daemon is running (pid ${process.ppid}, pidfile ${file})`);
      fs.writeFileSync(file, '2147483646\n'); // nobody
      const release = acquirePidfile(file);
      expect(fs.readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
      release();
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
