import { describe, expect, it } from 'vitest';
import { isSkiffError, type SkiffError } from '../../src/engine/errors.ts';
import {
  familiarRepository,
  familiarString,
  formatReference,
  type ImageReference,
  parseReference,
  registryEndpoint,
  repositoryName,
  withTag,
} from '../../src/engine/reference.ts';

// A real digest from distribution/reference's own examples.
const D = 'sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa';
const HEX = D.slice('sha256:'.length);

function failure(input: string): SkiffError {
  try {
    parseReference(input);
  } catch (e) {
    if (isSkiffError(e, 'INVALID_REFERENCE')) return e;
    throw e;
  }
  throw new Error(`parseReference(${JSON.stringify(input)}) should have failed`);
}

describe('parseReference: valid forms and their normalisation', () => {
  const cases: [input: string, full: string, want: Partial<ImageReference>][] = [
    ['ubuntu', 'docker.io/library/ubuntu:latest', { domain: 'docker.io', path: 'library/ubuntu', tag: 'latest' }],
    ['ubuntu:22.04', 'docker.io/library/ubuntu:22.04', { tag: '22.04' }],
    ['docker.io/library/ubuntu', 'docker.io/library/ubuntu:latest', { path: 'library/ubuntu' }],
    ['docker.io/ubuntu', 'docker.io/library/ubuntu:latest', { path: 'library/ubuntu' }],
    ['index.docker.io/ubuntu', 'docker.io/library/ubuntu:latest', { domain: 'docker.io' }],
    ['index.docker.io/myorg/app:1', 'docker.io/myorg/app:1', { domain: 'docker.io', path: 'myorg/app' }],
    ['myorg/app:1', 'docker.io/myorg/app:1', { domain: 'docker.io', path: 'myorg/app', tag: '1' }],
    ['a/b/c', 'docker.io/a/b/c:latest', { path: 'a/b/c' }],
    ['localhost/foo', 'localhost/foo:latest', { domain: 'localhost', path: 'foo' }],
    ['localhost:5000/foo/bar:tag', 'localhost:5000/foo/bar:tag', { domain: 'localhost:5000', path: 'foo/bar', tag: 'tag' }],
    ['127.0.0.1:5000/x:y', '127.0.0.1:5000/x:y', { domain: '127.0.0.1:5000', path: 'x' }],
    ['example.com/a', 'example.com/a:latest', { domain: 'example.com', path: 'a' }],
    ['Example.COM/a', 'Example.COM/a:latest', { domain: 'Example.COM' }], // host names are case-insensitive
    ['registry:5000/a', 'registry:5000/a:latest', { domain: 'registry:5000' }], // ':' makes it a host
    ['[::1]/foo', '[::1]/foo:latest', { domain: '[::1]' }],
    ['[2001:db8::1]:5000/foo:t', '[2001:db8::1]:5000/foo:t', { domain: '[2001:db8::1]:5000', path: 'foo' }],
    [`example.com:8080/a/b@${D}`, `example.com:8080/a/b@${D}`, { domain: 'example.com:8080', path: 'a/b', tag: undefined, digest: D }],
    [`ubuntu:22.04@${D}`, `docker.io/library/ubuntu:22.04@${D}`, { tag: '22.04', digest: D }],
    [`ubuntu@${D}`, `docker.io/library/ubuntu@${D}`, { tag: undefined, digest: D }],
    // Separators: one '.', one or two '_', any number of '-'.
    ['a.b_c__d---e', 'docker.io/library/a.b_c__d---e:latest', { path: 'library/a.b_c__d---e' }],
    ['foo_bar.com:8080', 'docker.io/library/foo_bar.com:8080', { tag: '8080' }],
    // No '/': the part after ':' is a tag, so a bare host:port is a Hub name with a tag (as Docker).
    ['localhost:5000', 'docker.io/library/localhost:5000', { path: 'library/localhost', tag: '5000' }],
    ['example.com', 'docker.io/library/example.com:latest', { path: 'library/example.com' }],
    // 'library/' is only added to one-part Hub names.
    ['library/ubuntu', 'docker.io/library/ubuntu:latest', { path: 'library/ubuntu' }],
    ['ubuntu:Tag_1.0-rc', 'docker.io/library/ubuntu:Tag_1.0-rc', { tag: 'Tag_1.0-rc' }],
    ['ubuntu:_x', 'docker.io/library/ubuntu:_x', { tag: '_x' }],
    [`ubuntu:${'t'.repeat(128)}`, `docker.io/library/ubuntu:${'t'.repeat(128)}`, {}],
    [`${'a'.repeat(247)}`, `docker.io/library/${'a'.repeat(247)}:latest`, {}], // 'library/' + 247 = 255
    ['sha256:abc', 'docker.io/library/sha256:abc', { path: 'library/sha256', tag: 'abc' }],
  ];
  it.each(cases)('%s', (input, full, want) => {
    const r = parseReference(input);
    expect(formatReference(r)).toBe(full);
    for (const [k, v] of Object.entries(want)) expect(r[k as keyof ImageReference], k).toBe(v);
    if (!('digest' in want)) expect(r.digest).toBeUndefined();
    // The formatted form parses back to the same reference.
    expect(parseReference(formatReference(r))).toEqual(r);
  });
});

