// The tar reader against archives made by tar-stream's packer and against headers built byte by
// byte here (GNU long names, base-256 numbers, PAX records, broken archives), fed whole and in
// every awkward split, since a layer arrives in chunks of whatever size the decompressor gives.
import { describe, expect, it } from 'vitest';
import { type Header, parsePax, TarReader } from '../../../src/engine/unpack/tar.ts';
import { makeTar } from '../../helpers/tar.ts';

interface Seen {
  h: Header;
  body: Buffer;
}

function read(tar: Buffer, chunkSizes: number[] = [tar.length]): Seen[] {
  const out: Seen[] = [];
  let cur: { h: Header; parts: Buffer[] } | undefined;
  const r = new TarReader({
    begin: (h) => void (cur = { h, parts: [] }),
    // Copy: a view is only valid during the call (the worker's ring is reused).
    data: (b) => void cur!.parts.push(Buffer.from(b)),
    end: () => void out.push({ h: cur!.h, body: Buffer.concat(cur!.parts) }),
  });
  for (let at = 0, i = 0; at < tar.length; i++) {
    const n = chunkSizes[i % chunkSizes.length]!;
    r.write(tar.subarray(at, at + n));
    at += n;
  }
  r.close();
  return out;
}

/** One 512-byte header; numbers in octal unless given as a Buffer (e.g. base-256). */
function header(o: { name: string; flag?: string; size?: number | Buffer; mode?: number; uid?: number | Buffer; mtime?: number; linkname?: string; magic?: 'ustar' | 'gnu' | 'v7'; prefix?: string }): Buffer {
  const b = Buffer.alloc(512);
  const oct = (v: number, len: number) => v.toString(8).padStart(len - 1, '0') + '\0';
  const field = (v: number | Buffer | undefined, def: number, off: number, len: number) => {
    if (Buffer.isBuffer(v)) v.copy(b, off);
    else b.write(oct(v ?? def, len), off, 'latin1');
  };
  b.write(o.name, 0, 'utf8');
  field(o.mode, 0o644, 100, 8);
  field(o.uid, 0, 108, 8);
  field(undefined, 0, 116, 8);
  field(o.size, 0, 124, 12);
  field(o.mtime, 1_700_000_000, 136, 12);
  b.write(o.flag ?? '0', 156, 'latin1');
  if (o.linkname) b.write(o.linkname, 157, 'utf8');
  if (o.magic === 'gnu') b.write('ustar  \0', 257, 'latin1');
  else if (o.magic !== 'v7') b.write('ustar\u000000', 257, 'latin1');
  if (o.prefix) b.write(o.prefix, 345, 'utf8');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of b) sum += c;
  b.write(oct(sum, 7), 148, 'latin1');
  return b;
}

function padded(body: string | Buffer): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
}

function pax(records: Record<string, string | Buffer>): Buffer {
  const parts = Object.entries(records).map(([k, v]) => {
    const rest = Buffer.concat([Buffer.from(` ${k}=`), Buffer.from(v), Buffer.from('\n')]);
    let len = rest.length + 1;
    while (String(len).length + rest.length !== len) len++;
    return Buffer.concat([Buffer.from(String(len)), rest]);
  });
  return Buffer.concat(parts);
}

const END = Buffer.alloc(1024);

