import { describe, expect, it } from 'vitest';
import { Htpasswd, htpasswdLine, parseHtpasswd } from '../../../src/registry/htpasswd.ts';
import { htpasswdLine as libxcryptLine } from '../../helpers/registry.ts';

const bcryptOf = (line: string) => line.slice(line.indexOf(':') + 1);

describe('htpasswd', () => {
  it('keeps bcrypt lines, skips comments and blanks, and says why it refused the rest', () => {
    const bob = bcryptOf(htpasswdLine('bob', 'pw', 4));
    const f = parseHtpasswd(['# users', '', `bob:${bob}`, 'md5:$apr1$xyz$abc', 'sha:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=', 'nocolon', `bob:${bcryptOf(htpasswdLine('bob', 'other', 4))}`].join('\n'));
    expect([...f.users]).toEqual([['bob', bob]]);
    expect(f.warnings).toHaveLength(3);
    expect(f.warnings[0]).toMatch(/line 4 \(md5\): not a bcrypt hash; make one with htpasswd -B/);
    expect(f.warnings[2]).toMatch(/line 6: not "user:hash"/);
  });

  it('verifies bcrypt hashes made elsewhere: libxcrypt ($2b$, through perl) and Apache\'s $2y$ form', async () => {
    const fromPerl = libxcryptLine('alice', 'secret');
    const apache = `carol:${bcryptOf(htpasswdLine('carol', 'pw', 4)).replace(/^\$2b\$/, '$2y$')}`;
    const h = new Htpasswd(parseHtpasswd(`${fromPerl}\n${apache}\n`));
    expect(await h.verify('alice', 'secret')).toBe(true);
    expect(await h.verify('alice', 'Secret')).toBe(false);
    expect(await h.verify('carol', 'pw')).toBe(true);
    expect(await h.verify('nobody', 'pw')).toBe(false);
    // Remembered: a second check is quick and still right, and a wrong one is still wrong.
    expect(await h.verify('carol', 'pw')).toBe(true);
    expect(await h.verify('carol', 'wrong')).toBe(false);
  });

  it('makes lines docker-registry accepts (bcrypt, cost in the hash)', () => {
    expect(htpasswdLine('dave', 'x', 5)).toMatch(/^dave:\$2b\$05\$[./A-Za-z0-9]{53}$/);
    expect(() => htpasswdLine('a:b', 'x')).toThrow(/cannot contain/);
  });
});
