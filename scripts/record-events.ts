// Records what the real engine emits while it really pulls and runs, into
// test/fixtures/events/*.ndjson: the streams the diagram tests (test/unit/visualize) are fed with.
// A diagram test on a hand-written stream would only test our idea of the engine; these are the
// engine's own words. Needs root, busybox-static and Debian's docker-registry.
//
//   npx esbuild scripts/record-events.ts --bundle --platform=node --format=esm --external:koffi \
//     --external:esbuild --log-level=warning --outfile=node_modules/.skiff-record/record-events.mjs \
//     --banner:js="import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" \
//   && node node_modules/.skiff-record/record-events.mjs [OUTDIR]
//
// What it does, in order (test/fixtures/events/README.md lists the files):
//   1. a Distribution registry with Bearer token auth (a token service of the tests), fixture
//      images pushed into it: learn/busybox:1 (an OCI index: linux/amd64, linux/arm64/v8 and an
//      attestation) and learn/tools:1 (Docker schema2, sharing learn/busybox's base layer);
//   2. engine A pulls learn/busybox:1 through the token handshake;
//   3. engine A "runs" learn/tools:1 with a named volume: not in the store, so it is pulled first
//      (its base layer already exists), then create, start, wait, and the container's changes;
//   4. an exec in a running container; 5. a container with --cpus/--memory/--pids-limit that
//      burns CPU and memory while its usage is sampled; 6. one with --memory that is OOM-killed;
//   7. engine B pulls learn/tools:1 through a fault proxy: a 503 retried, a blob cut mid-way and
//      resumed with Range, a blob redirected to a "CDN" host.
// Paths under the temporary data roots become <data-root>, and the engine's own cgroup (which
// names this machine's service manager) becomes <engine-cgroup>; everything else is as recorded.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { Engine } from '../src/engine/engine.ts';
import type { EngineEvent } from '../src/engine/events.ts';
import { collectBaseRootfs } from '../src/engine/image/base.ts';
import { startFaultProxy } from '../test/helpers/faults.ts';
import { pushImage, pushIndex, type FixtureImage } from '../test/helpers/push.ts';
import { startDistribution } from '../test/helpers/registry.ts';
import type { TarEntry } from '../test/helpers/tar.ts';
import { startTokenServer } from '../test/helpers/token-server.ts';

