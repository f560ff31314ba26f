// The running side of containers: start (the seven steps of `docker run` that happen after create),
// noticing the end, stop and kill. A container is watched by the engine process that started it
// (it holds the streams and is the monitor's parent) — or, when that process is gone (a one-shot
// command, an engine restart), by whoever asks next: the monitor's exit file is the truth.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { effectiveCaps } from '../../kernel/capabilities.ts';
import type { CgroupManager, ContainerCgroup } from '../../kernel/cgroup/types.ts';
import { namespaceInode } from '../../kernel/namespaces.ts';
import { takeFd } from '../../kernel/pty.ts';
import { SkiffError } from '../errors.ts';
import type { EventBus, NamespaceType } from '../events.ts';
import type { NetworkService } from '../network/service.ts';
import type { StartNetwork } from '../network/endpoints.ts';
import type { Snapshotter } from '../snapshot/types.ts';
import { alive } from '../store/lock.ts';
import { planRootfs } from '../runtime/plan.ts';
import type { InitPool } from '../runtime/pool.ts';
import { runJob } from '../runtime/shim.ts';
import { processEnv } from './config.ts';
import { Attachment } from './attach.ts';
import { ContainerIO } from './io.ts';
import { reportEvents, type ReportContext } from './reports.ts';
import type { ContainerRecord, ContainerStore, RunInfo, StateFile } from './store.ts';
import { NEVER } from './types.ts';

export interface RunnerDeps {
  /** Called once a container's exit is recorded (the service removes --rm containers). */
  onExit?: (id: string, info: ExitInfo) => Promise<void>;
  store: ContainerStore;
  events: EventBus;
  snapshots: Snapshotter;
  cgroups?: CgroupManager;
  /** Why there are no cgroups, when there are none (said when a limit is asked for). */
  cgroupsUnavailable?: SkiffError;
  pool: InitPool;
  hostNs: Partial<Record<NamespaceType, number>>;
  network: NetworkService;
}

export interface ExitInfo {
  StatusCode: number;
  Error?: string;
  OOMKilled: boolean;
}

/** A container whose streams this process holds. */
interface Live {
  io: ContainerIO;
  exited: Promise<ExitInfo>;
}

const SIGNALS: Record<string, number> = os.constants.signals;

/** "KILL", "SIGKILL", "9" → "SIGKILL". */
export function normalizeSignal(s: string | undefined, fallback: string): NodeJS.Signals {
  if (!s) return fallback as NodeJS.Signals;
  const up = s.toUpperCase();
  if (/^\d+$/.test(up)) {
    const name = Object.entries(SIGNALS).find(([, n]) => n === Number(up))?.[0];
    if (name) return name as NodeJS.Signals;
  }
  const name = up.startsWith('SIG') ? up : `SIG${up}`;
  if (!(name in SIGNALS)) throw new SkiffError('USAGE', `Invalid signal: ${s}`, 'use a name like SIGTERM or KILL, or a number like 9');
  return name as NodeJS.Signals;
}

export class Runner {
  private readonly live = new Map<string, Live>();
  private readonly exitWaiters = new Map<string, Set<(e: ExitInfo) => void>>();
  /** The last exit recorded in this process, per container (it may be removed right after). */
  private readonly lastExit = new Map<string, ExitInfo>();
  private readonly attachments = new Map<string, Set<Attachment>>();
  private readonly settling = new Map<string, Promise<ExitInfo>>();
  private detached = false;

  constructor(private readonly d: RunnerDeps) {}

  io(id: string): ContainerIO | undefined {
    return this.live.get(id)?.io;
  }

  /**
   * Attaches a client to a container's streams: now if it runs here, else at its next start (how
   * `run` attaches before starting, so no output is missed).
   */
  attach(id: string, want: Attachment['want']): Attachment {
    const a = new Attachment(want);
    const set = this.attachments.get(id) ?? new Set<Attachment>();
    set.add(a);
    this.attachments.set(id, set);
    a.onClose = () => set.delete(a);
    const live = this.live.get(id);
    if (live) this.connect(live.io, a);
    return a;
  }

