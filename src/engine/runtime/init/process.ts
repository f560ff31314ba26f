// The last part of starting a container process, after its root filesystem is in place: the
// user's command gets its standard streams, its cgroup, its user, a cut-down set of capabilities,
// no way to gain privileges, a clean signal state — and then execve(2) replaces this Node.js
// process with it, keeping the PID (so the command is PID 1 of the container).
import fs from 'node:fs';
import path from 'node:path';
import { capNumber, type Capability } from '../../../kernel/capabilities.ts';
import type { Syscalls } from '../../../kernel/syscalls.ts';
import { DEFAULT_PATH } from '../defaults.ts';
import { EXIT, type InitMessage, type ProcessSpec } from '../protocol.ts';
import { type ExecUser, parseGroup, parsePasswd, resolveUser, UserError } from './user.ts';

/** A failure that ends the start with Docker's exit code and a one-line message. */
export class StartError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export interface Stdio {
  fds: [number, number, number];
  terminal: boolean;
}

/**
 * Opens the process's streams while the host's paths are still reachable (before pivot_root).
 * FIFOs for output are opened read-write: the container then never gets EPIPE while the engine is
 * away (a restart), it only blocks once the pipe is full — Docker's shim keeps them open the same way.
 */
export function openStdio(s: ProcessSpec['stdio']): Stdio {
  const { O_RDONLY, O_RDWR, O_WRONLY, O_NOCTTY } = fs.constants;
  if (s.terminal) {
    const fd = fs.openSync(s.terminal, O_RDWR | O_NOCTTY);
    return { fds: [fd, fd, fd], terminal: true };
  }
  const stdin = s.stdin ? fs.openSync(s.stdin, O_RDONLY) : fs.openSync('/dev/null', O_RDONLY);
  const stdout = s.stdout ? fs.openSync(s.stdout, O_RDWR) : fs.openSync('/dev/null', O_WRONLY);
  const stderr = s.stderr ? fs.openSync(s.stderr, O_RDWR) : fs.openSync('/dev/null', O_WRONLY);
  return { fds: [stdin, stdout, stderr], terminal: false };
}

/**
 * Joins the cgroup: "0" written into each cgroup.procs moves the writing process, all its threads.
 * The files are opened now (after pivot_root the host's cgroup tree is out of reach) and written
 * from libuv's thread pool while this thread makes the root filesystem: on cgroup v1 each move
 * waits for an RCU grace period, milliseconds per hierarchy, which would otherwise add up on the
 * start path. startProcess waits for them before the command runs, so it never runs unlimited.
 */
export function joinCgroups(files: string[]): Promise<string[]> {
  const opened = files.map((file) => ({ file, fd: fs.openSync(file, fs.constants.O_WRONLY) }));
  return Promise.all(opened.map(({ file, fd }) => new Promise<string>((resolve, reject) => {
    fs.write(fd, '0', (err) => {
      fs.close(fd, () => {});
      if (err) reject(err);
      else resolve(file);
    });
  })));
}

function readOrEmpty(p: string): string {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

/** Docker's lookup of the command: a name without "/" is searched in the container's PATH. */
export function findExecutable(cmd: string, env: string[], exists: (p: string) => 'exec' | 'noexec' | 'dir' | 'missing'): string {
  if (cmd.includes('/')) {
    const what = exists(cmd);
    if (what === 'missing') throw new StartError(`exec: "${cmd}": stat ${cmd}: no such file or directory`, EXIT.NOT_FOUND, 'check the path inside the image');
    if (what === 'dir') throw new StartError(`exec: "${cmd}": is a directory`, EXIT.CANNOT_EXECUTE);
    if (what === 'noexec') throw new StartError(`exec: "${cmd}": permission denied`, EXIT.CANNOT_EXECUTE, 'the file is not executable for the container user');
    return cmd;
  }
  const pathVar = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH;
  let denied: string | undefined;
  for (const dir of pathVar.split(':')) {
    const p = path.posix.join(dir || '.', cmd);
    const what = exists(p);
    if (what === 'exec') return p;
    if (what === 'noexec') denied ??= p;
  }
  if (denied) throw new StartError(`exec: "${cmd}": permission denied`, EXIT.CANNOT_EXECUTE, 'the file is not executable for the container user');
  throw new StartError(`exec: "${cmd}": executable file not found in $PATH`, EXIT.NOT_FOUND, 'check the command name, or install it in the image');
}

function probe(p: string): 'exec' | 'noexec' | 'dir' | 'missing' {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return 'missing';
  }
  if (st.isDirectory()) return 'dir';
  try {
    fs.accessSync(p, fs.constants.X_OK); // access(2) checks with the real uid: the container user by now
    return 'exec';
  } catch {
    return 'noexec';
  }
}

