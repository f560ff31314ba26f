// Subnets and the address pool: CIDR arithmetic, the order addresses are handed out in, one owner
// per address even when two pools (two processes) race, and addresses coming back on release.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AddressPool, candidates } from '../../../src/engine/network/ipam.ts';
import { broadcastOf, contains, defaultGateway, formatSubnet, intToIp, overlaps, parseSubnet, pickSubnet } from '../../../src/engine/network/subnet.ts';

describe('subnets', () => {
  it('parses CIDR and does the arithmetic', () => {
    const s = parseSubnet('172.18.0.0/16');
    expect(formatSubnet(s)).toBe('172.18.0.0/16');
    expect(intToIp(broadcastOf(s))).toBe('172.18.255.255');
    expect(defaultGateway(s)).toBe('172.18.0.1');
    expect(contains(s, '172.18.3.4')).toBe(true);
    expect(contains(s, '172.19.0.1')).toBe(false);
    expect(overlaps(s, parseSubnet('172.18.5.0/24'))).toBe(true);
    expect(overlaps(s, parseSubnet('172.19.0.0/16'))).toBe(false);
  });

  it.each([
    ['172.18.0.1/16', 'it has host bits set'],
    ['172.18.0.0', 'CIDR notation'],
    ['172.18.0.0/31', 'the prefix length must be 8 to 30'],
    ['300.1.1.0/24', 'invalid IPv4 address'],
  ])('refuses %s', (cidr, why) => expect(() => parseSubnet(cidr)).toThrow(why));

  it('picks the first default pool that overlaps nothing (never docker0\'s 172.17)', () => {
    expect(formatSubnet(pickSubnet([parseSubnet('172.18.0.0/16')]))).toBe('172.19.0.0/16');
    expect(formatSubnet(pickSubnet([parseSubnet('172.19.0.0/24')]))).toBe('172.20.0.0/16');
    const all172 = Array.from({ length: 13 }, (_, i) => parseSubnet(`172.${19 + i}.0.0/16`));
    expect(formatSubnet(pickSubnet(all172))).toBe('192.168.0.0/20');
  });
});

describe('the address pool', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  const make = () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-ipam-'));
    return new AddressPool(dir);
  };

  it('hands out addresses after the last one, never the network, gateway or broadcast address', () => {
    const s = parseSubnet('10.1.0.0/29'); // .0 network, .7 broadcast
    expect([...candidates(s, '10.1.0.1')]).toEqual(['10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5', '10.1.0.6']);
    expect([...candidates(s, '10.1.0.1', '10.1.0.4')]).toEqual(['10.1.0.5', '10.1.0.6', '10.1.0.2', '10.1.0.3', '10.1.0.4']);
  });

  it('gives each address to one owner, takes it back, and does not reuse it at once', () => {
    const pool = make();
    const s = parseSubnet('10.1.0.0/29');
    const a = pool.allocate('n', s, '10.1.0.1', 'c1');
    const b = pool.allocate('n', s, '10.1.0.1', 'c2');
    expect([a, b]).toEqual(['10.1.0.2', '10.1.0.3']);
    expect(pool.release('n', a, 'someone-else')).toBe(false); // only its owner gives it back
    expect(pool.release('n', a, 'c1')).toBe(true);
    expect(pool.allocate('n', s, '10.1.0.1', 'c3')).toBe('10.1.0.4'); // not .2 again straight away
    expect([...pool.leases('n')].sort()).toEqual([['10.1.0.3', 'c2'], ['10.1.0.4', 'c3']]);
  });

  it('two pools on one directory (two processes) never hand out the same address', () => {
    const p1 = make();
    const p2 = new AddressPool(dir!);
    const s = parseSubnet('10.2.0.0/28');
    const got = new Set<string>();
    for (let i = 0; i < 13; i++) got.add((i % 2 ? p1 : p2).allocate('n', s, '10.2.0.1', `c${i}`));
    expect(got.size).toBe(13);
    expect(() => p1.allocate('n', s, '10.2.0.1', 'late')).toThrow('no free address left in 10.2.0.0/28');
  });

  it('gives a wanted address only when it is free', () => {
    const pool = make();
    const s = parseSubnet('10.3.0.0/24');
    expect(pool.allocate('n', s, '10.3.0.1', 'a', '10.3.0.50')).toBe('10.3.0.50');
    expect(() => pool.allocate('n', s, '10.3.0.1', 'b', '10.3.0.50')).toThrow('Address already in use');
    pool.drop('n');
    expect(pool.leases('n').size).toBe(0);
  });
});
