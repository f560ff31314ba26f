// The daemon's pidfile: one daemon per data root. A pidfile naming a live process means another
// daemon holds it (refuse to start, as dockerd does); one naming a dead process is stale and is
// taken over. Created with O_EXCL, so two daemons starting at once cannot both win.
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../engine/errors.ts';
import { alive } from '../engine/store/lock.ts';

/** Writes our pid into `file`; returns the function that removes it again (if it is still ours). */
export function acquirePidfile(file: string): () => void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
      return () => {
        try {
          if (Number(fs.readFileSync(file, 'utf8').trim()) === process.pid) fs.rmSync(file, { force: true });
        } catch {
          // gone already
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    if (pid > 0 && pid !== process.pid && alive(pid)) {
      throw new SkiffError('CONFLICT', `another Skiff daemon is running (pid ${pid}, pidfile ${file})`, `stop it first (kill ${pid}), or give this one its own --data-root and --pidfile`);
    }
    fs.rmSync(file, { force: true }); // stale: its daemon died without cleaning up
  }
  throw new SkiffError('CONFLICT', `could not take the pidfile ${file}: another daemon keeps taking it`, 'stop the other daemon first');
}
