// Where Docker Hub images come from when Docker Hub cannot be reached: the daemon serves Skiff's
// offline registry on loopback and says so in a small file in the data root, so every engine on
// that data root — the daemon's, the CLI's, the REPL's — pulls from it as a last resort.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomic.ts';

const FILE = 'offline-registry.json';

interface Announcement {
  url: string;
  pid: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Say that the offline registry answers at `url` while process `pid` lives. */
export async function announceOfflineRegistry(dataRoot: string, url: string, pid = process.pid): Promise<() => void> {
  const file = path.join(dataRoot, FILE);
  await writeFileAtomic(file, JSON.stringify({ url, pid } satisfies Announcement) + '\n');
  return () => {
    try {
      const now = JSON.parse(fs.readFileSync(file, 'utf8')) as Announcement;
      if (now.pid === pid) fs.rmSync(file, { force: true });
    } catch {
      // gone already
    }
  };
}

/** The offline registries announced for this data root whose process still runs. */
export function offlineRegistries(dataRoot: string): string[] {
  try {
    const a = JSON.parse(fs.readFileSync(path.join(dataRoot, FILE), 'utf8')) as Partial<Announcement>;
    if (typeof a.url !== 'string' || !/^https?:\/\/(127\.0\.0\.1|\[::1\]|localhost)(:\d+)?$/.test(a.url)) return [];
    if (typeof a.pid !== 'number' || !alive(a.pid)) return [];
    return [a.url];
  } catch {
    return [];
  }
}
