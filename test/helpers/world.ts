// Shared set-up for pull tests: a storage root served by the real Distribution registry, with the
// fixture images pushed into it, and Skiff data roots that are removed afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../src/engine/engine.ts';
import type { EngineEvent } from '../../src/engine/events.ts';
import { pushImage, pushIndex, type Built, type FixtureImage } from './push.ts';
import { haveDistribution, type RunningRegistry, startDistribution } from './registry.ts';
import type { TarEntry } from './tar.ts';

export const isRoot = process.getuid?.() === 0;
export const canRun = isRoot && haveDistribution();
export const needs = 'needs root and the Debian package docker-registry';

const T = new Date(1_650_000_000_000);
export const base: TarEntry[] = [
  { name: 'etc/', type: 'directory', mtime: T },
  { name: 'etc/motd', data: 'welcome\n', mtime: T },
  { name: 'etc/os-release', data: 'NAME=fixture\n', mode: 0o644 },
  { name: 'bin/', type: 'directory' },
  { name: 'bin/tool', data: '#!/bin/sh\necho tool\n', mode: 0o4755 },
  { name: 'bin/tool-again', type: 'link', linkname: 'bin/tool' },
  { name: 'bin/sh', type: 'symlink', linkname: '/bin/tool' },
  { name: 'home/user/', type: 'directory', uid: 1000, gid: 1000, mode: 0o750 },
  { name: 'home/user/.profile', data: 'export A=1\n', uid: 1000, gid: 1000, mode: 0o600, mtime: T },
  { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
  { name: 'run/pipe', type: 'fifo', mode: 0o600 },
  { name: 'usr/share/doc/a', data: 'a' },
  { name: 'usr/share/doc/b', data: 'b' },
  { name: 'var/big', data: Buffer.alloc(600_000, 7) },
];
export const changes: TarEntry[] = [
  { name: 'etc/.wh.motd', data: '' },
  { name: 'usr/share/doc/', type: 'directory' },
  { name: 'usr/share/doc/.wh..wh..opq', data: '' },
  { name: 'usr/share/doc/c', data: 'c' },
];

export interface World {
  registry: RunningRegistry;
  storage: string;
  pushed: Record<string, Built>;
  multi: { digest: string; platforms: Built[] };
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-storage-'));
  const registry = await startDistribution({ root: storage });
  const img = (layers: TarEntry[][], extra: Partial<FixtureImage> = {}): FixtureImage => ({ layers: layers.map((entries) => ({ entries })), ...extra });
  const pushed: Record<string, Built> = {};
  pushed['layered:v1'] = await pushImage(registry.url, 'layered', 'v1', img([base, changes, [{ name: 'opt/app', data: 'v1' }]]));
  pushed['layered:v2'] = await pushImage(registry.url, 'layered', 'v2', img([base, [{ name: 'opt/app', data: 'v2' }]]));
  pushed['docker:latest'] = await pushImage(registry.url, 'dockerfmt', 'latest', img([[{ name: 'hello', data: 'from a schema2 image' }]], { format: 'docker' }));
  pushed['plain:latest'] = await pushImage(registry.url, 'plain', 'latest', { layers: [{ entries: [{ name: 'uncompressed', data: 'tar' }], gzip: false }] });
  pushed['liar:latest'] = await pushImage(registry.url, 'liar', 'latest', img([[{ name: 'x', data: 'x' }]], { wrongDiffIds: true }));
  const multi = await pushIndex(registry.url, 'multi', 'latest', [
    img([[{ name: 'platform', data: 'linux/amd64' }]], { architecture: 'amd64' }),
    img([[{ name: 'platform', data: 'linux/arm64/v8' }]], { architecture: 'arm64', variant: 'v8' }),
  ], { attestation: true });
  return {
    registry, storage, pushed, multi,
    async stop() {
      await registry.stop();
      fs.rmSync(storage, { recursive: true, force: true });
    },
  };
}

/** A fresh engine on a temp data root, with every event it emits recorded. */
export async function freshEngine(): Promise<{ engine: Engine; root: string; events: EngineEvent[]; dispose(): void }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-root-'));
  const engine = await Engine.open(root);
  const events: EngineEvent[] = [];
  engine.events.on((e) => events.push(e));
  return { engine, root, events, dispose: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** Every path under a data root with its size and mode: "the store exactly as before" is equality. */
export function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const st = fs.lstatSync(p);
      if (e.name.endsWith('.lock')) continue;
      out.push(`${path.relative(root, p)} ${st.mode.toString(8)} ${st.isFile() ? st.size : ''}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out.sort();
}
