// bench/classroom: 30 simulated students pull the lesson images at the same moment, in one run:
//   skiff cache (cold)  Skiff's registry as a pull-through cache of an upstream docker-registry,
//                       starting empty: every blob must come from upstream while 30 wait for it
//   skiff cache (warm)  the same cache again, now holding everything
//   docker-registry     Distribution serving the same images to the same 30 students directly
// A student is a loopback client doing what `pull` does on the wire: GET the manifest, the config
// and every layer (3 at a time, as dockerd), checking each blob's sha256. Upstream requests are
// counted in docker-registry's access log: each blob must be served once.
// Rounds are interleaved so a host that slows down slows every target alike; medians are printed.
// Usage: node .bench/classroom.mjs [ROUNDS] [STUDENTS]      (bench/classroom.sh builds and runs it)
//        node .bench/classroom.mjs serve ROOT UPSTREAM      (the cache, in its own process)
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { startRegistry } from '../src/registry/server.ts';
import { seedRegistry } from '../src/registry/seed.ts';
import { RegistryStorage } from '../src/registry/storage.ts';
import { type FixtureImage, pushImage } from '../test/helpers/push.ts';
import { startDistribution } from '../test/helpers/registry.ts';

const ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';


interface Image {
  repo: string;
  tag: string;
}

/** One student: the whole pull handshake for every image, blobs verified; returns bytes received. */
async function student(origin: string, images: Image[], agent: Agent): Promise<number> {
  let bytes = 0;
  for (const img of images) {
    const m = await request(`${origin}/v2/${img.repo}/manifests/${img.tag}`, { headers: { accept: ACCEPT }, dispatcher: agent });
    const body = Buffer.from(await m.body.arrayBuffer());
    if (m.statusCode !== 200) throw new Error(`${origin} ${img.repo}:${img.tag} manifest: ${m.statusCode} ${body}`);
    bytes += body.length;
    const doc = JSON.parse(body.toString()) as { config: { digest: string }; layers: { digest: string }[] };
    const blobs = [doc.config.digest, ...doc.layers.map((l) => l.digest)];
    let next = 0;
    await Promise.all([0, 1, 2].map(async () => {
      while (next < blobs.length) {
        const d = blobs[next++]!;
        const res = await request(`${origin}/v2/${img.repo}/blobs/${d}`, { dispatcher: agent, maxRedirections: 0 } as Parameters<typeof request>[1]);
        if (res.statusCode !== 200) throw new Error(`${origin} blob ${d}: ${res.statusCode} ${await res.body.text()}`);
        const h = createHash('sha256');
        for await (const c of res.body as AsyncIterable<Buffer>) {
          h.update(c);
          bytes += c.length;
        }
        if (`sha256:${h.digest('hex')}` !== d) throw new Error(`${origin} blob ${d}: digest mismatch`);
      }
    }));
  }
  return bytes;
}

/** All students at once; returns seconds and bytes. */
async function classroom(origin: string, images: Image[], students: number): Promise<{ s: number; bytes: number }> {
  const agents = Array.from({ length: students }, () => new Agent({ connections: 3, headersTimeout: 120_000, bodyTimeout: 120_000 }));
  const t0 = performance.now();
  const got = await Promise.all(agents.map((a) => student(origin, images, a)));
  const s = (performance.now() - t0) / 1000;
  await Promise.all(agents.map((a) => a.close()));
  return { s, bytes: got.reduce((a, b) => a + b, 0) };
}

async function copyRepo(from: RegistryStorage, repo: string, tag: string, to: string): Promise<void> {
  const m = (await from.manifest(repo, tag))!;
  const doc = JSON.parse(m.bytes.toString()) as { config: { digest: string }; layers: { digest: string }[] };
  for (const d of [doc.config.digest, ...doc.layers.map((l) => l.digest)]) {
    const blob = await fs.promises.readFile(from.content.path(d as `sha256:${string}`));
    const start = await fetch(`${to}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    const loc = new URL(start.headers.get('location')!, to);
    loc.searchParams.set('digest', d);
    const put = await fetch(loc, { method: 'PUT', body: blob });
    if (put.status !== 201) throw new Error(`copy ${d}: ${put.status}`);
  }
  const put = await fetch(`${to}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: m.bytes, headers: { 'content-type': m.mediaType } });
  if (put.status !== 201) throw new Error(`copy manifest: ${put.status}`);
}

