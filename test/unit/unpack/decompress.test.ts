import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressionOf, decompressor } from '../../../src/engine/unpack/decompress.ts';

describe('layer compression', () => {
  it.each([
    ['application/vnd.oci.image.layer.v1.tar+gzip', 'gzip'],
    ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'gzip'],
    ['application/vnd.oci.image.layer.v1.tar+zstd', 'zstd'],
    ['application/vnd.oci.image.layer.v1.tar', 'none'],
  ])('%s is %s', (mt, c) => expect(compressionOf(mt)).toBe(c));

  it('refuses media types that are not layers', () => {
    expect(() => compressionOf('application/vnd.oci.image.config.v1+json')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE' }));
  });

  it('gunzips', async () => {
    const d = decompressor('gzip')!;
    const out: Buffer[] = [];
    d.on('data', (c: Buffer) => out.push(c));
    d.end(gzipSync('layer bytes'));
    await new Promise((r) => d.on('end', r));
    expect(Buffer.concat(out).toString()).toBe('layer bytes');
    expect(decompressor('none')).toBeNull();
  });

  it('explains that zstd needs a newer Node when this one lacks it', () => {
    expect(() => decompressor('zstd', {})).toThrow(expect.objectContaining({ code: 'LAYER_FORMAT', message: expect.stringMatching(/zstd layers need Node >= 22\.15 \(this is Node \d+/) }));
  });
});