describe('parseReference: invalid forms', () => {
  const cases: [input: string, says: RegExp][] = [
    ['', /is empty/],
    [' ', /space/],
    ['ubuntu ', /space/],
    ['ub untu', /space/],
    ['ubuntu\n', /control/],
    ['ubuntu:', /nothing after ":"/],
    ['ubuntu@', /nothing after "@"/],
    [':latest', /no repository name/],
    [`@${D}`, /no repository name/],
    ['a//b', /empty path component/],
    ['/ubuntu', /empty path component/],
    ['ubuntu/', /empty path component/],
    ['example.com/', /empty path component/],
    ['a:b:c', /too many ":" in "a:b"/],
    ['-foo', /"-foo" is not a valid name component/],
    ['foo-', /"foo-" is not a valid name component/],
    ['foo/-bar', /"-bar"/],
    ['a..b', /"a..b"/],
    ['a___b', /"a___b"/],
    ['.foo', /".foo"/],
    ['foo$bar', /"foo\$bar"/],
    ['Uppercase', /repository name must be lowercase/],
    ['Uppercase:Tag', /repository name must be lowercase/],
    ['MyOrg/app', /repository name must be lowercase/],
    ['example.com/Foo/bar', /repository name must be lowercase/],
    ['ubuntu:-x', /"-x" is not a valid tag/],
    ['ubuntu:.x', /"\.x" is not a valid tag/],
    ['ubuntu:a/b', /"ubuntu:a" is not a valid registry host/], // ':' before '/' is a port, not a tag
    [`ubuntu:${'t'.repeat(129)}`, /129 characters long \(at most 128\)/],
    [`ubuntu@${D}@${D}`, /more than one "@"/],
    ['ubuntu@sha256:abc', /is not a valid digest/],
    [`ubuntu@sha256:${HEX.toUpperCase()}`, /is not a valid digest/],
    [`ubuntu@sha512:${'a'.repeat(128)}`, /unsupported digest algorithm "sha512"/],
    ['ubuntu@latest', /not a valid digest/],
    [`ubuntu:${D}`, /too many ":"/], // a digest needs '@', not ':'
    [HEX, /cannot specify 64-byte hexadecimal strings/],
    [D, /cannot specify 64-byte hexadecimal strings/],
    ['exa_mple.com/foo', /"exa_mple\.com" is not a valid registry host/],
    ['-example.com/foo', /not a valid registry host/],
    ['example.com:port/foo', /not a valid registry host/],
    ['[::1/foo', /not a valid registry host/],
    ['[fe80::1%eth0]/foo', /not a valid registry host/], // zone ids excluded, as in regexp.go
    [`${'a'.repeat(248)}`, /256 characters long \(at most 255\)/],
    [`example.com/${'a/'.repeat(127)}bc`, /256 characters long/],
  ];
  it.each(cases)('%j', (input, says) => {
    const e = failure(input);
    expect(e.message).toMatch(says);
    // One line, naming the input, with a hint saying how it should look.
    expect(e.message).toContain(JSON.stringify(input));
    expect(e.message).not.toContain('\n');
    expect(e.hint).toBeTruthy();
  });

  it('suggests the lowercased name, keeping host and tag', () => {
    expect(failure('Ubuntu').hint).toContain('"ubuntu"');
    expect(failure('localhost:5000/MyOrg/App:V1').hint).toContain('"localhost:5000/myorg/app:V1"');
  });

  it('explains the digest shape and the image-ID case', () => {
    expect(failure(`ubuntu@sha512:${'a'.repeat(128)}`).hint).toMatch(/sha256/);
    expect(failure(HEX).hint).toMatch(/image ID/);
  });
});

