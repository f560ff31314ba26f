// Starting the process that becomes a container, and keeping its exit code when nobody watches.
//
//   engine ─ unshare --pid --uts --ipc --net ─exec─ sh (the monitor) ─ unshare --mount ─exec─ node init.js ─execve─ command
//
// - `unshare` (util-linux, on every Linux host) makes the new namespaces. Node.js itself could not:
//   it has many threads, and namespaces entered with unshare(2) apply to the calling thread only.
// - The monitor is a plain /bin/sh. A new PID namespace takes effect for the *children* of the
//   process that made it, so the monitor's first child is PID 1 there: the init, which becomes the
//   user's command. Being its parent, the monitor gets its real wait status — 128+signal when it
//   was killed, as Docker reports it (`unshare --fork` loses that: it exits 1 on SIGKILL) — and
//   writes it where the engine asked (`target`), so an engine that was restarted still learns it.
//   Once PID 1 has ended nothing can fork into its namespace any more, so the monitor uses only
//   shell builtins after that.
// - The init gets a mount namespace of its own (the inner unshare), so pivot_root moves only it.
// - For `exec`, `nsenter` joins the running container's namespaces instead; `--root=/` keeps the
//   host's root for the moment so Node.js can start, and the init then enters the container's root.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../errors.ts';
import { MessageChannel, mkfifo, writeLine } from './fifo.ts';
import type { InitJob, InitMessage } from './protocol.ts';

const MONITOR = [
  'dir=$1; shift',
  'unshare --mount --propagation slave -- "$@"',
  'code=$?',
  'if read -r target < "$dir/target" 2>/dev/null && [ -n "$target" ]; then',
  '  printf "%s\\n" "$code" > "$target"',
  'fi',
].join('\n');

export interface InitProcess {
  /** The directory with the FIFOs and the init's own log. */
  dir: string;
  /** The init's PID on the host: after execve, the container's main process. */
  hostPid: number;
  hello: Extract<InitMessage, { t: 'hello' }>;
  status: MessageChannel<InitMessage>;
  /** The monitor (sh) or nsenter; its exit is the process's exit. */
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface InitCommand {
  node: string;
  script: string;
}

function prepareDir(dir: string): number {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  mkfifo(path.join(dir, 'job'));
  mkfifo(path.join(dir, 'status'));
  return fs.openSync(path.join(dir, 'init.log'), 'w', 0o600);
}

async function started(dir: string, status: MessageChannel<InitMessage>, child: ChildProcess, what: string): Promise<InitProcess> {
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', () => resolve({ code: 127, signal: null }));
  });
  const hello = await Promise.race([
    status.next(30_000),
    exited.then(() => undefined),
  ]).catch(() => undefined);
  if (!hello || hello.t !== 'hello') {
    status.close();
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    const log = fs.readFileSync(path.join(dir, 'init.log'), 'utf8').trim().split('\n').slice(-3).join(' / ');
    throw new SkiffError('RUNTIME', `the container's init process did not start (${what})${log ? `: ${log}` : ''}`, 'check that util-linux (unshare, nsenter) is installed and that Skiff runs as root');
  }
  return { dir, hostPid: hello.hostPid, hello, status, child, exited };
}

/** An init in fresh namespaces, waiting for its job (a warm one when started ahead of time). */
export async function spawnInit(dir: string, cmd: InitCommand): Promise<InitProcess> {
  const log = prepareDir(dir);
  const status = new MessageChannel<InitMessage>(path.join(dir, 'status'));
  try {
    // detached: its own session, so a Ctrl-C in the terminal that started Skiff never reaches it.
    const child = spawn('unshare', ['--pid', '--uts', '--ipc', '--net', '--', '/bin/sh', '-c', MONITOR, 'skiff-monitor', dir, cmd.node, cmd.script, dir, String(process.pid)], { detached: true, stdio: ['ignore', 'ignore', log] });
    child.unref();
    return await started(dir, status, child, 'unshare');
  } finally {
    fs.closeSync(log);
  }
}

/** An init inside a running container's namespaces, for `exec`. */
export async function spawnExecInit(dir: string, cmd: InitCommand, containerPid: number): Promise<InitProcess> {
  const log = prepareDir(dir);
  const status = new MessageChannel<InitMessage>(path.join(dir, 'status'));
  try {
    const child = spawn('nsenter', ['-t', String(containerPid), '-m', '-u', '-i', '-n', '-p', '--root=/', '--wd=/', '--', cmd.node, cmd.script, dir], { stdio: ['ignore', 'ignore', log] });
    return await started(dir, status, child, 'nsenter');
  } finally {
    fs.closeSync(log);
  }
}

export type StartOutcome =
  | { ok: true; messages: InitMessage[]; exec: Extract<InitMessage, { t: 'exec' }> }
  | { ok: false; messages: InitMessage[]; error: string; hint?: string; exitCode: number };

/**
 * Hands the init its job and follows it to execve. `onMessage` sees each report as it comes (the
 * engine turns them into events). `exitTarget` is where the monitor writes the exit code.
 */
export async function runJob(p: InitProcess, job: InitJob, onMessage: (m: InitMessage) => void, exitTarget?: string): Promise<StartOutcome> {
  if (exitTarget) fs.writeFileSync(path.join(p.dir, 'target'), exitTarget + '\n');
  writeLine(path.join(p.dir, 'job'), JSON.stringify(job));
  const messages: InitMessage[] = [];
  let exec: Extract<InitMessage, { t: 'exec' }> | undefined;
  for (;;) {
    const m = await p.status.next(60_000).catch(() => undefined);
    if (!m) break;
    messages.push(m);
    onMessage(m);
    if (m.t === 'exec') exec = m;
    if (m.t === 'error') return { ok: false, messages, error: m.message, hint: m.hint, exitCode: m.exitCode };
  }
  // End of the status pipe: execve closed it (success) — or the init died without a word.
  if (exec) return { ok: true, messages, exec };
  const log = fs.readFileSync(path.join(p.dir, 'init.log'), 'utf8').trim().split('\n').slice(-3).join(' / ');
  return { ok: false, messages, error: `the container's init process ended before starting the command${log ? `: ${log}` : ''}`, exitCode: 125 };
}
