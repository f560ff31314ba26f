import { describe, expect, it } from 'vitest';
import { type Challenge, parseChallenges, parseErrorBody, scopeFor } from '../../../src/engine/registry/challenge.ts';

describe('parseChallenges', () => {
  const cases: [name: string, header: string | string[] | undefined, want: Challenge[]][] = [
    ['no header', undefined, []],
    ['empty header', '', []],
    ['only separators', ' , ,', []],
    [
      'Docker Hub',
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"',
      [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/ubuntu:pull' } }],
    ],
    [
      'insufficient scope, with spaces after commas',
      'Bearer realm="https://r.example/token", service="r.example", scope="repository:a:pull,push", error="insufficient_scope"',
      [{ scheme: 'bearer', params: { realm: 'https://r.example/token', service: 'r.example', scope: 'repository:a:pull,push', error: 'insufficient_scope' } }],
    ],
    ['basic', 'Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    ['scheme and param names are case-insensitive', 'BEARER Realm="x",SERVICE="y"', [{ scheme: 'bearer', params: { realm: 'x', service: 'y' } }]],
    ['values keep their case', 'Bearer realm="HTTPS://Auth/Token"', [{ scheme: 'bearer', params: { realm: 'HTTPS://Auth/Token' } }]],
    ['unquoted token values', 'Bearer realm=tok, service=svc', [{ scheme: 'bearer', params: { realm: 'tok', service: 'svc' } }]],
    ['spaces around "=" (RFC 7235 BWS)', 'Bearer realm = "x" , service= y', [{ scheme: 'bearer', params: { realm: 'x', service: 'y' } }]],
    ['quoted-pair escapes', String.raw`Basic realm="say \"hi\" \\ \o/"`, [{ scheme: 'basic', params: { realm: 'say "hi" \\ o/' } }]],
    ['commas and "=" inside quotes', 'Bearer scope="repository:a:pull,push", realm="a=b, c"', [{ scheme: 'bearer', params: { scope: 'repository:a:pull,push', realm: 'a=b, c' } }]],
    ['empty quoted value', 'Bearer realm=""', [{ scheme: 'bearer', params: { realm: '' } }]],
    ['empty list elements', 'Bearer realm="x",,service="y",', [{ scheme: 'bearer', params: { realm: 'x', service: 'y' } }]],
    ['first of a repeated param wins', 'Bearer realm="one", realm="two"', [{ scheme: 'bearer', params: { realm: 'one' } }]],
    ['scheme without params', 'Negotiate', [{ scheme: 'negotiate', params: {} }]],
    [
      'several challenges in one header',
      'Basic realm="simple", Bearer realm="https://t", service="s", Newauth realm="apps", type=1, title="Login to \\"apps\\""',
      [
        { scheme: 'basic', params: { realm: 'simple' } },
        { scheme: 'bearer', params: { realm: 'https://t', service: 's' } },
        { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      ],
    ],
    [
      'bare schemes among others',
      'Negotiate, Basic realm="r"',
      [
        { scheme: 'negotiate', params: {} },
        { scheme: 'basic', params: { realm: 'r' } },
      ],
    ],
    [
      'token68',
      'Negotiate YIIabc+/==, Basic realm="r"',
      [
        { scheme: 'negotiate', params: { token68: 'YIIabc+/==' } },
        { scheme: 'basic', params: { realm: 'r' } },
      ],
    ],
    [
      'several header lines',
      ['Basic realm="a"', 'Bearer realm="b",service="c"'],
      [
        { scheme: 'basic', params: { realm: 'a' } },
        { scheme: 'bearer', params: { realm: 'b', service: 'c' } },
      ],
    ],
    ['unterminated quote runs to the end', 'Bearer realm="https://t, service="s', [{ scheme: 'bearer', params: { realm: 'https://t, service=' } }]],
    ['junk after a value is skipped', 'Bearer realm="x" junk, service="y"', [{ scheme: 'bearer', params: { realm: 'x', service: 'y' } }]],
    ['junk before a scheme is skipped', '"what", Basic realm="r"', [{ scheme: 'basic', params: { realm: 'r' } }]],
  ];
  it.each(cases)('%s', (_name, header, want) => {
    expect(parseChallenges(header)).toEqual(want);
  });
});

describe('scopeFor', () => {
  it.each([
    ['library/busybox', ['pull'], 'repository:library/busybox:pull'],
    ['myorg/app', ['pull', 'push'], 'repository:myorg/app:pull,push'],
    ['a/b/c', ['pull', 'pull'], 'repository:a/b/c:pull'],
  ])('%s %j', (repo, actions, scope) => {
    expect(scopeFor(repo, actions)).toBe(scope);
  });
  it('needs a repository and an action', () => {
    expect(() => scopeFor('library/busybox', [])).toThrow(/at least one action/);
    expect(() => scopeFor('', ['pull'])).toThrow(/needs a repository/);
  });
});

describe('parseErrorBody', () => {
  it.each([
    [
      'one error',
      '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"nope"}}]}',
      [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'nope' } }],
    ],
    [
      'several, detail optional',
      '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":[{"Type":"repository","Name":"x","Action":"pull"}]},{"code":"DENIED","message":"no"}]}',
      [
        { code: 'UNAUTHORIZED', message: 'authentication required', detail: [{ Type: 'repository', Name: 'x', Action: 'pull' }] },
        { code: 'DENIED', message: 'no' },
      ],
    ],
    ['missing message', '{"errors":[{"code":"TOOMANYREQUESTS"}]}', [{ code: 'TOOMANYREQUESTS', message: '' }]],
    ['entries without a code are dropped', '{"errors":[{"message":"x"},null,"s",{"code":5},{"code":"A","message":"b"}]}', [{ code: 'A', message: 'b' }]],
    ['HTML from a proxy', '<html><body>502 Bad Gateway</body></html>', []],
    ['empty body', '', []],
    ['JSON without errors', '{"details":"incorrect username or password"}', []],
    ['errors not a list', '{"errors":{"code":"X"}}', []],
    ['JSON null', 'null', []],
    ['JSON list', '[1,2]', []],
  ])('%s', (_name, text, want) => {
    expect(parseErrorBody(text)).toEqual(want);
  });
});
