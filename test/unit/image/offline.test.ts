import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { announceOfflineRegistry, offlineRegistries } from '../../../src/engine/image/offline.ts';

let dir: string | undefined;
afterEach(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

describe('the offline registry notice', () => {
  it('names the registry while its process lives, and is taken away by that process', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-offline-unit-'));
    expect(offlineRegistries(dir)).toEqual([]);
    const withdraw = await announceOfflineRegistry(dir, 'http://127.0.0.1:45678');
    expect(offlineRegistries(dir)).toEqual(['http://127.0.0.1:45678']);
    withdraw();
    expect(offlineRegistries(dir)).toEqual([]);
  });

  it('ignores a notice left by a process that is gone, or one that does not name a loopback address', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-offline-unit-'));
    fs.writeFileSync(path.join(dir, 'offline-registry.json'), JSON.stringify({ url: 'http://127.0.0.1:45678', pid: 2 ** 22 + 1 }));
    expect(offlineRegistries(dir)).toEqual([]);
    fs.writeFileSync(path.join(dir, 'offline-registry.json'), JSON.stringify({ url: 'http://example.com', pid: process.pid }));
    expect(offlineRegistries(dir)).toEqual([]);
    fs.writeFileSync(path.join(dir, 'offline-registry.json'), '{not json');
    expect(offlineRegistries(dir)).toEqual([]);
  });

  it('a newer daemon\'s notice is not taken away by an older one', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-offline-unit-'));
    const old = await announceOfflineRegistry(dir, 'http://127.0.0.1:1111', 1);
    await announceOfflineRegistry(dir, 'http://127.0.0.1:2222');
    old();
    expect(offlineRegistries(dir)).toEqual(['http://127.0.0.1:2222']);
  });
});
