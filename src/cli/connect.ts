// Which engine a command talks to — the docker CLI's rules, plus one of Skiff's own:
//   -H / SKIFF_HOST / DOCKER_HOST   that daemon (Skiff's, or a real dockerd), nothing else
//   otherwise                       the Skiff daemon of this data root; when none runs and we are
//                                   root, one is started in the background first (a learner never
//                                   has to know the daemon exists to begin with — but is told)
//   SKIFF_NO_DAEMON=1               the engine inside this process (debugging, tests)
// Containers need a process that outlives the command (to collect their output, to notice their
// end, to remove --rm ones): that is what the daemon is for.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineApi } from '../client/api.ts';
import { DEFAULT_HOST } from '../client/host.ts';
import { HttpEngineApi } from '../client/http.ts';
import { DEFAULT_DATA_ROOT } from '../engine/engine.ts';
import { SkiffError } from '../engine/errors.ts';
import type { Output } from './command.ts';

/** The socket a data root's daemon listens on: the system one for the default data root. */
export function socketFor(dataRoot: string): string {
  return path.resolve(dataRoot) === DEFAULT_DATA_ROOT ? DEFAULT_HOST : `unix://${path.join(path.resolve(dataRoot), 'skiffd.sock')}`;
}

export function pidfileFor(dataRoot: string): string {
  return path.resolve(dataRoot) === DEFAULT_DATA_ROOT ? '/run/skiff/skiff.pid' : path.join(path.resolve(dataRoot), 'skiffd.pid');
}

export interface ConnectOptions {
  /** -H, SKIFF_HOST or DOCKER_HOST, when the user named a daemon. */
  host?: string;
  dataRoot: string;
  err: Output;
  /** Daemon flags passed on when one is started (--storage-driver, --insecure-registry...). */
  daemonArgs: string[];
  /** The `skiff` entry script, to start the daemon with. */
  bin: string;
}

function absent(e: unknown): boolean {
  return e instanceof SkiffError && e.code === 'NETWORK';
}

export async function connectDaemon(o: ConnectOptions): Promise<EngineApi> {
  if (o.host) return HttpEngineApi.connect({ host: o.host });
  const host = socketFor(o.dataRoot);
  try {
    return await HttpEngineApi.connect({ host });
  } catch (e) {
    if (!absent(e)) throw e;
  }
  if (process.getuid?.() !== 0) {
    const dataRootFlag = path.resolve(o.dataRoot) === DEFAULT_DATA_ROOT ? '' : ` --data-root ${o.dataRoot}`;
    throw new SkiffError('PERMISSION', `no Skiff daemon is running for ${o.dataRoot}, and only root can start one`, `start it as root: sudo skiff${dataRootFlag} daemon (members of its group can then use it)`);
  }
  const log = path.join(path.resolve(o.dataRoot), 'skiffd.log');
  fs.mkdirSync(path.dirname(log), { recursive: true });
  const fd = fs.openSync(log, 'a', 0o640);
  const child = spawn(process.execPath, [o.bin, '--data-root', o.dataRoot, 'daemon', '-H', host, '--pidfile', pidfileFor(o.dataRoot), ...o.daemonArgs], { detached: true, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  child.unref();
  let exited = false;
  child.on('exit', () => (exited = true));
  for (let waited = 0; waited < 20_000; waited += 100) {
    await sleep(100);
    try {
      const api = await HttpEngineApi.connect({ host });
      o.err.write(`skiff: started the Skiff daemon in the background (pid ${child.pid}, log ${log}); stop it with: kill $(cat ${pidfileFor(o.dataRoot)})\n`);
      return api;
    } catch (e) {
      if (!absent(e)) throw e;
    }
    if (exited) break;
  }
  const tail = fs.readFileSync(log, 'utf8').trim().split('\n').slice(-2).join(' / ');
  throw new SkiffError('RUNTIME', `the Skiff daemon did not start${tail ? `: ${tail}` : ''}`, `see ${log}, or run it in the foreground: skiff --data-root ${o.dataRoot} daemon`);
}
