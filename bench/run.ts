// bench/run: a cached busybox `true` through each tool — create → start → wait → remove — in one
// run on this machine, rounds interleaved so a host that slows down slows every tool alike:
//   skiff (warm)   the engine in a long-lived process with its warm init pool (as the daemon runs it)
//   skiff (cold)   the same with no pool: a Node.js init started per container
//   runc           `runc run` of the same container, exported by Skiff as an OCI bundle
//   docker         dockerd through its API with curl (create, start, wait, delete), if running
// Prints medians and the ratio the goal is stated in (skiff warm ≤ 3× runc).
// Usage (root): node .bench/run.mjs ROUNDS DOCKER_SOCKET   — bench/run.sh builds and starts it.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../src/engine/engine.ts';
import { buildBaseImage } from '../src/engine/image/base.ts';

const rounds = Number(process.argv[2] ?? 15);
const dockerSock = process.argv[3] ?? '';
const initScript = process.env.SKIFF_INIT_SCRIPT!;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-run-'));

async function engineOf(poolSize: number, name: string): Promise<Engine> {
  const e = await Engine.open(path.join(work, name), { initScript, poolSize, cgroupParent: `skiff-bench-${name}` });
  await buildBaseImage(e.store, 'busybox:latest');
  return e;
}

async function skiffRound(e: Engine): Promise<number> {
  const c = await e.containers();
  const t0 = performance.now();
  const { Id } = await c.create({ Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
  await c.start(Id);
  const r = await c.wait(Id);
  await c.remove(Id);
  const ms = performance.now() - t0;
  if (r.StatusCode !== 0) throw new Error(`skiff: true exited ${r.StatusCode}`);
  return ms;
}

function runcRound(bundle: string): number {
  const t0 = performance.now();
  const r = spawnSync('runc', ['run', '--bundle', bundle, 'skiff-bench-runc'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`runc exited ${r.status}: ${r.stderr.toString().trim()}`);
  return ms;
}

function dockerRound(sock: string, image: string): number {
  const curl = (...a: string[]) => execFileSync('curl', ['-sf', '--unix-socket', sock, ...a], { encoding: 'utf8' });
  const t0 = performance.now();
  const { Id } = JSON.parse(curl('-X', 'POST', '-H', 'Content-Type: application/json', '-d', JSON.stringify({ Image: image, Cmd: ['true'], HostConfig: { NetworkMode: 'none' } }), 'http://d/v1.41/containers/create'));
  curl('-X', 'POST', `http://d/v1.41/containers/${Id}/start`);
  curl('-X', 'POST', `http://d/v1.41/containers/${Id}/wait`);
  curl('-X', 'DELETE', `http://d/v1.41/containers/${Id}`);
  return performance.now() - t0;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const warm = await engineOf(1, 'warm');
const cold = await engineOf(0, 'cold');
try {
  // The runc bundle: the same container, written out by Skiff.
  const wc = await warm.containers();
  const { Id } = await wc.create({ Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
  const bundle = path.join(work, 'bundle');
  await wc.exportBundle(Id, bundle, { cgroupsPath: 'skiff-bench-runc/c' });
  await wc.remove(Id);
  const dockerImage = '127.0.0.1:5000/busybox:latest';
  const haveDocker = dockerSock !== '' && fs.existsSync(dockerSock) && spawnSync('curl', ['-sf', '--unix-socket', dockerSock, `http://d/v1.41/images/${encodeURIComponent(dockerImage)}/json`]).status === 0;
  const times: Record<string, number[]> = { 'skiff (warm)': [], 'skiff (cold)': [], runc: [], ...(haveDocker ? { docker: [] } : {}) };
  // One untimed round each: caches, the first pool start.
  await skiffRound(warm);
  await skiffRound(cold);
  runcRound(bundle);
  if (haveDocker) dockerRound(dockerSock, dockerImage);
  for (let i = 0; i < rounds; i++) {
    times['skiff (warm)']!.push(await skiffRound(warm));
    times.runc!.push(runcRound(bundle));
    times['skiff (cold)']!.push(await skiffRound(cold));
    if (haveDocker) times.docker!.push(dockerRound(dockerSock, dockerImage));
  }
  const med: Record<string, number> = {};
  for (const [tool, xs] of Object.entries(times)) {
    med[tool] = median(xs);
    console.log(`${tool.padEnd(14)} ${med[tool]!.toFixed(1).padStart(7)} ms   (rounds: ${xs.map((x) => x.toFixed(0)).join(' ')})`);
  }
  console.log();
  console.log(`skiff (warm) / runc:   ${(med['skiff (warm)']! / med.runc!).toFixed(2)}   (goal <= 3)`);
  console.log(`skiff (cold) / runc:   ${(med['skiff (cold)']! / med.runc!).toFixed(2)}`);
  if (haveDocker) console.log(`skiff (warm) / docker: ${(med['skiff (warm)']! / med.docker!).toFixed(2)}`);
  else console.log('docker: not measured (no dockerd socket, or it lacks 127.0.0.1:5000/busybox: run the peers-start script)');
} finally {
  await warm.close();
  await cold.close();
  fs.rmSync(work, { recursive: true, force: true });
  // runc makes its cgroup in every hierarchy and removes only the leaf: the parent is ours to remove.
  for (const line of fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').filter(Boolean)) {
    const [, ctrls, p] = line.split(':');
    const mount = ctrls ? `/sys/fs/cgroup/${ctrls.replace(/^name=/, '')}` : fs.existsSync('/sys/fs/cgroup/unified') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup';
    try {
      fs.rmdirSync(path.join(mount, p ?? '', 'skiff-bench-runc'));
    } catch {
      // not made in this hierarchy, or not empty (then it is not ours to force)
    }
  }
}
