// The first process of every container (and of every `exec`), built as dist/init.js. It is started
// already inside the container's new namespaces — `unshare --fork --pid --mount --uts --ipc --net`
// runs it as PID 1 of a new PID namespace — and waits for its job. Then, in this order, it:
//   1. opens the streams and cgroup files it will need (host paths, reachable only now),
//   2. makes the root filesystem: the image's layers, /proc, /dev, /sys, volumes, pivot_root
//      (steps.ts, from the engine's plan),
//   3. becomes the user's command: cgroup, user, capabilities, execve (process.ts).
// The engine starts these processes ahead of time (a warm pool), so starting a container costs
// the few milliseconds of the steps, not the start-up of Node.js.
//
// Usage: node init.js <dir> [<engine pid>]   (<dir> holds the `job` and `status` FIFOs)
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setBlocking } from '../../../kernel/fs.ts';
import { namespaceInodes } from '../../../kernel/namespaces.ts';
import { linuxSyscalls } from '../../../kernel/syscalls.ts';
import { copyTree } from '../../snapshot/copy.ts';
import { EXIT, type InitJob, type InitMessage } from '../protocol.ts';
import { joinCgroups, openStdio, StartError, startProcess } from './process.ts';
import { runSteps } from './steps.ts';

const dir = process.argv[2]!;
const enginePid = Number(process.argv[3] ?? 0);

// The engine holds the read end before it starts us. Opened non-blocking, the open fails at once
// (ENXIO) when nobody reads — the engine died while we were starting — instead of waiting forever;
// then writes block as usual. Node opens it close-on-exec, so a successful execve closes it: the
// engine's signal that the command runs.
let status: number;
try {
  status = fs.openSync(path.join(dir, 'status'), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
} catch {
  process.exit(0); // no engine to report to: nobody will ever send a job
}
setBlocking(status);
const send = (m: InitMessage) => void fs.writeSync(status, JSON.stringify(m) + '\n');
// Our /proc is still the host's: /proc/self names our PID as the host sees it.
const hostPid = Number(fs.readlinkSync('/proc/self'));
const lastCap = Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
// The job arrives on a FIFO we open read-write: a read-only FIFO with no writer yet reads as
// end-of-file at once, and we want to wait (polling, so a timer can notice a dead engine). It is
// open before we say hello, so the engine can write the job as soon as it hears from us.
const job = new net.Socket({ fd: fs.openSync(path.join(dir, 'job'), fs.constants.O_RDWR | fs.constants.O_NONBLOCK), readable: true, writable: false });
send({ t: 'hello', hostPid, ns: namespaceInodes('self') });

async function run(job: InitJob): Promise<never> {
  const sys = linuxSyscalls();
  const stdio = openStdio(job.process.stdio);
  const joined = joinCgroups(job.cgroupProcs);
  joined.catch(() => {}); // awaited in startProcess; a failure is reported from there
  if (job.enterRootOf) {
    // exec: nsenter put us in the container's namespaces with the host's root still ours; the
    // container's root is one magic link away.
    sys.chroot(`/proc/${job.enterRootOf}/root`);
    sys.chdir('/');
  }
  await runSteps(job.steps, { sys, report: send, copyTree });
  if (job.steps.some((s) => s.do === 'join-netns')) send({ t: 'ns', ns: namespaceInodes('self') });
  // Now /proc is the container's: our PID there (1 for a container's main process).
  const pidInside = Number(fs.readlinkSync('/proc/self'));
  return startProcess(job.process, stdio, joined, sys, send, lastCap, pidInside, hostPid);
}

function fail(e: unknown): never {
  const err = e instanceof StartError ? e : new StartError(e instanceof Error ? e.message : String(e), EXIT.ENGINE);
  try {
    send({ t: 'error', message: err.message, hint: err.hint, exitCode: err.exitCode });
  } finally {
    process.exit(err.exitCode);
  }
}

let text = '';
// Asked through /proc, not kill(pid, 0): we are in a new PID namespace already, where the engine's
// PID names nobody (ESRCH), but /proc is still the host's until the job's steps mount our own.
const watchdog = enginePid
  ? setInterval(() => {
      if (!fs.existsSync(`/proc/${enginePid}`)) process.exit(0); // the engine that made us is gone: nobody will ever send a job
    }, 2000)
  : undefined;
job.on('data', (chunk) => {
  text += chunk.toString('utf8');
  const nl = text.indexOf('\n');
  if (nl < 0) return;
  job.destroy();
  if (watchdog) clearInterval(watchdog);
  let parsed: InitJob;
  try {
    parsed = JSON.parse(text.slice(0, nl)) as InitJob;
  } catch (e) {
    fail(e);
  }
  run(parsed).catch(fail);
});
