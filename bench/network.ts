// bench/network: what a container's network costs at start. A cached busybox `true` through the
// engine (create → start → wait → remove), warm init pool, rounds interleaved:
//   none     --network none: a namespace with only loopback
//   bridge   the default bridge: an address from the pool, a veth pair, eth0 configured, a route
//   bridge+p the same with -p (a userland proxy, a DNAT rule through iptables-restore)
// Run inside a network namespace (bench/network.sh makes one), never in the machine's own.
// Between rounds a pause lets the warm init pool refill, so every kind starts from a warm init.
// Usage (root): node .bench/network.mjs ROUNDS   (SKIFF_BENCH_PHASES=1 adds create/start/wait/remove)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../src/engine/engine.ts';
import type { HostConfig } from '../src/engine/containers/types.ts';
import { buildBaseImage } from '../src/engine/image/base.ts';

const rounds = Number(process.argv[2] ?? 15);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-net-'));
const engine = await Engine.open(path.join(work, 'data'), { initScript: process.env.SKIFF_INIT_SCRIPT!, poolSize: 1, cgroupParent: 'skiff-bench-net', network: { bridge: 'skiff0' } });
await buildBaseImage(engine.store, 'busybox:latest');
const c = await engine.containers();
const steps: Record<string, number[]> = {};
engine.events.on((e) => {
  if (e.type === 'runtime.step' && (e.step === 'network' || e.step === 'ip') && !e.skipped) (steps[e.step] ??= []).push(e.ms);
});

const phases: Record<string, Record<string, number[]>> = {};
async function round(host: HostConfig): Promise<number> {
  const t0 = performance.now();
  const key = JSON.stringify(host);
  const ph = (phases[key] ??= { create: [], start: [], wait: [], remove: [] });
  const { Id } = await c.create({ Image: 'busybox', Cmd: ['true'], HostConfig: host });
  const t1 = performance.now();
  await c.start(Id);
  const t2 = performance.now();
  const r = await c.wait(Id);
  const t3 = performance.now();
  await c.remove(Id);
  const t4 = performance.now();
  ph.create!.push(t1 - t0); ph.start!.push(t2 - t1); ph.wait!.push(t3 - t2); ph.remove!.push(t4 - t3);
  if (r.StatusCode !== 0) throw new Error(`true exited ${r.StatusCode}`);
  return performance.now() - t0;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const kinds: Record<string, HostConfig> = { none: { NetworkMode: 'none' }, bridge: {}, 'bridge+p': { PortBindings: { '80/tcp': [{ HostPort: '18080' }] } } };
const times: Record<string, number[]> = { none: [], bridge: [], 'bridge+p': [] };
try {
  for (const k of Object.keys(kinds)) await round(kinds[k]!); // untimed: the bridge and its NAT are made here
  for (const k of Object.keys(steps)) steps[k] = [];
  for (let i = 0; i < rounds; i++) {
    for (const k of Object.keys(kinds)) {
      // Untimed pause: the pool's next warm init is ready, so every round starts alike.
      await new Promise((r) => setTimeout(r, 300));
      times[k]!.push(await round(kinds[k]!));
    }
  }
  for (const [k, xs] of Object.entries(times)) console.log(`${k.padEnd(9)} ${median(xs).toFixed(1).padStart(6)} ms   (rounds: ${xs.map((x) => x.toFixed(0)).join(' ')})`);
  console.log();
  console.log(`bridge - none:       ${(median(times.bridge!) - median(times.none!)).toFixed(1)} ms`);
  console.log(`bridge+p - bridge:   ${(median(times['bridge+p']!) - median(times.bridge!)).toFixed(1)} ms`);
  if (process.env.SKIFF_BENCH_PHASES) for (const [k, p] of Object.entries(phases)) console.log(k, Object.entries(p).map(([n, xs]) => `${n} ${median(xs).toFixed(1)}`).join('  '));
  for (const [k, xs] of Object.entries(steps)) console.log(`step "${k}" (median of the engine's own timing): ${median(xs).toFixed(2)} ms`);
} finally {
  await engine.close();
  fs.rmSync(work, { recursive: true, force: true });
}
