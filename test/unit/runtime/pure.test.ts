// The runtime's pure rules: users from the container's passwd, command lookup with Docker's exit
// codes, paths that can never leave the root, and mount(8) words as mount(2) flags.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { effectiveCaps, DOCKER_DEFAULT_CAPS } from '../../../src/kernel/capabilities.ts';
import { flagWords, MS, parseMountOptions } from '../../../src/kernel/mount.ts';
import { findExecutable } from '../../../src/engine/runtime/init/process.ts';
import { parseGroup, parsePasswd, resolveUser } from '../../../src/engine/runtime/init/user.ts';
import { secureJoin } from '../../../src/engine/runtime/securejoin.ts';

const passwd = parsePasswd('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n# comment\nbroken line\n');
const groups = parseGroup('root:x:0:\nwheel:x:10:app,root\nstaff:x:50:app\napp:x:1000:\n');

describe('resolveUser (runc\'s rules, against the container\'s files)', () => {
  it.each([
    ['', { uid: 0, gid: 0, home: '/root' }],
    ['app', { uid: 1000, gid: 1000, groups: [10, 50], home: '/home/app' }],
    ['1000', { uid: 1000, gid: 1000, groups: [10, 50] }],
    ['4242', { uid: 4242, gid: 0, groups: [], home: '/' }],
    ['app:staff', { uid: 1000, gid: 50, groups: [] }],
    ['nobody:0', { uid: 65534, gid: 0, home: '/nonexistent' }],
    ['5:6', { uid: 5, gid: 6, groups: [] }],
  ])('%j', (spec, want) => {
    expect(resolveUser(spec, passwd, groups)).toMatchObject(want);
  });
  it.each([['ghost', /unable to find user ghost/], ['app:nogroup', /unable to find group nogroup/]])('%j fails', (spec, re) => {
    expect(() => resolveUser(spec, passwd, groups)).toThrow(re);
  });
});

describe('findExecutable', () => {
  const files: Record<string, 'exec' | 'noexec' | 'dir' | 'missing'> = { '/bin/sh': 'exec', '/usr/bin/data': 'noexec', '/opt': 'dir' };
  const probe = (p: string) => files[p] ?? 'missing';
  it('searches PATH for a bare name and takes a path as it is', () => {
    expect(findExecutable('sh', ['PATH=/usr/bin:/bin'], probe)).toBe('/bin/sh');
    expect(findExecutable('/bin/sh', [], probe)).toBe('/bin/sh');
  });
  it('gives 127 for not found, 126 for not executable or a directory', () => {
    expect(() => findExecutable('nope', ['PATH=/bin'], probe)).toThrow(expect.objectContaining({ exitCode: 127, message: 'exec: "nope": executable file not found in $PATH' }));
    expect(() => findExecutable('data', ['PATH=/usr/bin'], probe)).toThrow(expect.objectContaining({ exitCode: 126 }));
    expect(() => findExecutable('/opt', [], probe)).toThrow(expect.objectContaining({ exitCode: 126 }));
    expect(() => findExecutable('/x/y', [], probe)).toThrow(expect.objectContaining({ exitCode: 127 }));
  });
});

describe('secureJoin: every path stays inside the root', () => {
  it('follows symlinks as the container will see them', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-sj-'));
    try {
      fs.mkdirSync(path.join(root, 'etc'));
      fs.symlinkSync('/etc', path.join(root, 'abs'));
      fs.symlinkSync('../../../../..', path.join(root, 'up'));
      fs.symlinkSync('etc', path.join(root, 'rel'));
      fs.symlinkSync('loop', path.join(root, 'loop'));
      expect(secureJoin(root, '/abs/passwd')).toBe(path.join(root, 'etc/passwd'));
      expect(secureJoin(root, '/up/etc/shadow')).toBe(path.join(root, 'etc/shadow'));
      expect(secureJoin(root, '/../../etc/x')).toBe(path.join(root, 'etc/x'));
      expect(secureJoin(root, '/rel/hosts')).toBe(path.join(root, 'etc/hosts'));
      expect(secureJoin(root, '/missing/deep/path')).toBe(path.join(root, 'missing/deep/path'));
      expect(() => secureJoin(root, '/loop/x')).toThrow(/too many symlinks/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('mount options', () => {
  it('turns mount(8) words into flags, data and propagation', () => {
    expect(parseMountOptions(['nosuid', 'nodev', 'mode=755', 'size=65536k'])).toEqual({ flags: MS.NOSUID | MS.NODEV, propagation: 0, data: 'mode=755,size=65536k' });
    expect(parseMountOptions(['rbind', 'ro', 'rslave'])).toEqual({ flags: MS.BIND | MS.REC | MS.RDONLY, propagation: MS.SLAVE | MS.REC, data: '' });
    expect(parseMountOptions(['ro', 'rw', 'defaults'])).toEqual({ flags: 0, propagation: 0, data: '' });
    expect(flagWords(MS.BIND | MS.REC | MS.RDONLY | MS.NOSUID)).toEqual(['rbind', 'ro', 'nosuid']);
    expect(flagWords(MS.REC | MS.SLAVE)).toEqual(['rslave']);
  });
});

describe('capabilities', () => {
  it('starts from Docker\'s 14, drops, then adds (ALL works both ways)', () => {
    expect(effectiveCaps()).toHaveLength(14);
    expect(effectiveCaps([], ['NET_RAW'])).not.toContain('CAP_NET_RAW');
    expect(effectiveCaps(['sys_admin'])).toContain('CAP_SYS_ADMIN');
    expect(effectiveCaps(['CHOWN'], ['ALL'])).toEqual(['CAP_CHOWN']);
    expect(effectiveCaps(['ALL']).length).toBeGreaterThan(38);
    expect(() => effectiveCaps(['NOPE'])).toThrow(/unknown capability/);
    expect(DOCKER_DEFAULT_CAPS.reduce((m, c) => m | (1n << BigInt(['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP'].indexOf(c))), 0n).toString(16)).toBe('a80425fb');
  });
});
