// Writing so that a crash or a full disk never leaves a half-written file where a reader would
// find it: write a temp file in the same directory, fsync it, rename it over the target (rename(2)
// is atomic within one filesystem), then fsync the directory so the rename itself is durable.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export function tempName(target: string): string {
  return path.join(path.dirname(target), `.tmp-${path.basename(target)}-p${process.pid}-${randomBytes(6).toString('hex')}`);
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = tempName(target);
  const fh = await fs.open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(path.dirname(target));
}

export async function readJsonFile<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Removes a directory tree so that nobody ever finds it half-deleted: it is first renamed to a
 * temp name beside it (`.tmp-rm-p<pid>-…`, swept by the owner's next start if we crash), then
 * deleted. False when there was nothing to remove (another process may have been first).
 */
export async function removeTree(dir: string): Promise<boolean> {
  const doomed = path.join(path.dirname(dir), `.tmp-rm-p${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await fs.rename(dir, doomed);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  await fs.rm(doomed, { recursive: true, force: true });
  return true;
}
