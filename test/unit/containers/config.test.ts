// Docker's merge of image config and create request, its resource flags, status words and logs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { limitsOf, mergeConfig, processEnv, statusText, freshState } from '../../../src/engine/containers/config.ts';
import { LogWriter, readLogs } from '../../../src/engine/containers/logs.ts';
import { checkContainerName, generateName } from '../../../src/engine/containers/names.ts';
import { containerResolvConf } from '../../../src/engine/containers/service.ts';
import { reportEvents } from '../../../src/engine/containers/reports.ts';

const image = { Env: ['PATH=/img/bin', 'LANG=C'], Cmd: ['/bin/sh'], Entrypoint: null, WorkingDir: '/srv', User: 'app', Labels: { a: '1' }, Volumes: { '/data': {} } };
const opts = { hostname: 'abcdef123456', imageName: 'busybox' };

describe('mergeConfig', () => {
  it('lets the user win and the image fill in', () => {
    const m = mergeConfig({ Image: 'busybox', Env: ['LANG=fr', 'X=1'], Labels: { b: '2' } }, image, opts);
    expect(m.config.Env).toEqual(['LANG=fr', 'X=1', 'PATH=/img/bin']);
    expect([m.path, m.args]).toEqual(['/bin/sh', []]);
    expect(m.config).toMatchObject({ WorkingDir: '/srv', User: 'app', Hostname: 'abcdef123456', Labels: { a: '1', b: '2' }, Volumes: { '/data': {} } });
  });
  it('follows Docker\'s entrypoint/cmd rules', () => {
    const ep = { ...image, Entrypoint: ['/entry'], Cmd: ['default'] };
    expect(mergeConfig({ Image: 'x' }, ep, opts)).toMatchObject({ path: '/entry', args: ['default'] });
    expect(mergeConfig({ Image: 'x', Cmd: ['mine'] }, ep, opts)).toMatchObject({ path: '/entry', args: ['mine'] });
    expect(mergeConfig({ Image: 'x', Entrypoint: ['/other'] }, ep, opts)).toMatchObject({ path: '/other', args: [] });
    expect(mergeConfig({ Image: 'x', Entrypoint: [''], Cmd: ['echo', 'hi'] }, ep, opts)).toMatchObject({ path: 'echo', args: ['hi'] });
    expect(() => mergeConfig({ Image: 'x' }, { Cmd: null }, opts)).toThrow('No command specified');
    expect(() => mergeConfig({ Image: 'x', WorkingDir: 'rel' }, image, opts)).toThrow(/absolute path/);
  });
  it('gives the process Docker\'s default environment', () => {
    expect(processEnv({ Hostname: 'h', Env: ['A=1'], Tty: true })).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=h', 'TERM=xterm', 'A=1']);
    expect(processEnv({ Hostname: 'h', Env: ['PATH=/x', 'HOSTNAME=mine'] })).toEqual(['PATH=/x', 'HOSTNAME=mine']);
  });
});

describe('limitsOf', () => {
  it('turns Docker\'s HostConfig into kernel units', () => {
    expect(limitsOf({ Memory: 64 << 20, NanoCpus: 0.5e9, PidsLimit: 20 }, 2)).toEqual({ memory: 64 << 20, cpuPeriod: 100000, cpuQuota: 50000, pidsLimit: 20 });
    expect(limitsOf({ CpuQuota: 20000, CpuPeriod: 50000, CpuShares: 512, PidsLimit: -1 }, 2)).toEqual({ cpuQuota: 20000, cpuPeriod: 50000, cpuShares: 512 });
  });
  it.each([
    [{ NanoCpus: 3e9 }, /Range of CPUs is from 0.01 to 2.00/],
    [{ NanoCpus: 1e9, CpuQuota: 1 }, /cannot both be set/],
    [{ MemorySwap: 1 << 30 }, /always set the Memory limit/],
    [{ Memory: 64 << 20, MemorySwap: 32 << 20 }, /larger than memory limit/],
  ])('refuses %j', (h, re) => expect(() => limitsOf(h, 2)).toThrow(re));
});

