// A `skiff` command started with --data-root starts that data root's daemon when it needs one
// (src/cli/connect.ts). Tests stop it afterwards, by the pid in its pidfile.
import fs from 'node:fs';
import path from 'node:path';

export async function stopDaemonOf(dataRoot: string): Promise<void> {
  let pid = 0;
  try {
    pid = Number(fs.readFileSync(path.join(dataRoot, 'skiffd.pid'), 'utf8').trim());
  } catch {
    return; // none was started
  }
  if (!(pid > 0)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  process.kill(pid, 'SIGKILL');
}
