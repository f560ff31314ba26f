// Warm init processes. Starting Node.js takes 60–170 ms on the machines Skiff runs on — more than
// everything else in `docker run` together — so an engine that lives on (the daemon) starts the
// next container's init ahead of time: already in fresh namespaces, koffi loaded, waiting for its
// job. Taking one costs nothing; a replacement starts in the background. A one-shot command has no
// time to wait for, so it uses size 0: the init is started when the container is.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { alive } from '../store/lock.ts';
import { type InitCommand, type InitProcess, spawnInit } from './shim.ts';

export class InitPool {
  private warm: Promise<InitProcess>[] = [];
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly cmd: InitCommand,
    private readonly size = 0,
  ) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.sweep();
    this.fill();
  }

  /** Inits of an engine that is gone wait for a job that never comes: end them, clear their dirs. */
  private sweep(): void {
    for (const name of fs.readdirSync(this.dir)) {
      const m = /^p(\d+)-/.exec(name);
      if (m && Number(m[1]) !== process.pid && alive(Number(m[1]))) continue; // another live engine's
      const d = path.join(this.dir, name);
      let pid = 0;
      try {
        pid = Number(fs.readFileSync(path.join(d, 'pid'), 'utf8').trim());
      } catch {
        // it never got as far as saying hello
      }
      if (pid > 0 && !fs.existsSync(path.join(d, 'target')) && alive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      if (!fs.existsSync(path.join(d, 'target'))) fs.rmSync(d, { recursive: true, force: true });
    }
  }

  private slotDir(): string {
    return path.join(this.dir, `p${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  private start(): Promise<InitProcess> {
    const dir = this.slotDir();
    return spawnInit(dir, this.cmd).then((p) => {
      fs.writeFileSync(path.join(dir, 'pid'), String(p.hostPid));
      return p;
    });
  }

  private fill(): void {
    while (!this.closed && this.warm.length < this.size) {
      const p = this.start();
      p.catch(() => {
        this.warm = this.warm.filter((w) => w !== p);
      });
      this.warm.push(p);
    }
  }

  /** A waiting init: a warm one when there is one, else one started now. */
  async take(): Promise<InitProcess> {
    const next = this.warm.shift();
    this.fill();
    if (next) {
      try {
        const p = await next;
        // A warm init that died meanwhile (its watchdog saw no engine, or someone killed it)
        // would fail the start with ENXIO on its job pipe: take a fresh one instead.
        if (p.child.exitCode === null && p.child.signalCode === null && fs.existsSync(`/proc/${p.hostPid}`)) return p;
        p.status.close();
        fs.rmSync(p.dir, { recursive: true, force: true });
      } catch {
        // a warm start failed; try once more in the open, where the error is reported
      }
    }
    return this.start();
  }

  /** Ends the warm inits (the engine is shutting down). */
  async close(): Promise<void> {
    this.closed = true;
    const warm = this.warm.splice(0);
    for (const w of warm) {
      const p = await w.catch(() => undefined);
      if (!p) continue;
      p.status.close();
      try {
        process.kill(p.hostPid, 'SIGKILL');
      } catch {
        // gone already
      }
      fs.rmSync(p.dir, { recursive: true, force: true });
    }
  }
}
