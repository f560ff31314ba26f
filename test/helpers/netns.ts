// Network namespaces for tests: everything a network test makes — bridges, veth pairs, addresses,
// firewall rules — lives in a namespace the test created (`ip netns add skiff-t-<random>`) and goes
// with it; traffic is only ever sent to loopback or to addresses inside it. The daemon runs in it
// as a child process (nsenter --net), reached over its unix socket, which no namespace hides.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'esbuild';
import { pingable } from './daemon.ts';
import { which } from './registry.ts';
import { isRoot } from './runtime.ts';

const repo = path.resolve(import.meta.dirname, '../..');

export const canUseNetns = isRoot && !!which('ip') && !!which('nsenter') && fs.existsSync('/bin/busybox');

export interface Netns {
  name: string;
  /** /run/netns/<name>, for nsenter --net. */
  file: string;
  /** A command inside the namespace (only its network: files and processes are the host's). */
  run(cmd: string, args: string[], opts?: { input?: string; timeout?: number }): { code: number; out: string; err: string };
  dispose(): void;
}

export function makeNetns(): Netns {
  const name = `skiff-t-${randomBytes(4).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', name]);
  const file = `/run/netns/${name}`;
  const run: Netns['run'] = (cmd, args, opts = {}) => {
    const r = spawnSync('nsenter', [`--net=${file}`, '--', cmd, ...args], { encoding: 'utf8', input: opts.input ?? '', timeout: opts.timeout ?? 20_000 });
    return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
  };
  run('ip', ['link', 'set', 'lo', 'up']);
  return {
    name, file, run,
    dispose() {
      spawnSync('ip', ['netns', 'del', name]);
    },
  };
}

/** The daemon entry for network tests, bundled like dist/ (koffi resolves from node_modules). */
export async function buildNetnsDaemon(): Promise<{ script: string; dispose(): void }> {
  const dir = fs.mkdtempSync(path.join(repo, 'node_modules', '.skiff-netd-'));
  const common = {
    bundle: true, platform: 'node' as const, format: 'esm' as const, external: ['koffi'], logLevel: 'warning' as const,
    banner: { js: "import { createRequire as __skiffRequire } from 'node:module'; const require = __skiffRequire(import.meta.url);" },
  };
  await build({ ...common, entryPoints: [path.join(repo, 'test/helpers/netns-daemon-main.ts')], outfile: path.join(dir, 'daemon.js') });
  await build({ ...common, entryPoints: [path.join(repo, 'src/engine/runtime/init/main.ts')], outfile: path.join(dir, 'init.js') });
  return { script: path.join(dir, 'daemon.js'), dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface NetnsDaemon {
  root: string;
  dataRoot: string;
  socket: string;
  host: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait (SIGKILL after 15 s). */
  stop(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
}

/** skiffd inside the namespace, with the default bridge switched on there, busybox:latest built. */
export async function startNetnsDaemon(ns: Netns, daemonScript: string, opts: { root?: string; cgroupParent?: string } = {}): Promise<NetnsDaemon> {
  const root = opts.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-net-'));
  const dataRoot = path.join(root, 'data');
  const socket = path.join(root, 'skiff.sock');
  const cgroupParent = opts.cgroupParent ?? `skiff-test-${path.basename(root).slice(-6)}`;
  const init = path.join(path.dirname(daemonScript), 'init.js');
  const args = ['--net=' + ns.file, '--', ...(which('setpriv') ? ['setpriv', '--pdeathsig', 'KILL'] : []), process.execPath, daemonScript, dataRoot, socket, init, cgroupParent];
  const child = spawn('nsenter', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SKIFF_BRIDGE: 'skiff0' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let ended = false;
  void exited.then(() => (ended = true));
  const deadline = Date.now() + 60_000;
  while (!(fs.existsSync(socket) && out.includes('ready') && (await pingable(socket)))) {
    if (ended) throw new Error(`the daemon in ${ns.name} ended during start-up:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the daemon in ${ns.name} did not become ready:\n${out}`);
    }
    await sleep(50);
  }
  const wait = async () => {
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  };
  return {
    root, dataRoot, socket, host: `unix://${socket}`, child, output: () => out,
    async stop() {
      if (!ended) child.kill('SIGTERM');
      await wait();
    },
    async kill() {
      if (!ended) child.kill('SIGKILL');
      await wait();
    },
  };
}