function startCache(root: string, upstream: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', root, upstream], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (c) => reject(new Error(`cache exited (${c})`)));
    child.stdout!.once('data', (d: Buffer) => resolve({ url: d.toString().trim(), child }));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  const students = Number(process.argv[3] ?? 30);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-classroom-'));
  const upstream = await startDistribution();
  const children: ChildProcess[] = [];
  try {
    // The lesson images: the offline busybox every lesson starts from, and two bigger ones.
    const seedRoot = path.join(work, 'seed');
    await seedRegistry(seedRoot);
    await copyRepo(await RegistryStorage.open(seedRoot), 'library/busybox', 'latest', upstream.url);
    const rnd = (n: number) => randomBytes(n);
    const lessons: [string, FixtureImage][] = [
      ['lessons/webapp', { layers: [{ entries: [{ name: 'srv/app.bin', data: rnd(6 << 20) }] }, { entries: [{ name: 'srv/assets.bin', data: rnd(4 << 20) }] }, { entries: [{ name: 'etc/app.conf', data: 'port=8080\n' }] }] }],
      ['lessons/toolbox', { layers: [{ entries: [{ name: 'opt/tools.bin', data: rnd(8 << 20) }] }, { entries: [{ name: 'opt/more.bin', data: rnd(2 << 20) }] }] }],
    ];
    for (const [repo, img] of lessons) await pushImage(upstream.url, repo, 'v1', img);
    const images: Image[] = [{ repo: 'library/busybox', tag: 'latest' }, ...lessons.map(([repo]) => ({ repo, tag: 'v1' }))];
    const perStudent = (await classroom(upstream.url, images, 1)).bytes;
    console.log(`${students} students × ${images.length} lesson images (${(perStudent / 1e6).toFixed(1)} MB each student), ${rounds} rounds, ${os.cpus().length} CPUs`);

    const results: Record<string, number[]> = { 'skiff cache (cold)': [], 'skiff cache (warm)': [], 'docker-registry': [] };
    // Each round's ratio is taken between runs seconds apart; on a shared, noisy host the median
    // of those ratios says more than a ratio of medians.
    const ratios: Record<string, number[]> = { 'skiff cache (cold)': [], 'skiff cache (warm)': [], 'docker-registry': [] };
    for (let r = 1; r <= rounds; r++) {
      const cacheRoot = path.join(work, `cache-${r}`);
      // The cache's upstream: a docker-registry of its own on the same storage, so that its access
      // log holds exactly what the cache asked for (no counting proxy in the way).
      const origin = await startDistribution({ root: upstream.root });
      const cache = await startCache(cacheRoot, origin.url);
      children.push(cache.child);
      // Odd rounds measure docker-registry first, even rounds last: a host whose load drifts
      // during a round favours neither.
      const first = r % 2 === 1 ? await classroom(upstream.url, images, students) : undefined;
      const cold = await classroom(cache.url, images, students);
      const lines = origin.logs().split('\n');
      await origin.stop();
      const gets = new Map<string, number>();
      for (const l of lines) {
        const p = /"GET (\/v2\/\S+\/blobs\/sha256:[0-9a-f]{64})/.exec(l)?.[1];
        if (p) gets.set(p, (gets.get(p) ?? 0) + 1);
      }
      const manifests = lines.filter((l) => /"GET \/v2\/\S+\/manifests\//.test(l)).length;
      const once = [...gets.values()].every((n) => n === 1);
      console.log(`round ${r}: upstream served ${gets.size} blobs to ${students} students through the cache: ${once ? 'each exactly once' : `NOT once: ${JSON.stringify([...gets])}`} (${manifests} manifest GETs)`);
      if (!once) process.exitCode = 1;
      const warm = await classroom(cache.url, images, students);
      const direct = first ?? (await classroom(upstream.url, images, students));
      const base = direct.bytes / direct.s;
      for (const [k, v] of [['skiff cache (cold)', cold], ['skiff cache (warm)', warm], ['docker-registry', direct]] as const) {
        results[k]!.push(v.bytes / v.s / 1e6);
        ratios[k]!.push(v.bytes / v.s / base);
        console.log(`  ${k.padEnd(20)} ${v.s.toFixed(2)} s  ${(v.bytes / v.s / 1e6).toFixed(0).padStart(4)} MB/s  ${(v.bytes / v.s / base).toFixed(2)}×`);
      }
      await stopChild(cache.child);
      fs.rmSync(cacheRoot, { recursive: true, force: true });
    }
    console.log(`\nmedians over ${rounds} rounds (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
    for (const [k, v] of Object.entries(results)) console.log(`  ${k.padEnd(20)} ${median(v).toFixed(0).padStart(6)} MB/s aggregate  ${median(ratios[k]!).toFixed(2)}× docker-registry (median of the rounds' ratios)`);
    const verdict = (k: string) => (median(ratios[k]!) >= 1 ? 'met' : 'NOT met');
    console.log(`goal: skiff cache ≥ 1.0× docker-registry — cold ${verdict('skiff cache (cold)')}, warm ${verdict('skiff cache (warm)')}`);
  } finally {
    for (const c of children) await stopChild(c);
    await upstream.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'serve') {
  // The cache in its own process, as a classroom runs it: `skiff registry serve --proxy UPSTREAM`.
  const reg = await startRegistry({ root: process.argv[3]!, addr: '127.0.0.1:0', proxy: { upstream: process.argv[4]! } });
  process.stdout.write(`${reg.url}\n`);
  process.on('SIGTERM', () => void reg.close().then(() => process.exit(0)));
} else {
  await main();
}