  private connect(io: ContainerIO, a: Attachment): void {
    const stop = io.listen((stream, data) => a.push(stream, data));
    a.connect(io);
    const forget = a.onClose;
    a.onClose = () => {
      stop();
      forget?.();
    };
  }

  private endAttachments(id: string): void {
    for (const a of this.attachments.get(id) ?? []) a.finish();
    this.attachments.delete(id);
  }

  cgroupOf(id: string, run?: RunInfo): ContainerCgroup | undefined {
    return run?.cgroup && this.d.cgroups ? this.d.cgroups.create(run.cgroup) : undefined;
  }

  /** Removes the container's cgroup if one is left (a removal after a crash). */
  async removeCgroup(id: string): Promise<void> {
    await this.d.cgroups?.create(id).destroy().catch(() => {});
  }

  private exitFile(id: string): string {
    return path.join(this.d.store.dir(id), 'exit');
  }

  /** The code the monitor wrote, once it is complete (it ends with a newline). */
  private exitCode(id: string): number | undefined {
    try {
      const text = fs.readFileSync(this.exitFile(id), 'utf8');
      return text.endsWith('\n') ? Number.parseInt(text, 10) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Starts a created or exited container. Resolves when the user's command is running. */
  async start(rec: ContainerRecord, sf: StateFile, opts: { size?: { rows: number; cols: number } } = {}): Promise<void> {
    const { store, events, snapshots } = this.d;
    const id = rec.id;
    const dir = store.dir(id);
    const snap = await snapshots.get(id);
    if (!snap) throw new SkiffError('RUNTIME', `the root filesystem of container ${id.slice(0, 12)} is missing`, 'remove the container and create it again');

    // Step: the cgroup, with the limits written before any process is in it.
    let cg: ContainerCgroup | undefined;
    const limited = Object.keys(rec.limits).length > 0;
    if (this.d.cgroups) {
      cg = this.d.cgroups.create(id);
      for (const w of cg.apply(rec.limits)) events.emit({ type: 'runtime.cgroup', id, version: cg.version, file: w.file, value: w.value });
    } else if (limited) {
      throw this.d.cgroupsUnavailable ?? new SkiffError('UNSUPPORTED', 'this host has no usable cgroups, so resource limits cannot be enforced', 'run without -m/--cpus/--pids-limit');
    }

    const tty = rec.config.Tty === true;
    const io = new ContainerIO(path.join(dir, 'io'), { tty, stdin: rec.config.OpenStdin === true, size: opts.size, log: store.logPath(id) });
    fs.rmSync(this.exitFile(id), { force: true });
    for (const a of this.attachments.get(id) ?? []) this.connect(io, a);
    let init;
    try {
      init = await this.d.pool.take();
    } catch (e) {
      io.abandon();
      this.endAttachments(id);
      await cg?.destroy();
      throw e;
    }
    // A start that fails from here on leaves nothing behind: the init ends, the streams close, the
    // cgroup, veth pairs and published ports go; the container stays "created" with the error.
    const failStart = async (error: string, hint: string | undefined, exitCode: number): Promise<never> => {
      try {
        process.kill(init.hostPid, 'SIGKILL');
      } catch {
        // gone already
      }
      await init.exited;
      io.abandon();
      this.endAttachments(id);
      this.d.network.endpoints.abortStart(id);
      await this.d.network.endpoints.stopped(id).catch(() => {});
      await cg?.destroy();
      fs.rmSync(init.dir, { recursive: true, force: true });
      // Docker leaves a container whose start failed in "created", with the error and exit code.
      sf.state = { ...sf.state, Error: error, ExitCode: exitCode, FinishedAt: new Date().toISOString() };
      await store.saveState(id, sf);
      events.emit({ type: 'container.exit', id, exitCode, oomKilled: false, reason: 'start-failed', error });
      throw Object.assign(new SkiffError('RUNTIME', error, hint), { exitCode });
    };

    // Steps 4 and 5 of `docker run`: the network interface on a bridge (its address came from the
    // pool at create), made from outside while the init waits in its new namespaces; then the
    // published ports, bound before the command runs so a port already taken fails the start.
    let net: StartNetwork;
    try {
      net = await this.d.network.endpoints.prepareStart(rec, init.hostPid);
      await this.d.network.endpoints.started(rec);
    } catch (e) {
      const err = e instanceof SkiffError ? e : undefined;
      return failStart(e instanceof Error ? e.message : String(e), err?.hint, 125);
    }
    const steps = planRootfs({
      rootfsDir: path.join(dir, 'rootfs'),
      rootfsMounts: snap.mounts,
      readonlyRootfs: rec.hostConfig.ReadonlyRootfs === true,
      hostname: rec.config.Hostname ?? id.slice(0, 12),
      files: { hosts: net.files?.hosts ?? path.join(dir, 'hosts'), hostname: path.join(dir, 'hostname'), resolvConf: net.files?.resolvConf ?? path.join(dir, 'resolv.conf') },
      volumes: rec.mounts,
      cgroup: { version: cg?.version ?? 1, dirs: (cg?.views ?? []).map((v) => ({ controller: v.name, dir: v.dir })) },
      ...(io.stdio.terminal ? { console: io.stdio.terminal } : {}),
      network: net.plan,
      workdir: rec.config.WorkingDir || '/',
      kcore: fs.existsSync('/proc/kcore'),
    });
    fs.mkdirSync(path.join(dir, 'rootfs'), { recursive: true });
    const ctx: ReportContext = {
      id, hostNs: this.d.hostNs, driver: snap.driver, lowerdirs: snap.lowerdirs, cgroupVersion: cg?.version ?? 1,
      ...(snap.upperdir ? { upperdir: snap.upperdir } : {}), ...(snap.workdir ? { workdir: snap.workdir } : {}), ...(snap.dir ? { snapshotDir: snap.dir } : {}),
      ...(net.plan.mode === 'container' ? { joinedNet: true } : {}),
    };
    // The namespaces were made when the init started (ahead of time, when it came from the pool).
    for (const e of reportEvents(ctx, init.hello)) events.emit(e);
    const tJob = performance.now();
    let rootfsMs = 0;
    let netMs = net.step.ms;
    const outcome = await runJob(init, {
      id,
      steps,
      cgroupProcs: cg?.procsFiles ?? [],
      process: {
        argv: [rec.path, ...rec.args],
        env: withLinkEnv(processEnv(rec.config), net.env),
        cwd: rec.config.WorkingDir || '/',
        user: rec.config.User ?? '',
        caps: effectiveCaps(rec.hostConfig.CapAdd ?? [], rec.hostConfig.CapDrop ?? []),
        noNewPrivs: !(rec.hostConfig.SecurityOpt ?? []).includes('no-new-privileges=false'),
        stdio: io.stdio,
      },
    }, (m) => {
      if (m.t === 'step' && (m.step.do === 'net-interface' || m.step.do === 'net-route')) netMs += m.ms;
      else if (m.t === 'step' && m.step.do !== 'hostname' && m.step.do !== 'loopback-up') rootfsMs += m.ms;
      for (const e of reportEvents(ctx, m)) events.emit(e);
    }, this.exitFile(id));

    if (!outcome.ok) return failStart(outcome.error, outcome.hint, outcome.exitCode);

    const holder = tty ? holdTerminal(io.masterFd!) : undefined;
    const run: RunInfo = { hostPid: init.hostPid, monitorPid: init.child.pid ?? 0, ns: init.hello.ns, initDir: init.dir, tty, stdin: rec.config.OpenStdin === true, ...(cg ? { cgroup: id } : {}), ...(holder ? { ptyHolder: holder } : {}) };
    sf.state = { ...sf.state, Status: 'running', Running: true, Pid: init.hostPid, ExitCode: 0, Error: '', OOMKilled: false, StartedAt: new Date().toISOString(), FinishedAt: NEVER };
    sf.run = run;
    await store.saveState(id, sf);
    events.emit({ type: 'runtime.step', id, step: 'rootfs', ms: rootfsMs, detail: `${snap.driver}: ${snap.lowerdirs.length} layer(s) + a writable layer` });
    events.emit({ type: 'runtime.step', id, step: 'network', ms: netMs, detail: net.step.detail, ...(net.step.skipped ? { skipped: true } : {}) });
    events.emit({ type: 'runtime.step', id, step: 'start', ms: performance.now() - tJob });
    events.emit({ type: 'container.start', id });
    for (const m of rec.mounts) if (m.volume) events.emit({ type: 'volume.mount', name: m.volume, container: id, destination: m.destination });
    io.started();
    claimDrain(path.join(dir, 'io'));
    const exited = init.exited.then(() => this.finish(id, io));
    exited.catch(() => {});
    this.live.set(id, { io, exited });
    events.emit({ type: 'runtime.step', id, step: 'attach', ms: 0, detail: tty ? 'a pseudo-terminal' : 'stdout and stderr pipes, kept apart in the log' });
  }

  /**
   * Collects the output of a running container whose starter has gone (a one-shot `run -d`, an
   * engine restart) into its log — unless another live Skiff process already does. With a
   * terminal there is nothing to adopt: the terminal went with the process that held it.
   */
  adopt(id: string, sf: StateFile): void {
    if (this.live.has(id) || sf.state.Status !== 'running' || !sf.run) return;
    if (sf.run.tty && !(sf.run.ptyHolder && isHolder(sf.run.ptyHolder))) return; // its terminal is gone
    const ioDir = path.join(this.d.store.dir(id), 'io');
    if (!claimDrain(ioDir)) return;
    let io: ContainerIO;
    try {
      io = sf.run.tty
        ? new ContainerIO(ioDir, { tty: true, stdin: false, log: this.d.store.logPath(id), adopt: true, master: takeFd(sf.run.ptyHolder!, 3) })
        : new ContainerIO(ioDir, { tty: false, stdin: false, log: this.d.store.logPath(id), adopt: true });
    } catch {
      releaseDrain(ioDir);
      return;
    }
    const run = sf.run;
    const exited = (async () => {
      while (!this.detached && this.exitCode(id) === undefined && (this.stillRunning(run) || alive(run.monitorPid))) await sleep(100);
      return this.finish(id, io);
    })();
    this.live.set(id, { io, exited });
  }

  /** The main process has ended: record how, release what it held, tell the waiters. */
  private async finish(id: string, io?: ContainerIO): Promise<ExitInfo> {
    if (this.detached) return { StatusCode: -1, OOMKilled: false }; // this engine has let go; the next one settles it
    await io?.finish();
    releaseDrain(path.join(this.d.store.dir(id), 'io'));
    this.endAttachments(id);
    const sf = await this.d.store.state(id);
    const info = sf ? await this.settle(id, sf) : { StatusCode: 255, OOMKilled: false };
    this.live.delete(id);
    return info;
  }

  /** Reads the exit file and moves the state to "exited" — once per process at a time, and a
   *  state another process has settled already is kept as it is. */
  private settle(id: string, sf: StateFile): Promise<ExitInfo> {
    let p = this.settling.get(id);
    if (!p) {
      p = this.settleOnce(id, sf).finally(() => this.settling.delete(id));
      this.settling.set(id, p);
    }
    return p;
  }

  private async settleOnce(id: string, sf: StateFile): Promise<ExitInfo> {
    if (sf.state.Status !== 'running') return { StatusCode: sf.state.ExitCode, OOMKilled: sf.state.OOMKilled, ...(sf.state.Error ? { Error: sf.state.Error } : {}) };
    const code = this.exitCode(id) ?? 255;
    const error = this.exitCode(id) === undefined ? 'the container\'s process disappeared without an exit code (the host restarted, or its monitor was killed)' : '';
    const cg = this.cgroupOf(id, sf.run);
    let oom = false;
    try {
      oom = (cg?.oomKills() ?? 0) > 0;
    } catch {
      // the cgroup is gone already
    }
    await cg?.destroy().catch(() => {});
    await this.d.network.endpoints.stopped(id).catch(() => {}); // its published ports are let go
    if (sf.run?.initDir) fs.rmSync(sf.run.initDir, { recursive: true, force: true });
    if (sf.run?.ptyHolder && isHolder(sf.run.ptyHolder)) process.kill(sf.run.ptyHolder, 'SIGKILL');
    const now = await this.d.store.state(id);
    if (now && now.state.Status !== 'running') return { StatusCode: now.state.ExitCode, OOMKilled: now.state.OOMKilled, ...(now.state.Error ? { Error: now.state.Error } : {}) };
    sf.state = { ...sf.state, Status: 'exited', Running: false, Pid: 0, ExitCode: code, OOMKilled: oom, Error: error, FinishedAt: new Date().toISOString() };
    delete sf.run;
    await this.d.store.saveState(id, sf);
    const signal = code > 128 && code < 160 ? Object.entries(SIGNALS).find(([, n]) => n === code - 128)?.[0] : undefined;
    this.d.events.emit({ type: 'container.exit', id, exitCode: code, oomKilled: oom, reason: oom ? 'oom' : signal ? 'signaled' : 'exited', ...(signal ? { signal } : {}), ...(error ? { error } : {}) });
    const rec = await this.d.store.record(id);
    for (const m of rec?.mounts ?? []) if (m.volume) this.d.events.emit({ type: 'volume.unmount', name: m.volume, container: id, destination: m.destination });
    const info: ExitInfo = { StatusCode: code, OOMKilled: oom, ...(error ? { Error: error } : {}) };
    // Told before --rm removes it: a waiter learns the code even if the container is gone by then.
    this.lastExit.set(id, info);
    for (const w of this.exitWaiters.get(id) ?? []) w(info);
    this.exitWaiters.delete(id);
    await this.d.onExit?.(id, info).catch(() => {});
    return info;
  }

  /** Whether the recorded main process is still the one we started (a PID can be reused). */
  private stillRunning(run: RunInfo): boolean {
    if (!alive(run.hostPid)) return false;
    try {
      return run.ns.pid === undefined || namespaceInode(run.hostPid, 'pid') === run.ns.pid;
    } catch {
      return false;
    }
  }

  /** Brings the state on disk up to date for a container this process does not watch. */
  async refresh(id: string, sf: StateFile): Promise<StateFile> {
    if (sf.state.Status !== 'running' || this.live.has(id) || !sf.run) return sf;
    const exitWritten = this.exitCode(id) !== undefined;
    if (!exitWritten && (this.stillRunning(sf.run) || alive(sf.run.monitorPid))) return sf;
    await this.settle(id, sf);
    return (await this.d.store.state(id)) ?? sf;
  }

  /**
   * Resolves when the container is not running: at once if it is stopped, else at its exit. With
   * `next`, only an exit that happens after this call counts (the API's condition=next-exit, which
   * `docker run` asks for before it starts the container).
   */
  async waitExit(id: string, opts: { next?: boolean; signal?: AbortSignal } = {}): Promise<ExitInfo> {
    // Listening first: an exit recorded (and a --rm removal done) while we look still reaches us.
    let settled: ExitInfo | undefined;
    const heard = new Promise<ExitInfo>((resolve) => {
      const set = this.exitWaiters.get(id) ?? new Set();
      set.add((e) => resolve((settled = e)));
      this.exitWaiters.set(id, set);
    });
    const gone = () => {
      const last = this.lastExit.get(id);
      if (last) return last;
      throw new SkiffError('CONTAINER_NOT_FOUND', `No such container: ${id}`);
    };
    const first = await this.d.store.state(id);
    if (!first) return gone();
    const before = first.state.FinishedAt;
    for (;;) {
      if (settled) return settled;
      const live = this.live.get(id);
      if (live) return live.exited;
      const sf = await this.d.store.state(id);
      if (!sf) return settled ?? gone();
      const now = await this.refresh(id, sf);
      if (now.state.Status !== 'running' && (!opts.next || now.state.FinishedAt !== before)) {
        return { StatusCode: now.state.ExitCode, OOMKilled: now.state.OOMKilled, ...(now.state.Error ? { Error: now.state.Error } : {}) };
      }
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (this.detached) throw new SkiffError('RUNTIME', 'the engine stopped watching containers', 'ask again');
      // Not started yet, or someone else's container: look again shortly (its exit file tells).
      await Promise.race([sleep(50), heard]);
    }
  }

  /** Sends a signal to the main process (its PID 1). */
  signal(sf: StateFile, id: string, sig: NodeJS.Signals): void {
    if (!sf.run || sf.state.Status !== 'running') throw new SkiffError('NOT_RUNNING', `Container ${id.slice(0, 12)} is not running`, 'start it first');
    try {
      process.kill(sf.run.hostPid, sig);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }

  /** `stop`: the stop signal, then SIGKILL after `timeout` seconds (Docker's default 10). */
  async stop(id: string, sf: StateFile, stopSignal: NodeJS.Signals, timeout: number): Promise<void> {
    if (sf.state.Status !== 'running') return;
    this.d.events.emit({ type: 'container.signal', id, signal: stopSignal, action: 'stop' });
    this.signal(sf, id, stopSignal);
    const ended = await Promise.race([this.waitExit(id).then(() => true), sleep(timeout * 1000).then(() => false)]);
    if (ended) return;
    this.d.events.emit({ type: 'container.signal', id, signal: 'SIGKILL', action: 'stop' });
    const now = await this.refresh(id, (await this.d.store.state(id)) ?? sf);
    if (now.state.Status === 'running') this.signal(now, id, 'SIGKILL');
    await this.waitExit(id);
  }

  /** The engine is going away: stop reading streams; the containers keep running. */
  detachAll(): void {
    this.detached = true;
    for (const [id, l] of this.live) {
      l.io.abandon();
      releaseDrain(path.join(this.d.store.dir(id), 'io'));
    }
    this.live.clear();
  }
}

/** The process's environment with a link's variables, unless the container sets the same name itself. */
function withLinkEnv(env: string[], links: string[]): string[] {
  const key = (e: string) => e.split('=', 1)[0];
  const own = new Set(env.map(key));
  return [...env, ...links.filter((l) => !own.has(key(l)))];
}

const HOLD = ['sleep', '2147483647'];

/**
 * A terminal's master closes when the last process holding it does — with the engine, and the
 * shell in the container would get a hang-up. So a do-nothing process keeps a copy (as its fd 3):
 * the terminal lives as long as the container, and a restarted engine takes the master back
 * from it (pidfd_getfd). Docker's containerd-shim does the same job.
 */
function holdTerminal(master: number): number | undefined {
  const child = spawn(HOLD[0]!, HOLD.slice(1), { detached: true, stdio: ['ignore', 'ignore', 'ignore', master] });
  child.on('error', () => {});
  child.unref();
  return child.pid;
}

/** Whether `pid` is still our terminal holder (and not a reused PID). */
function isHolder(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') === HOLD.join('\0') + '\0';
  } catch {
    return false;
  }
}

/** One process at a time reads a container's output FIFOs: the one holding `drain.lock`. */
function claimDrain(ioDir: string): boolean {
  const lock = path.join(ioDir, 'drain.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return false;
    }
    const owner = Number(fs.readFileSync(lock, 'utf8') || 0);
    if (owner === process.pid) return true;
    if (owner > 0 && alive(owner)) return false;
    fs.rmSync(lock, { force: true });
  }
  return false;
}

function releaseDrain(ioDir: string): void {
  const lock = path.join(ioDir, 'drain.lock');
  try {
    if (Number(fs.readFileSync(lock, 'utf8')) === process.pid) fs.rmSync(lock, { force: true });
  } catch {
    // not ours, or gone
  }
}