describe('status words, names, resolv.conf', () => {
  it('reads like docker ps', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');
    expect(statusText({ ...freshState(), Status: 'running', StartedAt: '2026-01-01T00:09:58Z' }, now)).toBe('Up 2 seconds');
    expect(statusText({ ...freshState(), Status: 'exited', ExitCode: 3, FinishedAt: '2026-01-01T00:05:00Z' }, now)).toBe('Exited (3) 5 minutes ago');
    expect(statusText(freshState(), now)).toBe('Created');
  });
  it('checks and makes names', () => {
    expect(checkContainerName('/web_1')).toBe('web_1');
    expect(() => checkContainerName('a')).toThrow(/Invalid container name/);
    expect(() => checkContainerName('no/slash')).toThrow(/Invalid container name/);
    expect(generateName()).toMatch(/^[a-z]+_[a-z]+$/);
    expect(generateName(1)).toMatch(/^[a-z]+_[a-z]+\d$/);
  });
  it('drops host-only nameservers from resolv.conf, falling back to public ones', () => {
    expect(containerResolvConf('nameserver 127.0.0.53\noptions edns0\n')).toBe('options edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    expect(containerResolvConf('search lan\nnameserver 10.0.0.1\n')).toBe('search lan\nnameserver 10.0.0.1\n');
  });
});

describe('json-file logs', () => {
  it('splits lines per stream, keeps partial lines, filters and tails', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-logs-'));
    try {
      const file = path.join(dir, 'x-json.log');
      const w = new LogWriter(file);
      w.write('stdout', 'one\ntw');
      w.write('stderr', 'err\n');
      w.write('stdout', 'o\nthree');
      w.close();
      const all = [];
      for await (const e of readLogs(file, {})) all.push([e.stream, e.log]);
      expect(all).toEqual([['stdout', 'one\n'], ['stderr', 'err\n'], ['stdout', 'two\n'], ['stdout', 'three']]);
      const out = [];
      for await (const e of readLogs(file, { stderr: false, tail: 2 })) out.push(e.log);
      expect(out).toEqual(['two\n', 'three']);
      expect(JSON.parse(fs.readFileSync(file, 'utf8').split('\n')[0]!).time).toMatch(/^\d{4}-\d\d-\d\dT[\d:]+\.\d{9}Z$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reports → events', () => {
  const ctx = { id: 'c1', hostNs: { pid: 1, net: 2, mnt: 3 }, driver: 'overlay' as const, lowerdirs: ['/l'], upperdir: '/u', cgroupVersion: 1 as const };
  it('says which namespaces are new and which are the host\'s', () => {
    expect(reportEvents(ctx, { t: 'hello', hostPid: 9, ns: { pid: 10, net: 2 } })).toEqual([
      { type: 'runtime.namespace', id: 'c1', ns: 'pid', inode: 10, hostInode: 1, mode: 'new' },
      { type: 'runtime.namespace', id: 'c1', ns: 'net', inode: 2, hostInode: 2, mode: 'host' },
    ]);
  });
  it('turns steps into mount, device, pivot_root and hostname events; skipped steps into none', () => {
    expect(reportEvents(ctx, { t: 'step', ms: 1, step: { do: 'mknod', path: '/dev/null', major: 1, minor: 3, mode: 0o666 } })).toEqual([{ type: 'runtime.device', id: 'c1', path: '/dev/null', major: 1, minor: 3 }]);
    expect(reportEvents(ctx, { t: 'step', ms: 1, step: { do: 'mask', path: '/proc/acpi' }, detail: { skipped: 'not present' } })).toEqual([]);
    const rootfs = reportEvents(ctx, { t: 'step', ms: 2, step: { do: 'mount-rootfs', mounts: [], target: '/r' }, detail: { source: 'overlay', fstype: 'overlay', flags: [] } });
    expect(rootfs.map((e) => e.type)).toEqual(['runtime.rootfs', 'runtime.mount']);
    expect(reportEvents(ctx, { t: 'step', ms: 1, step: { do: 'hostname', name: 'h' } })).toEqual([{ type: 'runtime.hostname', id: 'c1', hostname: 'h' }]);
  });
});
