import { describe, expect, it } from 'vitest';
import { isSkiffError } from '../../../src/engine/errors.ts';
import { splitCsv } from '../../../src/engine/volumes/csv.ts';
import { cleanPath, type MountRequest, parseMountFlag, parseMountFlags, parseVolumeFlag, validMountMode } from '../../../src/engine/volumes/spec.ts';

function failure(fn: () => unknown): { message: string; hint?: string } {
  try {
    fn();
  } catch (e) {
    if (!isSkiffError(e, 'USAGE')) throw e;
    return { message: e.message, hint: e.hint };
  }
  throw new Error('expected a USAGE error');
}

describe('-v / --volume', () => {
  it.each<[string, Omit<MountRequest, 'fromFlag'>]>([
    ['/data', { type: 'volume', destination: '/data', readOnly: false }],
    ['/data/', { type: 'volume', destination: '/data', readOnly: false }],
    ['mydata:/var/lib/data', { type: 'volume', source: 'mydata', destination: '/var/lib/data', readOnly: false }],
    ['my_data.v-2:/d:ro', { type: 'volume', source: 'my_data.v-2', destination: '/d', readOnly: true }],
    ['db:/d:rw', { type: 'volume', source: 'db', destination: '/d', readOnly: false }],
    ['db:/d:nocopy', { type: 'volume', source: 'db', destination: '/d', readOnly: false, noCopy: true }],
    ['db:/d:ro,nocopy,Z', { type: 'volume', source: 'db', destination: '/d', readOnly: true, noCopy: true }],
    ['/srv/www:/usr/share/html', { type: 'bind', source: '/srv/www', destination: '/usr/share/html', readOnly: false }],
    ['/srv/www/:/x/./y/:ro,z', { type: 'bind', source: '/srv/www', destination: '/x/y', readOnly: true }],
    ['/srv:/x:rprivate', { type: 'bind', source: '/srv', destination: '/x', readOnly: false }],
    ['/srv:/x:cached', { type: 'bind', source: '/srv', destination: '/x', readOnly: false }],
  ])('%s', (raw, want) => {
    expect(parseVolumeFlag(raw)).toEqual({ ...want, fromFlag: 'volume' });
  });

  it('resolves ./ and . against the working directory, as Docker\'s CLI does', () => {
    expect(parseVolumeFlag('./site:/www:ro', { cwd: '/home/me/proj' })).toEqual({ type: 'bind', source: '/home/me/proj/site', destination: '/www', readOnly: true, fromFlag: 'volume' });
    expect(parseVolumeFlag('.:/src', { cwd: '/home/me/proj' }).source).toBe('/home/me/proj');
    expect(parseVolumeFlag('../up:/src', { cwd: '/home/me/proj' }).source).toBe('/home/me/up');
  });

  it.each<[string, RegExp, RegExp?]>([
    ['', /^invalid volume specification: ''$/],
    [':/x', /^invalid volume specification: ':\/x'$/],
    ['a:/b:ro:extra', /^invalid volume specification: 'a:\/b:ro:extra'$/],
    ['/data:ro', /^invalid volume specification: '\/data:ro'$/, /anonymous volume takes no options/],
    ['x', /^invalid volume specification: 'x': invalid mount config for type "volume": invalid mount path: 'x' mount path must be absolute$/, /absolute path/],
    ['db:data', /^invalid volume specification: 'db:data': invalid mount config for type "volume": invalid mount path: 'data' mount path must be absolute$/],
    ['/host:/', /^invalid volume specification: '\/host:\/': invalid mount config for type "bind": invalid specification: destination can't be '\/'$/],
    ['db:/x/..', /destination can't be '\/'/],
    ['db:/d:rx', /^invalid mode: rx$/, /ro or rw/],
    ['db:/d:ro,rw', /^invalid mode: ro,rw$/],
    ['db:/d:z,Z', /^invalid mode: z,Z$/],
    ['/h:/d:nocopy', /^invalid volume specification: '\/h:\/d:nocopy': invalid mount config for type "bind": field VolumeOptions must not be specified$/, /never copies/],
    ['/h:/d:shared', /^mount propagation 'shared' is not supported by Skiff$/, /rprivate/],
    ['./data:/d', /^create \.\/data: "\.\/data" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed$/, /absolute path/],
    ['data/sub:/d', /includes invalid characters for a local volume name/, /absolute path/],
    ['x:/d', /^create x: "x" includes invalid characters/],
    ['my vol:/d', /^create my vol: "my vol" includes invalid characters/],
    ['-db:/d', /^create -db: "-db" includes invalid characters/],
  ])('refuses %j', (raw, message, hint) => {
    const f = failure(() => parseVolumeFlag(raw));
    expect(f.message).toMatch(message);
    expect(f.hint).toBeTruthy();
    if (hint) expect(f.hint).toMatch(hint);
  });
});

describe('--mount', () => {
  it.each<[string, Omit<MountRequest, 'fromFlag'>]>([
    ['type=volume,source=db,target=/d', { type: 'volume', source: 'db', destination: '/d', readOnly: false }],
    ['source=db,target=/d', { type: 'volume', source: 'db', destination: '/d', readOnly: false }],
    ['src=db,dst=/d,readonly', { type: 'volume', source: 'db', destination: '/d', readOnly: true }],
    ['src=db,destination=/d,ro=true,volume-nocopy', { type: 'volume', source: 'db', destination: '/d', readOnly: true, noCopy: true }],
    ['src=db,target=/d,ro=0,volume-nocopy=false', { type: 'volume', source: 'db', destination: '/d', readOnly: false }],
    ['target=/cache', { type: 'volume', destination: '/cache', readOnly: false }],
    ['type=BIND,source=/srv/a,target=/a/', { type: 'bind', source: '/srv/a', destination: '/a', readOnly: false }],
    ['type=bind,"source=/srv/a,b",target=/ab,bind-propagation=rprivate,consistency=cached', { type: 'bind', source: '/srv/a,b', destination: '/ab', readOnly: false }],
    ['type=tmpfs,target=/run', { type: 'tmpfs', destination: '/run', readOnly: false }],
    ['type=tmpfs,dst=/run,tmpfs-size=64m,tmpfs-mode=1777', { type: 'tmpfs', destination: '/run', readOnly: false, tmpfsSize: 64 * 1024 * 1024, tmpfsMode: 0o1777 }],
    ['type=volume,src=db,dst=/d,volume-driver=local', { type: 'volume', source: 'db', destination: '/d', readOnly: false }],
  ])('%s', (raw, want) => {
    expect(parseMountFlag(raw)).toEqual({ ...want, fromFlag: 'mount' });
  });

  it('resolves a ./ source against the working directory', () => {
    expect(parseMountFlag('type=bind,src=./conf,dst=/etc/app', { cwd: '/w' }).source).toBe('/w/conf');
  });

  it.each<[string, RegExp]>([
    ['type=bind,source=/a', /^invalid argument "type=bind,source=\/a" for "--mount" flag: target is required$/],
    ['type=,target=/a', /for "--mount" flag: type is required$/],
    ['target=/a,bogus', /for "--mount" flag: invalid field 'bogus' must be a key=value pair$/],
    ['target=/a,color=red', /for "--mount" flag: unexpected key 'color' in 'color=red'$/],
    ['target=/a,readonly=maybe', /for "--mount" flag: invalid value for readonly: maybe$/],
    ['type=bind,src=/a,target=/a,volume-nocopy', /for "--mount" flag: cannot mix 'volume-\*' options with mount type 'bind'$/],
    ['type=volume,target=/a,tmpfs-size=1m', /cannot mix 'tmpfs-\*' options with mount type 'volume'$/],
    ['type=tmpfs,target=/a,tmpfs-size=lots', /invalid value for tmpfs-size: lots$/],
    ['type=tmpfs,target=/a,tmpfs-mode=999', /invalid value for tmpfs-mode: 999$/],
    ['type=bind,"source=/a,target=/b', /for "--mount" flag: extraneous or missing " in quoted-field$/],
    ['type=floppy,target=/a', /^invalid mount config for type "floppy": mount type unknown$/],
    ['type=image,source=busybox,target=/a', /^mount type "image" is not supported by Skiff$/],
    ['type=bind,target=/a', /^invalid mount config for type "bind": field Source must not be empty$/],
    ['type=bind,source=rel/dir,target=/a', /^invalid mount config for type "bind": invalid mount path: 'rel\/dir' mount path must be absolute$/],
    ['type=volume,source=db,target=data', /^invalid mount config for type "volume": invalid mount path: 'data' mount path must be absolute$/],
    ['type=volume,source=db,target=/', /^invalid mount config for type "volume": invalid specification: destination can't be '\/'$/],
    ['type=volume,target=/a,readonly', /^invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes$/],
    ['type=volume,source=a/b,target=/a', /^create a\/b: "a\/b" includes invalid characters/],
    ['type=tmpfs,source=x,target=/a', /^invalid mount config for type "tmpfs": field Source must not be specified$/],
    ['type=volume,target=/a,volume-driver=nfs', /^volume driver "nfs" is not supported by Skiff$/],
    ['type=bind,src=/a,target=/a,bind-propagation=shared', /^mount propagation 'shared' is not supported by Skiff$/],
    ['src=db,target=/a,volume-label=a=b', /^--mount volume-label is not supported by Skiff$/],
  ])('refuses %j', (raw, message) => {
    const f = failure(() => parseMountFlag(raw));
    expect(f.message).toMatch(message);
    expect(f.hint).toBeTruthy();
  });
});

describe('one container\'s mounts together', () => {
  it('keeps -v before --mount and refuses a destination twice', () => {
    expect(parseMountFlags({ volumes: ['a1:/a'], mounts: ['type=tmpfs,dst=/b'] }).map((r) => [r.fromFlag, r.destination])).toEqual([['volume', '/a'], ['mount', '/b']]);
    expect(failure(() => parseMountFlags({ volumes: ['a1:/x', '/x/'] })).message).toBe('Duplicate mount point: /x');
    expect(failure(() => parseMountFlags({ volumes: ['/host:/x'], mounts: ['type=tmpfs,target=/x'] })).message).toBe('Duplicate mount point: /x');
  });
});

describe('helpers', () => {
  it.each([['', true], ['ro', true], ['ro,Z,nocopy,rprivate,cached', true], ['rw,ro', false], ['nocopy,nocopy', false], ['RO', false], ['ro,', false]])('validMountMode(%j) = %s', (m, ok) => {
    expect(validMountMode(m)).toBe(ok);
  });

  it.each([['/a/b/', '/a/b'], ['/a//b/./c/..', '/a/b'], ['/', '/'], ['//', '/'], ['/a/..', '/']])('cleanPath(%j) = %j', (p, c) => expect(cleanPath(p)).toBe(c));

  it('splits CSV like Go\'s encoding/csv', () => {
    expect(splitCsv('a=1,b=2')).toEqual(['a=1', 'b=2']);
    expect(splitCsv('"a=1,2",b')).toEqual(['a=1,2', 'b']);
    expect(splitCsv('"say ""hi""",')).toEqual(['say "hi"', '']);
    expect(() => splitCsv('a"b')).toThrow(/bare "/);
  });
});
