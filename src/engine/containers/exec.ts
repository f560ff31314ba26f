// `exec`: one more process in a running container — the same namespaces (nsenter joins the main
// process's), the same cgroup, root directory, capabilities and user rules. Exec records live in
// the engine's memory, as in Docker: they are about processes, which end with it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { effectiveCaps } from '../../kernel/capabilities.ts';
import { SkiffError } from '../errors.ts';
import type { EventBus, NamespaceType } from '../events.ts';
import { type InitCommand, runJob, spawnExecInit } from '../runtime/shim.ts';
import { processEnv } from './config.ts';
import { ContainerIO } from './io.ts';
import { reportEvents, type ReportContext } from './reports.ts';
import type { Runner } from './runner.ts';
import type { ContainerStore } from './store.ts';

export interface ExecConfig {
  Cmd: string[];
  Tty?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  Privileged?: boolean;
  ConsoleSize?: [number, number] | null;
}

interface ExecRecord {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  exitCode: number | null;
  pid: number;
  io?: ContainerIO;
  exited?: Promise<number>;
}

export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  ProcessConfig: { tty: boolean; entrypoint: string; arguments: string[]; privileged: boolean; user: string };
  OpenStdin: boolean;
  OpenStderr: boolean;
  OpenStdout: boolean;
  CanRemove: boolean;
  ContainerID: string;
  DetachKeys: string;
  Pid: number;
}

export class ExecService {
  private readonly execs = new Map<string, ExecRecord>();

  constructor(
    private readonly store: ContainerStore,
    private readonly runner: Runner,
    private readonly events: EventBus,
    private readonly init: InitCommand,
    private readonly hostNs: Partial<Record<NamespaceType, number>>,
  ) {}

  private get(id: string): ExecRecord {
    const e = this.execs.get(id);
    if (!e) throw new SkiffError('EXEC_NOT_FOUND', `No such exec instance: ${id}`, 'create it first with exec');
    return e;
  }

  async create(containerId: string, config: ExecConfig): Promise<{ Id: string }> {
    const sf = await this.store.state(containerId);
    if (!sf || sf.state.Status !== 'running') throw new SkiffError('NOT_RUNNING', `Container ${containerId.slice(0, 12)} is not running`, 'start it first');
    if (!Array.isArray(config.Cmd) || config.Cmd.length === 0) throw new SkiffError('USAGE', 'No exec command specified', 'give a command, e.g. exec NAME sh');
    if (config.Privileged) throw new SkiffError('UNSUPPORTED', 'privileged exec is not supported', 'run it without --privileged');
    const id = randomBytes(32).toString('hex');
    this.execs.set(id, { id, containerId, config, running: false, exitCode: null, pid: 0 });
    return { Id: id };
  }

  io(id: string): ContainerIO | undefined {
    return this.execs.get(id)?.io;
  }

  /** Starts the process; resolves once it runs, with the promise of its exit code. */
  async start(id: string, opts: { size?: { rows: number; cols: number } } = {}): Promise<{ io: ContainerIO; exited: Promise<number> }> {
    const e = this.get(id);
    if (e.running || e.exitCode !== null) throw new SkiffError('CONFLICT', `exec ${id.slice(0, 12)} has already been started`, 'create a new exec');
    const rec = await this.store.record(e.containerId);
    const sf = await this.store.state(e.containerId);
    if (!rec || !sf?.run || sf.state.Status !== 'running') throw new SkiffError('NOT_RUNNING', `Container ${e.containerId.slice(0, 12)} is not running`, 'start it first');
    const dir = path.join(this.store.dir(e.containerId), 'exec', id);
    const size = opts.size ?? (e.config.ConsoleSize ? { rows: e.config.ConsoleSize[0], cols: e.config.ConsoleSize[1] } : undefined);
    const io = new ContainerIO(path.join(dir, 'io'), { tty: e.config.Tty === true, stdin: e.config.AttachStdin === true, ...(size ? { size } : {}) });
    const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
    let init;
    try {
      init = await spawnExecInit(path.join(dir, 'init'), this.init, sf.run.hostPid);
    } catch (err) {
      io.abandon();
      cleanup();
      throw err;
    }
    const ctx: ReportContext = { id: e.containerId, execId: id, hostNs: this.hostNs, driver: rec.driver, lowerdirs: [], cgroupVersion: this.runner.cgroupOf(e.containerId, sf.run)?.version ?? 1 };
    const env = processEnv({ ...rec.config, Env: [...(rec.config.Env ?? []), ...(e.config.Env ?? [])], Tty: e.config.Tty === true });
    const outcome = await runJob(init, {
      id: e.containerId,
      execId: id,
      enterRootOf: sf.run.hostPid,
      steps: [],
      cgroupProcs: this.runner.cgroupOf(e.containerId, sf.run)?.procsFiles ?? [],
      process: {
        argv: e.config.Cmd,
        env,
        cwd: e.config.WorkingDir || rec.config.WorkingDir || '/',
        user: e.config.User || rec.config.User || '',
        caps: effectiveCaps(rec.hostConfig.CapAdd ?? [], rec.hostConfig.CapDrop ?? []),
        noNewPrivs: !(rec.hostConfig.SecurityOpt ?? []).includes('no-new-privileges=false'),
        stdio: io.stdio,
      },
    }, (m) => {
      for (const ev of reportEvents(ctx, m)) this.events.emit(ev);
    });
    // nsenter reports its child's end as its own: an exit code, or the signal that killed it.
    const exited = init.exited.then(async ({ code, signal }) => {
      const status = signal ? 128 + (os.constants.signals[signal] ?? 0) : (code ?? 255);
      await io.finish();
      cleanup();
      e.running = false;
      e.exitCode = outcome.ok ? status : outcome.exitCode;
      this.events.emit({ type: 'exec.exit', id: e.containerId, execId: id, exitCode: e.exitCode });
      return e.exitCode;
    });
    if (!outcome.ok) {
      await exited;
      throw Object.assign(new SkiffError('RUNTIME', outcome.error, outcome.hint), { exitCode: outcome.exitCode });
    }
    io.started();
    e.running = true;
    e.pid = outcome.exec.hostPid;
    e.io = io;
    e.exited = exited;
    return { io, exited };
  }

  /** The engine is going away: stop reading the running execs' streams. */
  detachAll(): void {
    for (const e of this.execs.values()) e.io?.abandon();
  }

  resize(id: string, rows: number, cols: number): void {
    this.get(id).io?.resize(rows, cols);
  }

  inspect(id: string): ExecInspect {
    const e = this.get(id);
    return {
      ID: e.id, Running: e.running, ExitCode: e.exitCode,
      ProcessConfig: { tty: e.config.Tty === true, entrypoint: e.config.Cmd[0] ?? '', arguments: e.config.Cmd.slice(1), privileged: false, user: e.config.User ?? '' },
      OpenStdin: e.config.AttachStdin === true, OpenStderr: e.config.AttachStderr !== false, OpenStdout: e.config.AttachStdout !== false,
      CanRemove: false, ContainerID: e.containerId, DetachKeys: '', Pid: e.pid,
    };
  }
}