describe('TarReader', () => {
  it('reads every kind of entry tar-stream packs, in any split', async () => {
    const tar = await makeTar([
      { name: 'etc/', type: 'directory', mode: 0o755 },
      { name: 'etc/passwd', data: 'root:x:0:0\n', mode: 0o600, uid: 1000, gid: 1001 },
      { name: 'big', data: Buffer.alloc(20_000, 7) },
      { name: 'empty', data: '' },
      { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
      { name: 'bin/ls', type: 'link', linkname: 'bin/busybox' },
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/loop0', type: 'block-device', devmajor: 7, devminor: 0 },
      { name: 'run/fifo', type: 'fifo' },
      { name: `${'d'.repeat(120)}/${'f'.repeat(90)}`, data: 'long path, ustar prefix' },
      { name: 'p'.repeat(300), data: 'longer than ustar can say: a PAX path' },
      { name: 'x', data: 'a', pax: { 'SCHILY.xattr.user.k': 'v' } },
    ]);
    const whole = read(tar);
    expect(whole.map((e) => [e.h.name, e.h.type, e.body.length])).toEqual([
      ['etc/', 'directory', 0], ['etc/passwd', 'file', 11], ['big', 'file', 20_000], ['empty', 'file', 0],
      ['bin/sh', 'symlink', 0], ['bin/ls', 'link', 0], ['dev/null', 'character-device', 0], ['dev/loop0', 'block-device', 0],
      ['run/fifo', 'fifo', 0], [`${'d'.repeat(120)}/${'f'.repeat(90)}`, 'file', 23], ['p'.repeat(300), 'file', 37], ['x', 'file', 1],
    ]);
    const passwd = whole[1]!.h;
    expect([passwd.mode, passwd.uid, passwd.gid, passwd.mtime.getTime()]).toEqual([0o600, 1000, 1001, 1_700_000_000_000]);
    expect(whole[4]!.h.linkname).toBe('busybox');
    expect([whole[6]!.h.devmajor, whole[6]!.h.devminor]).toEqual([1, 3]);
    expect(whole[2]!.body.equals(Buffer.alloc(20_000, 7))).toBe(true);
    expect(whole[11]!.h.xattrs).toEqual([['user.k', Buffer.from('v')]]);
    for (const split of [[1], [511], [512], [513], [7, 1000, 3], [65_536]]) {
      expect(read(tar, split)).toEqual(whole);
    }
  });

  it('takes GNU long names and long link names (L and K entries)', () => {
    const name = `usr/share/${'n'.repeat(150)}`;
    const link = `../${'t'.repeat(130)}`;
    const tar = Buffer.concat([
      header({ name: '././@LongLink', flag: 'L', size: name.length + 1, magic: 'gnu' }), padded(`${name}\0`),
      header({ name: '././@LongLink', flag: 'K', size: link.length + 1, magic: 'gnu' }), padded(`${link}\0`),
      header({ name: name.slice(0, 99), flag: '2', linkname: link.slice(0, 99), magic: 'gnu' }),
      END,
    ]);
    const [e] = read(tar, [100]);
    expect([e!.h.name, e!.h.linkname, e!.h.type]).toEqual([name, link, 'symlink']);
  });

  it('reads GNU base-256 numbers (a uid above 2^21, a size field so written)', () => {
    const uid = Buffer.from([0x80, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff]); // 2^31 - 1
    const size = Buffer.alloc(12);
    size[0] = 0x80;
    size[11] = 5;
    const [e] = read(Buffer.concat([header({ name: 'f', uid, size }), padded('hello'), END]));
    expect([e!.h.uid, e!.h.size, e!.body.toString()]).toEqual([2 ** 31 - 1, 5, 'hello']);
  });

  it('applies PAX records as Go does: path, linkpath, size, uid, gid, mtime; empty keeps ustar', () => {
    const records = pax({ path: 'from/pax', uid: '3000000', gid: '', mtime: '1700000000.5', 'SCHILY.xattr.security.capability': Buffer.from([1, 0, 0, 2, 0xff, 0x80]) });
    const tar = Buffer.concat([
      header({ name: 'PaxHeaders/x', flag: 'x', size: records.length }), padded(records),
      header({ name: 'short', mode: 0o755 }),
      END,
    ]);
    const [e] = read(tar);
    expect([e!.h.name, e!.h.uid, e!.h.gid, e!.h.mtime.getTime(), e!.h.mode]).toEqual(['from/pax', 3_000_000, 0, 1_700_000_000_500, 0o755]);
    // Binary xattr values stay bytes (a text decode would mangle 0xff and 0x80).
    expect(e!.h.xattrs).toEqual([['security.capability', Buffer.from([1, 0, 0, 2, 0xff, 0x80])]]);
  });

  it('lets a PAX size say how long the body is', () => {
    const body = 'x'.repeat(600);
    const records = pax({ size: '600' });
    const tar = Buffer.concat([header({ name: 'P', flag: 'x', size: records.length }), padded(records), header({ name: 'f', size: 0 }), padded(body), END]);
    expect(read(tar, [64])[0]!.body.toString()).toBe(body);
  });

  it('skips global PAX headers, as Go does, and applies local ones to the next entry only', () => {
    const g = pax({ comment: 'made by git archive', uid: '42' });
    const x = pax({ path: 'renamed' });
    const tar = Buffer.concat([
      header({ name: 'pax_global_header', flag: 'g', size: g.length }), padded(g),
      header({ name: 'P', flag: 'x', size: x.length }), padded(x),
      header({ name: 'a' }), header({ name: 'b' }), END,
    ]);
    expect(read(tar).map((e) => [e.h.name, e.h.uid])).toEqual([['renamed', 0], ['b', 0]]);
  });

  it('reads no body after a header-only entry, even when its size field is set (Go: isHeaderOnlyType)', () => {
    const tar = Buffer.concat([header({ name: 'hl', flag: '1', linkname: 'a', size: 1000 }), header({ name: 'next', size: 2 }), padded('ok'), END]);
    expect(read(tar).map((e) => e.h.name)).toEqual(['hl', 'next']);
  });

  it('takes an old-style directory (type 0, name ending in /), skipping any body it has', () => {
    const tar = Buffer.concat([header({ name: 'olddir/', size: 3 }), padded('abc'), header({ name: 'olddir/f', magic: 'v7' }), END]);
    expect(read(tar).map((e) => [e.h.name, e.h.type])).toEqual([['olddir/', 'directory'], ['olddir/f', 'file']]);
  });

  it('stops at the end-of-archive marker and ignores what follows it', () => {
    const tar = Buffer.concat([header({ name: 'a' }), END, Buffer.from('trailing bytes a registry or tool appended')]);
    expect(read(tar).map((e) => e.h.name)).toEqual(['a']);
  });

  it.each([
    ['a wrong checksum', () => { const h = header({ name: 'a' }); h[0] = 0x62; return Buffer.concat([h, END]); }],
    ['a header after a single zero block', () => Buffer.concat([Buffer.alloc(512), header({ name: 'a' }), END])],
    ['a truncated body', () => Buffer.concat([header({ name: 'a', size: 100 }), Buffer.alloc(50)])],
    ['a truncated header', () => header({ name: 'a' }).subarray(0, 300)],
    ['a malformed PAX record', () => Buffer.concat([header({ name: 'P', flag: 'x', size: 9 }), padded('99 path=x'), header({ name: 'a' }), END])],
    ['a PAX uid that is not a number', () => { const r = pax({ uid: '12abc' }); return Buffer.concat([header({ name: 'P', flag: 'x', size: r.length }), padded(r), header({ name: 'a' }), END]); }],
    ['a size that is not octal', () => { const h = header({ name: 'a' }); h.write('00000000009\0', 124, 'latin1'); h.fill(0x20, 148, 156); let s = 0; for (const c of h) s += c; h.write(`${s.toString(8).padStart(6, '0')}\0`, 148, 'latin1'); return Buffer.concat([h, END]); }],
    ['an unsupported entry type (GNU sparse)', () => Buffer.concat([header({ name: 's', flag: 'S' }), END])],
    ['a PAX header over 1 MiB', () => header({ name: 'P', flag: 'x', size: 2 << 20 })],
  ])('refuses %s with LAYER_FORMAT', (_what, make) => {
    expect(() => read(make())).toThrow(expect.objectContaining({ code: 'LAYER_FORMAT' }));
  });
});

describe('parsePax', () => {
  it('reads records whose values hold spaces, = and newlines', () => {
    const b = pax({ path: 'a b=c', 'SCHILY.xattr.user.x': 'line1\nline2' });
    expect(parsePax(b).text).toEqual({ path: 'a b=c', 'SCHILY.xattr.user.x': 'line1\nline2' });
  });
});
