// Records the requests a client sends a real Skiff daemon, as the daemon reports them (its
// `api.request` events), into test/fixtures/events/api.ndjson: the stream the client/server
// diagram's tests (test/unit/visualize/ApiRequests.test.tsx) are fed with. The daemon runs in this
// process on a temporary data root and socket, with --bridge=none (SKIFF_BRIDGE=none): the
// machine's own network is never touched. As root, with busybox-static, it runs containers too.
//
//   npx esbuild scripts/record-api-events.ts --bundle --platform=node --format=esm --external:koffi \
//     --external:esbuild --external:react-devtools-core --log-level=warning \
//     --outfile=node_modules/.skiff-record/record-api.mjs \
//     --banner:js="import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" \
//   && node node_modules/.skiff-record/record-api.mjs [OUTDIR]; rm -rf node_modules/.skiff-record
//
// What the client does, in order — the REPL's own commands through runCommand, as the learner
// types them, and what `docker version`/`info`/`images` ask a daemon through the same client:
//   connect (GET /_ping, no version prefix); GET /version, /info, /images/json;
//   `ps -a`; `network ls`; `inspect nosuch` (404);
//   as root: `run --rm busybox echo hello` (create 404: the image is missing, pulled in the
//   REPL's own engine from the daemon's offline registry, create again 201, inspect, attach 101,
//   wait, start 204, wait for removal, a DELETE that finds it gone already: 404); a pull through
//   the daemon (POST /images/create, up to date); `run -d --name poller busybox sleep 30`; ten
//   GET /containers/<id>/stats polls, as the REPL sends while the cgroups diagram is open;
//   `exec poller hostname` (exec create, start 101, inspect); `ps`; `stop -t 1 poller`;
//   `rm poller`; `ps -a`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'esbuild';
import type { Output } from '../src/cli/command.ts';
import { runCommand, type Session } from '../src/cli/main.ts';
import { HttpEngineApi } from '../src/client/http.ts';
import { startDaemon } from '../src/daemon/daemon.ts';
import { Engine } from '../src/engine/engine.ts';
import type { ApiRequestEvent } from '../src/engine/events.ts';

const repo = process.cwd();
const outDir = path.resolve(process.argv[2] ?? path.join(repo, 'test/fixtures/events'));

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(repo, 'src/daemon/daemon.ts'))) throw new Error('run record-api-events from the repository\'s root');
  // dockerd's --bridge=none: containers get no network, the host gets no bridge or firewall rule.
  process.env.SKIFF_BRIDGE = 'none';
  const root = process.getuid?.() === 0;
  const containers = root && fs.existsSync('/bin/busybox');
  if (!containers) console.log('not root or no busybox-static: recording the requests that need no container');

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-record-api-'));
  // Under node_modules so that the init bundle resolves koffi as dist/init.js does.
  const initDir = fs.mkdtempSync(path.join(repo, 'node_modules', '.skiff-record-init-'));
  const cleanups: (() => Promise<void> | void)[] = [() => fs.rmSync(tmp, { recursive: true, force: true }), () => fs.rmSync(initDir, { recursive: true, force: true })];
  try {
    const initScript = path.join(initDir, 'init.js');
    await build({
      entryPoints: [path.join(repo, 'src/engine/runtime/init/main.ts')], outfile: initScript, bundle: true, platform: 'node', format: 'esm',
      external: ['koffi'], logLevel: 'warning',
      banner: { js: "import { createRequire as __skiffRequire } from 'node:module'; const require = __skiffRequire(import.meta.url);" },
    });
    const dataRoot = path.join(tmp, 'data');
    const socket = path.join(tmp, 'skiff.sock');
    const log: string[] = [];
    const daemon = await startDaemon({
      dataRoot, hosts: [`unix://${socket}`], pidfile: path.join(tmp, 'skiffd.pid'),
      runtime: { initScript, cgroupParent: 'skiff-record-api' }, log: (l) => log.push(l),
    });
    const recorded: ApiRequestEvent[] = [];
    daemon.engine.events.on((e) => {
      if (e.type === 'api.request') recorded.push(e);
    });
    cleanups.push(async () => {
      const rt = await daemon.engine.runtime().catch(() => undefined);
      for (const c of (await rt?.containers.list({ all: true })) ?? []) await rt?.containers.remove(c.Id, { force: true }).catch(() => {});
      await daemon.close();
    });

    // The REPL's side: a client of the daemon's socket, and its own engine on the same data root
    // (images are pulled there, as `pull` and `run` do in the REPL).
    const api = await HttpEngineApi.connect({ host: `unix://${socket}` });
    cleanups.push(() => api.close());
    const engine = Engine.open(dataRoot, { poolSize: 0 });
    cleanups.push(async () => (await engine).close());
    let printed = '';
    const sink: Output = { write: (s) => void (printed += typeof s === 'string' ? s : Buffer.from(s).toString()), isTTY: false, columns: 80 };
    const session: Session = { out: sink, err: sink, stdin: process.stdin, dataRoot, insecureRegistries: [], trace: false, engine, api: Promise.resolve(api) };
    const type = async (line: string) => {
      const code = await runCommand(session, line.split(' '), new AbortController().signal);
      console.log(`  ${line}: exit ${code}`);
      return code;
    };

    await api.version();
    await api.info();
    await api.imageList();
    await type('ps -a');
    await type('network ls');
    if ((await type('inspect nosuch')) === 0) throw new Error('inspect of a container that is not there succeeded');
    if (containers) {
      if ((await type('run --rm busybox echo hello')) !== 0) throw new Error(`run failed:\n${printed}\n${log.join('\n')}`);
      if (!printed.includes('hello')) throw new Error(`run printed no hello:\n${printed}`);
      // What `docker pull` sends: the daemon pulls (up to date now), progress streamed back.
      for await (const m of api.imagePull('busybox:latest')) void m;
      await type('run -d --name poller busybox sleep 30');
      const id = (await api.containerInspect('poller')).Id;
      // The REPL polls stats while the cgroups diagram is open (src/repl/data.ts, every 500 ms).
      for (let i = 0; i < 10; i++) {
        await api.containerStats(id);
        await sleep(100);
      }
      await type('exec poller hostname');
      await type('ps');
      await type('stop -t 1 poller');
      await type('rm poller');
      await type('ps -a');
    }
    // Give the last answers time to end (an answer's event comes when it has been sent).
    await sleep(200);
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, 'api.ndjson'), recorded.map((e) => JSON.stringify(e)).join('\n') + '\n');
    console.log(`wrote api.ndjson (${recorded.length} requests)`);
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

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