function withDefaults(env: string[], user: ExecUser): string[] {
  const out = [...env];
  if (!out.some((e) => e.startsWith('PATH='))) out.unshift(`PATH=${DEFAULT_PATH}`);
  if (!out.some((e) => e.startsWith('HOME='))) out.push(`HOME=${user.home}`);
  return out;
}

export async function startProcess(spec: ProcessSpec, stdio: Stdio, joined: Promise<string[]>, sys: Syscalls, report: (m: InitMessage) => void, lastCap: number, pidInside: number, hostPid: number): Promise<never> {
  // Who the command runs as, from the container's own user database.
  let user: ExecUser;
  try {
    user = resolveUser(spec.user, parsePasswd(readOrEmpty('/etc/passwd')), parseGroup(readOrEmpty('/etc/group')));
  } catch (e) {
    if (e instanceof UserError) throw new StartError(e.message, EXIT.ENGINE, 'use a numeric --user uid[:gid], or add the user to the image');
    throw e;
  }
  const env = withDefaults(spec.env, user);

  // The working directory is made when missing, as Docker does for WORKDIR and -w.
  fs.mkdirSync(spec.cwd, { recursive: true, mode: 0o755 });
  sys.chdir(spec.cwd);

  // A new session; with a terminal, the pty becomes its controlling terminal (Ctrl-C → SIGINT).
  sys.setsid();
  for (let i = 0; i < 3; i++) sys.dup2(stdio.fds[i]!, i);
  if (stdio.terminal) sys.setControllingTerminal(0);

  // In the cgroup before anything else of the command's: the writes started at the beginning.
  for (const file of await joined) report({ t: 'cgroup', file, value: String(hostPid) });

  // Capabilities: drop every one not kept from the bounding set — for good. The inheritable set is
  // emptied; effective/permitted keep what is kept plus SETUID/SETGID for the switch below, and
  // execve then gives a root process exactly the bounding set (a non-root one nothing).
  const kept = new Set(spec.caps.map(capNumber));
  for (let cap = 0; cap <= lastCap; cap++) if (!kept.has(cap)) sys.dropBoundingCap(cap);
  sys.clearAmbientCaps();
  let mask = 0n;
  for (const c of [...kept, capNumber('CAP_SETUID'), capNumber('CAP_SETGID')]) mask |= 1n << BigInt(c);
  sys.capset(mask, mask, 0n);
  if (spec.noNewPrivs) sys.setNoNewPrivs();
  // Groups, then gid, then uid: once the uid is not 0 the others can no longer be changed.
  process.setgroups!(user.groups);
  process.setgid!(user.gid);
  process.setuid!(user.uid);
  report({ t: 'caps', kept: spec.caps as Capability[], noNewPrivs: spec.noNewPrivs, uid: user.uid, gid: user.gid, groups: user.groups });

  const file = findExecutable(spec.argv[0]!, env, probe);
  // Node's own descriptors (and the status pipe) must not leak into the container: close-on-exec
  // for every one above stderr. Node also opens 0-2 close-on-exec; dup2 above cleared that.
  sys.cloexecFrom(3);
  for (let i = 0; i < 3; i++) sys.clearCloexec(i);
  sys.resetSignals();
  report({ t: 'exec', path: file, argv: spec.argv, hostPid, pid: pidInside });
  try {
    return sys.execve(file, spec.argv, env);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new StartError(`exec: "${spec.argv[0]}": no such file or directory (a script whose interpreter is missing?)`, EXIT.NOT_FOUND);
    throw new StartError(`exec: "${spec.argv[0]}": ${code === 'ENOEXEC' ? 'exec format error' : (code ?? 'failed')}`, EXIT.CANNOT_EXECUTE, code === 'ENOEXEC' ? 'the file is not a program for this CPU' : undefined);
  }
}
