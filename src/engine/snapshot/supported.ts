// Can this host give containers an overlay root? overlayfs must be in the kernel (built in, or
// the module loaded: /proc/filesystems lists it), and the data root's file system must take an
// upperdir (not every one can: overlayfs on overlayfs, NFS...). When the list does not show it
// (a module not loaded yet) or a directory is named, the answer comes from a real tiny mount:
// mount(8) loads the module on demand, and the kernel itself says yes or no.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export interface OverlaySupport {
  ok: boolean;
  /** Why not, with what to do about it. */
  why?: string;
}

export interface OverlayCheckOptions {
  /** Try the mount in a temp directory here (the data root), not only ask the kernel's list. */
  dir?: string;
  /** Ask again instead of using the cached answer. */
  refresh?: boolean;
}

const run = promisify(execFile);
const answers = new Map<string, Promise<OverlaySupport>>();

/** Whether /proc/filesystems lists overlay (lines like "nodev\toverlay"). */
export function listsOverlay(procFilesystems: string): boolean {
  return procFilesystems.split('\n').some((line) => line.split('\t').at(-1)?.trim() === 'overlay');
}

export function overlaySupported(opts: OverlayCheckOptions = {}): Promise<OverlaySupport> {
  const key = opts.dir ?? '';
  let answer = answers.get(key);
  if (!answer || opts.refresh) {
    answer = check(opts.dir);
    answers.set(key, answer);
  }
  return answer;
}

async function check(dir: string | undefined): Promise<OverlaySupport> {
  if (dir === undefined) {
    const list = await fs.readFile('/proc/filesystems', 'utf8').catch(() => '');
    if (listsOverlay(list)) return { ok: true };
  }
  return tryMount(dir ?? os.tmpdir());
}

async function tryMount(parent: string): Promise<OverlaySupport> {
  let tmp: string;
  try {
    tmp = await fs.mkdtemp(path.join(parent, '.skiff-overlay-check-'));
  } catch (e) {
    return { ok: false, why: `cannot make a test directory in ${parent}: ${(e as Error).message}` };
  }
  const d = (n: string) => path.join(tmp, n);
  let mounted = false;
  try {
    for (const n of ['lower', 'upper', 'work', 'merged']) await fs.mkdir(d(n));
    await fs.writeFile(path.join(d('lower'), 'probe'), 'overlay');
    try {
      await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${d('lower')},upperdir=${d('upper')},workdir=${d('work')}`, d('merged')], { timeout: 10_000 });
      mounted = true;
    } catch (e) {
      return { ok: false, why: explain(e) };
    }
    const seen = await fs.readFile(path.join(d('merged'), 'probe'), 'utf8').catch(() => '');
    return seen === 'overlay' ? { ok: true } : { ok: false, why: 'an overlay mount succeeded but did not show its lower directory' };
  } finally {
    const down = !mounted || (await run('umount', [d('merged')], { timeout: 10_000 }).then(() => true, () => false));
    // Never delete through a mount that could not be taken down: rm would reach its lower directory.
    if (down) await fs.rm(tmp, { recursive: true, force: true });
  }
}

function explain(e: unknown): string {
  const err = e as { code?: string; stderr?: string; message?: string };
  if (err.code === 'ENOENT') return 'mount(8) is not installed (Debian package util-linux)';
  const said = (err.stderr ?? err.message ?? '').trim().split('\n').at(-1) ?? '';
  if (process.getuid?.() !== 0) return `mounting overlay needs root (${said}); run as root, or use the vfs storage driver`;
  if (/unknown filesystem type/.test(said)) return `the kernel has no overlay file system (${said}); load it with "modprobe overlay", or use the vfs storage driver`;
  return `the kernel refused an overlay mount here (${said}); put the data root on ext4 or xfs, or use the vfs storage driver`;
}
