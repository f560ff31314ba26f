// -p specs as docker/go-connections nat parses them, the bindings -P adds, and how `port` and
// `ps` print what is published.
import { describe, expect, it } from 'vitest';
import { displayPorts, parsePortSpec, parsePortSpecs, portLines, summaryPorts, wantedBindings } from '../../../src/engine/network/ports.ts';

describe('port specs', () => {
  it.each([
    ['80', { '80/tcp': [{ HostIp: '', HostPort: '' }] }],
    ['8080:80', { '80/tcp': [{ HostIp: '', HostPort: '8080' }] }],
    ['127.0.0.1:8080:80', { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] }],
    ['127.0.0.1::80/udp', { '80/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] }],
    ['[::1]:8080:80', { '80/tcp': [{ HostIp: '::1', HostPort: '8080' }] }],
    ['8000-8001:80-81', { '80/tcp': [{ HostIp: '', HostPort: '8000' }], '81/tcp': [{ HostIp: '', HostPort: '8001' }] }],
    ['8000-8010:80', { '80/tcp': [{ HostIp: '', HostPort: '8000-8010' }] }],
    ['53:53/UDP', { '53/udp': [{ HostIp: '', HostPort: '53' }] }],
  ])('%s', (spec, bindings) => {
    const s = parsePortSpec(spec);
    expect(s.bindings).toEqual(bindings);
    expect(Object.keys(s.exposed).sort()).toEqual(Object.keys(bindings).sort());
  });

  it.each([
    ['x', 'Invalid containerPort: x'], ['0', 'Invalid containerPort: 0'], ['99999:80', 'Invalid hostPort: 99999'],
    ['1.2.3:80:80', 'Invalid ip address: 1.2.3'], ['80/sctp', 'Invalid proto: sctp'], ['a:b:c:d', 'Invalid port format'],
    ['8000-8002:80-81', 'Invalid ranges specified'],
  ])('refuses %s', (spec, message) => expect(() => parsePortSpec(spec)).toThrow(message));

  it('merges several -p for one port', () => {
    expect(parsePortSpecs(['8080:80', '127.0.0.1:9090:80']).bindings).toEqual({ '80/tcp': [{ HostIp: '', HostPort: '8080' }, { HostIp: '127.0.0.1', HostPort: '9090' }] });
  });

  it('-P adds every exposed port that is not bound yet, in port order', () => {
    expect(wantedBindings({ '80/tcp': [{ HostPort: '8080' }] }, { '80/tcp': {}, '443/tcp': {}, '53/udp': {} }, true)).toEqual([
      { key: '80/tcp', port: 80, proto: 'tcp', hostIp: '', hostPort: '8080' },
      { key: '53/udp', port: 53, proto: 'udp', hostIp: '', hostPort: '' },
      { key: '443/tcp', port: 443, proto: 'tcp', hostIp: '', hostPort: '' },
    ]);
    expect(wantedBindings(undefined, { '80/tcp': {} }, false)).toEqual([]);
  });

  it('prints as `port` and `ps` do', () => {
    const ports = { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }], '443/tcp': null };
    expect(portLines(ports)).toEqual(['53/udp -> 127.0.0.1:5353', '80/tcp -> 0.0.0.0:8080']);
    expect(portLines(ports, '80')).toEqual(['0.0.0.0:8080']);
    expect(portLines(ports, '53/udp')).toEqual(['127.0.0.1:5353']);
    const summary = summaryPorts(ports);
    expect(summary).toEqual([
      { IP: '127.0.0.1', PrivatePort: 53, PublicPort: 5353, Type: 'udp' }, { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }, { PrivatePort: 443, Type: 'tcp' },
    ]);
    expect(displayPorts(summary)).toBe('127.0.0.1:5353->53/udp, 0.0.0.0:8080->80/tcp, 443/tcp');
  });
});
