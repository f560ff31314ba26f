// A lock shared by every Skiff process using one data root, so that two `skiff` commands run at
// once cannot lose each other's updates to the image index (read-modify-write of index.json).
// It is a file created with O_EXCL holding the owner's pid; a lock whose owner has died is stale
// and taken over. Inside one process a promise chain serialises callers first, so the file is
// only contended between processes.
import { promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SkiffError } from '../errors.ts';

/** Whether a process exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class FileLock {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Runs `fn` holding the lock; releases it however `fn` ends. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(async () => {
      await this.acquire();
      try {
        return await fn();
      } finally {
        await fs.rm(this.file, { force: true });
      }
    });
    this.chain = next.catch(() => {});
    return next;
  }

  private async acquire(): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
      try {
        const fh = await fs.open(this.file, 'wx');
        await fh.writeFile(String(process.pid));
        await fh.close();
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = Number.parseInt(await fs.readFile(this.file, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
        await fs.rm(this.file, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new SkiffError('STORE', `the data root is locked by process ${owner || '?'}`, `wait for it to finish, or remove ${this.file} if that process is gone`);
      }
      await sleep(wait);
    }
  }
}

/** Leftovers (temp files, partial unpacks) carry their writer's pid; only a dead writer's are garbage. */
export function ownerGone(name: string): boolean {
  const m = /-p(\d+)-/.exec(name);
  return !m || !alive(Number(m[1]));
}
