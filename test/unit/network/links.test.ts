// Legacy links: Docker's environment variables (moby daemon/links ToEnv) and /etc/hosts lines.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostsFile, writeInPlace } from '../../../src/engine/network/hosts.ts';
import { linkEntry, linkEnv, parseLink } from '../../../src/engine/network/links.ts';

describe('links', () => {
  it('parses NAME[:ALIAS] and the stored /name:/self/alias form', () => {
    expect(parseLink('db:dbapp')).toEqual({ name: 'db', alias: 'dbapp' });
    expect(parseLink('db')).toEqual({ name: 'db', alias: 'db' });
    expect(parseLink(linkEntry('db', 'web', 'dbapp'))).toEqual({ name: 'db', alias: 'dbapp' });
    expect(() => parseLink(':x')).toThrow('invalid link');
  });

  it('gives Docker\'s variables: the first port, each port, the name and the linked environment', () => {
    const env = linkEnv('web', 'db-app', { name: 'db', ip: '172.18.0.2', exposedPorts: ['5432/tcp', '53/udp', '53/tcp'], env: ['PATH=/bin', 'USER=pg', 'HOME=/root', 'EMPTY='] });
    expect(env).toEqual([
      'DB_APP_PORT=tcp://172.18.0.2:53',
      'DB_APP_PORT_53_TCP=tcp://172.18.0.2:53', 'DB_APP_PORT_53_TCP_ADDR=172.18.0.2', 'DB_APP_PORT_53_TCP_PORT=53', 'DB_APP_PORT_53_TCP_PROTO=tcp',
      'DB_APP_PORT_53_UDP=udp://172.18.0.2:53', 'DB_APP_PORT_53_UDP_ADDR=172.18.0.2', 'DB_APP_PORT_53_UDP_PORT=53', 'DB_APP_PORT_53_UDP_PROTO=udp',
      'DB_APP_PORT_5432_TCP=tcp://172.18.0.2:5432', 'DB_APP_PORT_5432_TCP_ADDR=172.18.0.2', 'DB_APP_PORT_5432_TCP_PORT=5432', 'DB_APP_PORT_5432_TCP_PROTO=tcp',
      'DB_APP_NAME=/web/db-app', 'DB_APP_ENV_USER=pg', 'DB_APP_ENV_EMPTY=',
    ]);
  });

  it('adds _START and _END for a run of consecutive ports', () => {
    const env = linkEnv('web', 'svc', { name: 's', ip: '10.0.0.2', exposedPorts: ['8000/tcp', '8001/tcp', '8002/tcp'], env: [] });
    expect(env).toContain('SVC_PORT_8000_TCP_START=tcp://10.0.0.2:8000');
    expect(env).toContain('SVC_PORT_8000_TCP_END=tcp://10.0.0.2:8002');
    expect(env).toContain('SVC_PORT_8000_TCP_PORT_END=8002');
  });
});

describe('/etc/hosts', () => {
  it('has the localhost lines, its own address and the others, each pair once', () => {
    const text = hostsFile([{ ip: '172.18.0.3', names: ['4c52e8e95f98'] }], [{ ip: '172.18.0.2', names: ['dbapp', 'db'] }, { ip: '172.18.0.2', names: ['dbapp'] }]);
    expect(text).toMatch(/^127\.0\.0\.1\tlocalhost\n/);
    expect(text.endsWith('172.18.0.3\t4c52e8e95f98\n172.18.0.2\tdbapp db\n')).toBe(true);
  });

  it('is rewritten in place: the inode a bind mount holds stays, the text is the new one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-hosts-'));
    try {
      const f = path.join(dir, 'hosts');
      fs.writeFileSync(f, 'a much longer old text than the new one\n');
      const inode = fs.statSync(f).ino;
      writeInPlace(f, 'new\n');
      expect(fs.statSync(f).ino).toBe(inode);
      expect(fs.readFileSync(f, 'utf8')).toBe('new\n');
      writeInPlace(path.join(dir, 'gone'), 'x'); // a removed container: nothing to do
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