describe('familiar and qualified names', () => {
  const cases: [input: string, repo: string, familiarRepo: string, familiar: string][] = [
    ['ubuntu', 'docker.io/library/ubuntu', 'ubuntu', 'ubuntu:latest'],
    ['docker.io/library/ubuntu:22.04', 'docker.io/library/ubuntu', 'ubuntu', 'ubuntu:22.04'],
    ['myorg/app:1', 'docker.io/myorg/app', 'myorg/app', 'myorg/app:1'],
    ['127.0.0.1:5000/x:y', '127.0.0.1:5000/x', '127.0.0.1:5000/x', '127.0.0.1:5000/x:y'],
    ['localhost/foo', 'localhost/foo', 'localhost/foo', 'localhost/foo:latest'],
    // Only a one-part name under library/ loses the prefix (normalize.go familiarizeName).
    ['library/a/b', 'docker.io/library/a/b', 'library/a/b', 'library/a/b:latest'],
    // library/ on another registry is just a namespace.
    ['quay.io/library/x', 'quay.io/library/x', 'quay.io/library/x', 'quay.io/library/x:latest'],
    [`ubuntu@${D}`, 'docker.io/library/ubuntu', 'ubuntu', `ubuntu@${D}`],
    [`ubuntu:22.04@${D}`, 'docker.io/library/ubuntu', 'ubuntu', `ubuntu:22.04@${D}`],
  ];
  it.each(cases)('%s', (input, repo, familiarRepo, familiar) => {
    const r = parseReference(input);
    expect(repositoryName(r)).toBe(repo);
    expect(familiarRepository(r)).toBe(familiarRepo);
    expect(familiarString(r)).toBe(familiar);
    // What docker prints parses back to the same reference.
    expect(parseReference(familiar)).toEqual(r);
  });
});

describe('withTag', () => {
  it('replaces the tag and drops a digest', () => {
    expect(formatReference(withTag(parseReference('ubuntu'), '24.04'))).toBe('docker.io/library/ubuntu:24.04');
    expect(withTag(parseReference(`h.io/a:t@${D}`), 'u')).toEqual({ domain: 'h.io', path: 'a', tag: 'u' });
  });
  it.each(['', '-x', '.x', 'a/b', 'a:b', 'a b', 't'.repeat(129)])('rejects tag %j', (tag) => {
    expect(() => withTag(parseReference('ubuntu'), tag)).toThrow(expect.objectContaining({ code: 'INVALID_REFERENCE' }));
  });
});

describe('registryEndpoint', () => {
  const cases: [domain: string, host: string, insecure: boolean][] = [
    ['docker.io', 'registry-1.docker.io', false],
    ['index.docker.io', 'registry-1.docker.io', false],
    ['quay.io', 'quay.io', false],
    ['registry.example.com:5000', 'registry.example.com:5000', false],
    ['localhost', 'localhost', true],
    ['localhost:5000', 'localhost:5000', true],
    ['LocalHost:5000', 'LocalHost:5000', true],
    ['127.0.0.1:5000', '127.0.0.1:5000', true],
    ['127.255.3.4', '127.255.3.4', true], // all of 127.0.0.0/8
    ['128.0.0.1:5000', '128.0.0.1:5000', false],
    ['10.0.0.1:5000', '10.0.0.1:5000', false],
    ['[::1]:5000', '[::1]:5000', true],
    ['[0:0:0:0:0:0:0:1]', '[0:0:0:0:0:0:0:1]', true],
    ['[::2]:5000', '[::2]:5000', false],
    ['localhost.example.com', 'localhost.example.com', false],
    ['127.0.0.1.nip.io:5000', '127.0.0.1.nip.io:5000', false],
  ];
  it.each(cases)('%s', (domain, host, insecureByDefault) => {
    expect(registryEndpoint(domain)).toEqual({ host, insecureByDefault });
  });
});
