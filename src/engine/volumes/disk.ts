// How much a volume holds, measured on disk. Docker reports a volume's Size as the apparent bytes
// of its files (moby pkg/directory Size), each hard-linked inode counted once.
import { promises as fs } from 'node:fs';
import path from 'node:path';

function missing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Bytes of every non-directory under `dir`; a file that vanishes while we walk is skipped. */
export async function directorySize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const d = pending.pop()!;
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch (e) {
      if (missing(e)) continue;
      throw e;
    }
    for (const entry of entries) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {
        pending.push(p);
        continue;
      }
      try {
        const st = await fs.lstat(p);
        if (st.nlink > 1) {
          const key = `${st.dev}:${st.ino}`;
          if (seen.has(key)) continue;
          seen.add(key);
        }
        total += st.size;
      } catch (e) {
        if (!missing(e)) throw e;
      }
    }
  }
  return total;
}

/** Whether a directory has no entries: an empty volume gets the image's files copied up. */
export async function isEmptyDir(dir: string): Promise<boolean> {
  const d = await fs.opendir(dir);
  try {
    return (await d.read()) === null;
  } finally {
    await d.close();
  }
}
