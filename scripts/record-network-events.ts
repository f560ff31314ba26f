// Records what the real engine emits while it networks containers, into
// test/fixtures/events/{network,run-bridge}.ndjson: the streams the Network and explain-run diagram
// tests are fed with. Everything happens inside a network namespace this script makes and removes
// (the machine's own network is never touched). Needs root, iproute2, util-linux, busybox-static.
//
//   npx esbuild scripts/record-network-events.ts --bundle --platform=node --format=esm --external:koffi \
//     --external:esbuild --log-level=warning --outfile=node_modules/.skiff-record/record-network.mjs \
//     --banner:js="import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" \
//   && node node_modules/.skiff-record/record-network.mjs [OUTDIR]; rm -rf node_modules/.skiff-record
//
// What happens, in order: a user-defined network `app` (172.30.0.0/24); `db` on the default bridge
// (EXPOSE 5432, an env var); `web` linked to it as `dbapp` with -p 8080:80, which pings dbapp and
// exits (run-bridge.ndjson is its run); `db` connected to `app`; `api` on `app`; then everything
// removed and the engine closed (bridges and NAT rules go).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { Engine } from '../src/engine/engine.ts';
import type { EngineEvent } from '../src/engine/events.ts';
import { buildBaseImage } from '../src/engine/image/base.ts';

const repo = process.cwd();
const outDir = path.resolve(process.argv[2] ?? path.join(repo, 'test/fixtures/events'));

if (!process.env.SKIFF_RECORD_NETNS) {
  // Outside: make the namespace, run this very script inside it, remove the namespace.
  const ns = `skiff-t-rec-${randomBytes(3).toString('hex')}`;
  spawnSync('ip', ['netns', 'add', ns], { stdio: 'inherit' });
  try {
    spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up'], { stdio: 'inherit' });
    const r = spawnSync('nsenter', [`--net=/run/netns/${ns}`, '--', process.execPath, process.argv[1]!, outDir], { stdio: 'inherit', env: { ...process.env, SKIFF_RECORD_NETNS: ns, SKIFF_BRIDGE: 'skiff0' } });
    process.exitCode = r.status ?? 1;
  } finally {
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'inherit' });
  }
} else {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-record-net-'));
  const init = path.join(repo, 'node_modules', '.skiff-record', 'init.js');
  await build({
    entryPoints: [path.join(repo, 'src/engine/runtime/init/main.ts')], outfile: init, bundle: true, platform: 'node', format: 'esm',
    external: ['koffi'], logLevel: 'warning',
    banner: { js: "import { createRequire as __skiffRequire } from 'node:module'; const require = __skiffRequire(import.meta.url);" },
  });
  const engine = await Engine.open(path.join(work, 'data'), { initScript: init, cgroupParent: 'skiff-record-net', network: { bridge: 'skiff0' } });
  const all: EngineEvent[] = [];
  engine.events.on((e) => void all.push(e));
  // Machine-specific paths become placeholders, as scripts/record-events.ts does.
  const cgroups = [...new Set(fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').map((l) => l.split(':')[2] ?? '').filter((p) => p && p !== '/'))].sort((a, b) => b.length - a.length);
  const scrub = (e: EngineEvent) => {
    let s = JSON.stringify(e).split(work).join('<data-root>');
    for (const c of cgroups) s = s.split(`${c}/`).join('/<engine-cgroup>/');
    return s;
  };
  try {
    await buildBaseImage(engine.store, 'busybox:latest');
    all.length = 0;
    const c = await engine.containers();
    await engine.networks.create({ Name: 'app', IPAM: { Config: [{ Subnet: '172.30.0.0/24' }] } });
    const db = await c.create({ Image: 'busybox', Cmd: ['sleep', '30'], Env: ['DB_USER=skiff'], ExposedPorts: { '5432/tcp': {} } }, { name: 'db' });
    await c.start(db.Id);
    const from = all.length;
    const web = await c.create({ Image: 'busybox', Cmd: ['sh', '-c', 'ping -c1 -W2 dbapp >/dev/null && echo reached dbapp'], HostConfig: { Links: ['db:dbapp'], PortBindings: { '80/tcp': [{ HostPort: '8080' }] } } }, { name: 'web' });
    await c.start(web.Id);
    await c.wait(web.Id);
    const run = all.slice(from);
    await engine.networks.endpoints.connect(engine.networks.find('app'), 'db');
    const api = await c.create({ Image: 'busybox', Cmd: ['sleep', '30'], HostConfig: { NetworkMode: 'app' } }, { name: 'api' });
    await c.start(api.Id);
    for (const x of await c.list({ all: true })) await c.remove(x.Id, { force: true });
    await engine.networks.remove('app');
    await engine.close();
    fs.writeFileSync(path.join(outDir, 'run-bridge.ndjson'), run.map(scrub).join('\n') + '\n');
    fs.writeFileSync(path.join(outDir, 'network.ndjson'), all.map(scrub).join('\n') + '\n');
    console.log(`recorded ${run.length} + ${all.length} events into ${outDir}`);
  } finally {
    await engine.close().catch(() => {});
    fs.rmSync(work, { recursive: true, force: true });
  }
}
