// The daemon in tests: in this process (the test can look at the engine behind the socket), or as
// `skiff daemon` in a child process built from the sources the way dist/ is (signals, pidfile,
// restarts, crashes). Each gets its own data root, socket, pidfile and cgroup parent, and leaves
// none of them behind: its containers are removed and the daemon stopped.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'esbuild';
import { Agent } from 'undici';
import { startDaemon } from '../../src/daemon/daemon.ts';
import type { Engine } from '../../src/engine/engine.ts';
import type { EngineEvent } from '../../src/engine/events.ts';
import { buildBaseImage } from '../../src/engine/image/base.ts';
import { which } from './registry.ts';

const repo = path.resolve(import.meta.dirname, '../..');

export interface TestDaemon {
  root: string;
  socket: string;
  /** unix:///…/skiff.sock */
  host: string;
  engine: Engine;
  /** Every engine event since start. */
  events: EngineEvent[];
  /** The daemon's log lines. */
  log: string[];
  cgroupParent: string;
  /** Removes every container, stops the daemon, removes the data root. */
  stop(): Promise<void>;
}

/** A daemon in this process on a temp socket and data root, with busybox:latest built offline. */
export async function startTestDaemon(initScript: string, opts: { base?: boolean } = {}): Promise<TestDaemon> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-daemon-'));
  const socket = path.join(root, 'skiff.sock');
  const cgroupParent = `skiff-test-${path.basename(root).slice(-6)}`;
  const log: string[] = [];
  const running = await startDaemon({
    dataRoot: path.join(root, 'data'), hosts: [`unix://${socket}`], pidfile: path.join(root, 'skiffd.pid'),
    runtime: { initScript, cgroupParent }, log: (l) => log.push(l),
  });
  const events: EngineEvent[] = [];
  running.engine.events.on((e) => events.push(e));
  if (opts.base !== false) await buildBaseImage(running.engine.store, 'busybox:latest');
  return {
    root, socket, host: `unix://${socket}`, engine: running.engine, events, log, cgroupParent,
    async stop() {
      await removeAllContainers(running.engine);
      await running.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export async function removeAllContainers(engine: Engine): Promise<void> {
  const rt = await engine.runtime().catch(() => undefined);
  if (!rt) return;
  for (const c of await rt.containers.list({ all: true })) await rt.containers.remove(c.Id, { force: true, volumes: true }).catch(() => {});
}

/** An undici dispatcher for a unix socket; requests go to http://d/<path>. */
export function socketAgent(socket: string): Agent {
  return new Agent({ connect: { socketPath: socket }, headersTimeout: 0, bodyTimeout: 0 });
}

/** `skiff` built from the sources into node_modules (so koffi resolves), with the init beside it. */
export async function buildSkiffCli(): Promise<{ run: string[]; dispose(): void }> {
  const dir = fs.mkdtempSync(path.join(repo, 'node_modules', '.skiff-cli-'));
  const common = {
    // As scripts/build.mjs: React for production, and Ink's devtools (a package Skiff does not ship) left out.
    bundle: true, platform: 'node' as const, format: 'esm' as const, external: ['koffi', 'react-devtools-core'], logLevel: 'warning' as const,
    define: { 'process.env.NODE_ENV': '"production"' },
    banner: { js: "import { createRequire as __skiffRequire } from 'node:module'; const require = __skiffRequire(import.meta.url);" },
  };
  // Split as scripts/build.mjs splits it: Ink's devtools stay in a chunk nothing loads.
  await build({ ...common, entryPoints: { skiff: path.join(repo, 'src/cli/main.ts') }, outdir: dir, splitting: true });
  await build({ ...common, entryPoints: [path.join(repo, 'src/engine/runtime/init/main.ts')], outfile: path.join(dir, 'init.js') });
  fs.writeFileSync(path.join(dir, 'run.mjs'), "const { main } = await import('./skiff.js');\nprocess.exitCode = await main(process.argv.slice(2));\n");
  return { run: [process.execPath, path.join(dir, 'run.mjs')], dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface DaemonProcess {
  child: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait; SIGKILL after 15 s. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `skiff daemon ARGS` in a child process (dying with the test runner: setpriv --pdeathsig). Resolves
 * once `ready` (default: the socket answers) holds, or rejects with the daemon's output.
 */
export async function spawnDaemon(cli: string[], args: string[], opts: { socket?: string; ready?: () => Promise<boolean>; env?: NodeJS.ProcessEnv } = {}): Promise<DaemonProcess> {
  const [cmd, ...rest] = which('setpriv') ? ['setpriv', '--pdeathsig', 'KILL', ...cli] : cli;
  const child = spawn(cmd!, [...rest, 'daemon', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let ended = false;
  void exited.then(() => (ended = true));
  const ready = opts.ready ?? (async () => !!opts.socket && fs.existsSync(opts.socket) && (await pingable(opts.socket)));
  const deadline = Date.now() + 30_000;
  while (!(await ready())) {
    if (ended) throw new Error(`skiff daemon exited during start-up:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`skiff daemon did not become ready:\n${out}`);
    }
    await sleep(50);
  }
  return {
    child, output: () => out, exited,
    async stop() {
      if (!ended) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }
      return exited;
    },
  };
}

/** Whether GET /_ping on a unix socket answers OK. */
export async function pingable(socket: string): Promise<boolean> {
  const agent = socketAgent(socket);
  try {
    const res = await agent.request({ origin: 'http://d', path: '/_ping', method: 'GET' });
    return (await res.body.text()) === 'OK';
  } catch {
    return false;
  } finally {
    await agent.destroy();
  }
}