// Run from the repository's root (the bundle lives elsewhere).
const repo = process.cwd();
const outDir = path.resolve(process.argv[2] ?? path.join(repo, 'test/fixtures/events'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Incompressible but reproducible bytes (sha256 in counter mode), so layers have real sizes. */
function noise(seed: string, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let off = 0, i = 0; off < bytes; off += 32, i++) createHash('sha256').update(`${seed}:${i}`).digest().copy(out, off);
  return out;
}

/** The engine's own cgroup paths (one per v1 hierarchy, or the v2 one), longest first. */
function ownCgroups(): string[] {
  const paths = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').map((l) => l.split(':')[2] ?? '').filter((p) => p && p !== '/');
  return [...new Set(paths)].sort((a, b) => b.length - a.length);
}

/** Serialises events as NDJSON with machine-specific paths replaced by placeholders. */
function scrubber(roots: string[]): (value: unknown) => string {
  const cgroups = ownCgroups();
  return (value) => {
    let s = JSON.stringify(value);
    for (const r of roots) s = s.split(r).join('<data-root>');
    for (const c of cgroups) s = s.split(`${c}/`).join('/<engine-cgroup>/');
    return s;
  };
}

async function buildInitScript(dir: string): Promise<string> {
  const script = path.join(dir, 'init.js');
  await build({
    entryPoints: [path.join(repo, 'src/engine/runtime/init/main.ts')], outfile: script, bundle: true, platform: 'node', format: 'esm',
    external: ['koffi'], logLevel: 'warning',
    banner: { js: "import { createRequire as __skiffRequire } from 'node:module'; const require = __skiffRequire(import.meta.url);" },
  });
  return script;
}

/** Collects an engine's events; `take` hands over what came since the last take. */
function tape(engine: Engine) {
  let events: EngineEvent[] = [];
  engine.events.on((e) => void events.push(e));
  return {
    take(): EngineEvent[] {
      const out = events;
      events = [];
      return out;
    },
  };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('record-events needs root (containers, cgroups, mounts)');
  if (!fs.existsSync(path.join(repo, 'src/engine/engine.ts'))) throw new Error('run record-events from the repository\'s root');
  const base = collectBaseRootfs();
  if (base.kind !== 'busybox-static') throw new Error('record-events needs busybox-static (apt-get install busybox-static)');
  fs.mkdirSync(outDir, { recursive: true });

  const cleanups: (() => Promise<void> | void)[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-record-'));
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
  // Under node_modules so that the init bundle resolves koffi as dist/init.js does.
  const initDir = fs.mkdtempSync(path.join(repo, 'node_modules', '.skiff-record-init-'));
  cleanups.push(() => fs.rmSync(initDir, { recursive: true, force: true }));
  try {
    const initScript = await buildInitScript(initDir);
    const storage = path.join(tmp, 'registry');
    const rootA = path.join(tmp, 'root-a');
    const rootB = path.join(tmp, 'root-b');
    const write = scrubber([rootA, rootB]);
    const save = (name: string, lines: unknown[]) => {
      fs.writeFileSync(path.join(outDir, name), lines.map(write).join('\n') + '\n');
      console.log(`wrote ${name} (${lines.length} lines)`);
    };
    const saveJson = (name: string, value: unknown) => {
      fs.writeFileSync(path.join(outDir, name), JSON.stringify(JSON.parse(write(value)), null, 2) + '\n');
      console.log(`wrote ${name}`);
    };

    // 1. The registry world.
    fs.mkdirSync(storage);
    const plain = await startDistribution({ root: storage });
    cleanups.push(() => plain.stop());
    const tokens = await startTokenServer();
    cleanups.push(() => tokens.stop());
    const registry = await startDistribution({ root: storage, auth: { kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certPath } });
    cleanups.push(() => registry.stop());

    const busybox = { entries: base.entries as TarEntry[] };
    const app: TarEntry[] = [
      { name: 'app/', type: 'directory' },
      { name: 'app/hello.sh', data: '#!/bin/sh\necho "hello from learn/busybox"\n', mode: 0o755 },
      { name: 'etc/motd', data: 'Welcome to a Skiff fixture image.\n' },
    ];
    const amd64: FixtureImage = { layers: [busybox, { entries: app }], cmd: ['/app/hello.sh'] };
    const arm64: FixtureImage = { layers: [{ entries: [{ name: 'platform', data: 'linux/arm64/v8 (a stand-in: never run here)\n' }] }], architecture: 'arm64', variant: 'v8' };
    await pushIndex(plain.url, 'learn/busybox', '1', [amd64, arm64], { attestation: true });
    await pushImage(plain.url, 'learn/tools', '1', {
      format: 'docker',
      layers: [busybox, { entries: [{ name: 'opt/tools/', type: 'directory' }, { name: 'opt/tools/data.bin', data: noise('tools', 900_000) }] }, { entries: [{ name: 'etc/tools.conf', data: 'verbose=1\n' }] }],
    });

    // 2. Engine A: a pull through the Bearer token handshake, of a multi-platform index.
    const engineA = await Engine.open(rootA, { initScript, poolSize: 0, cgroupParent: 'skiff-record' });
    const a = tape(engineA);
    const rtA = await engineA.runtime();
    const c = rtA.containers;
    cleanups.push(async () => {
      for (const x of await c.list({ all: true })) await c.remove(x.Id, { force: true, volumes: true }).catch(() => {});
      for (const v of await engineA.volumes.list().catch(() => [])) await engineA.volumes.remove(v.Name).catch(() => {});
      await engineA.close();
    });
    const busyboxRef = `${registry.host}/learn/busybox:1`;
    const toolsRef = `${registry.host}/learn/tools:1`;
    await engineA.pull(busyboxRef);
    save('pull-token.ndjson', a.take());

    // 3. `run -v greetings:/data learn/tools:1 …`: pulled because missing, as `docker run` does.
    try {
      await engineA.images.resolve(toolsRef);
      throw new Error('learn/tools:1 should not be in the store yet');
    } catch (e) {
      if ((e as { code?: string }).code !== 'IMAGE_NOT_FOUND') throw e;
    }
    await engineA.pull(toolsRef);
    const script = 'echo hello from skiff; echo saved > /data/greeting; echo "staff:x:50:" >> /etc/group; rm /etc/shadow; mkdir -p /var/cache/app; echo 1 > /var/cache/app/counter';
    const run = await c.create({ Image: toolsRef, Cmd: ['sh', '-c', script], HostConfig: { Binds: ['greetings:/data'] } }, { name: 'fixture-volume' });
    await c.start(run.Id);
    await c.wait(run.Id);
    const runEvents = a.take();
    save('run-volume.ndjson', runEvents);
    const toolsPull = runEvents.find((e) => e.type === 'pull.start');
    save('pull-shared.ndjson', runEvents.filter((e) => 'pullId' in e && toolsPull && 'pullId' in toolsPull && e.pullId === toolsPull.pullId));
    saveJson('changes-volume.json', { container: run.Id, changes: await c.changes(run.Id) });
    let log = '';
    for await (const l of c.logs(run.Id, {})) log += l.log;
    saveJson('output-volume.json', { container: run.Id, output: log });

    // The images as the store knows them: what the layers diagram shows beside the events.
    const images = [];
    for (const img of await engineA.images.list()) {
      let i = 0;
      const history = (img.config.history ?? []).filter((h) => !h.empty_layer);
      images.push({
        name: img.repoTags[0] ?? img.id, id: img.id,
        layers: img.manifest.layers.map((l, k) => ({ digest: l.digest, diffId: img.config.rootfs.diff_ids[k], chainId: img.chainIds[k], blobSize: l.size, size: img.layerSizes[k], createdBy: history[i++]?.created_by ?? '' })),
      });
    }
    saveJson('images.json', images);

    // 4. An exec in a running container.
    const sleeper = await c.create({ Image: busyboxRef, Cmd: ['sleep', '30'] }, { name: 'fixture-exec' });
    await c.start(sleeper.Id);
    const ex = await rtA.exec.create(sleeper.Id, { Cmd: ['sh', '-c', 'hostname; ps'], AttachStdout: true, AttachStderr: true });
    const started = await rtA.exec.start(ex.Id);
    let execOut = '';
    started.io.listen((_s, chunk) => void (execOut += chunk.toString()));
    await started.exited;
    await c.kill(sleeper.Id);
    await c.wait(sleeper.Id);
    save('exec.ndjson', a.take());
    saveJson('output-exec.json', { container: sleeper.Id, output: execOut });

    // 5. Burning CPU and memory under limits, sampled while it runs.
    const grow = (mb: number, every: number, maxMb: number) =>
      `awk 'BEGIN { s = sprintf("%1048576s", ""); while (1) { if (i < ${maxMb}) for (j = 0; j < ${mb}; j++) a[i++] = s "x"; system("sleep ${every}") } }'`;
    const burn = await c.create({ Image: busyboxRef, Cmd: ['sh', '-c', `while :; do :; done & ${grow(2, 0.2, 24)}`], HostConfig: { Memory: 64 * 1024 * 1024, NanoCpus: 0.5e9, PidsLimit: 32 } }, { name: 'fixture-burn' });
    const burnSamples = await sampleWhile(async () => {
      await c.start(burn.Id);
    }, () => c.usage(burn.Id), 3000, 200);
    await c.kill(burn.Id);
    await c.wait(burn.Id);
    save('run-burn.ndjson', a.take());
    save('usage-burn.ndjson', burnSamples);

    // 6. Over --memory: the kernel's OOM killer ends it; sampled until then.
    const oom = await c.create({ Image: busyboxRef, Cmd: ['sh', '-c', grow(4, 0.2, 1000)], HostConfig: { Memory: 32 * 1024 * 1024 } }, { name: 'fixture-oom' });
    const oomSamples = await sampleWhile(async () => {
      await c.start(oom.Id);
    }, () => c.usage(oom.Id), 10_000, 100);
    const exit = await c.wait(oom.Id);
    if (!exit.OOMKilled) throw new Error(`the OOM container ended without an OOM kill: ${JSON.stringify(exit)}`);
    save('run-oom.ndjson', a.take());
    save('usage-oom.ndjson', oomSamples);

    // 7. Engine B: a pull that survives a 503, a cut connection and a redirect to another host.
    const proxy = await startFaultProxy(registry.url, { cdnUpstream: plain.url });
    cleanups.push(() => proxy.stop());
    const engineB = await Engine.open(rootB);
    const b = tape(engineB);
    const manifest = JSON.parse(await (await fetch(`${plain.url}/v2/learn/tools/manifests/1`, { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } })).text()) as { layers: { digest: string }[] };
    const [l0, l1] = manifest.layers;
    proxy.rules.push(
      { method: 'GET', path: /\/manifests\//, times: 1, action: { kind: 'status', status: 503 } },
      { method: 'GET', path: new RegExp(`/blobs/${l0!.digest}`), times: 1, action: { kind: 'cut', afterBytes: 400_000 } },
      { method: 'GET', path: new RegExp(`/blobs/${l1!.digest}`), action: { kind: 'redirect' } },
    );
    await engineB.pull(`${proxy.host}/learn/tools:1`, { backoffMs: 50 });
    save('pull-faults.ndjson', b.take());
  } finally {
    for (const f of cleanups.reverse()) {
      try {
        await f();
      } catch (e) {
        console.error('cleanup:', e);
      }
    }
  }
}

/** Starts something, then samples `read` every `everyMs` until it answers undefined or time is up. */
async function sampleWhile<T>(start: () => Promise<void>, read: () => Promise<T | undefined>, forMs: number, everyMs: number): Promise<({ at: number } & T)[]> {
  const t0 = performance.now();
  await start();
  const out: ({ at: number } & T)[] = [];
  while (performance.now() - t0 < forMs) {
    let u: T | undefined;
    try {
      u = await read();
    } catch {
      u = undefined;
    }
    if (u === undefined) break;
    out.push({ at: Math.round(performance.now() - t0), ...u });
    await sleep(everyMs);
  }
  return out;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
