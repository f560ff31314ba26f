// bench/repl: how quickly the REPL answers, in a real pseudo-terminal (script(1) gives it one,
// 80×24): start to prompt, and keystroke to echo while a pull is drawing (the pull diagram shown,
// and the layers' live bars). Run by bench/repl.sh, which builds first.
//   start to prompt   from spawning `node bin/skiff.js` to "skiff>" on the terminal (the daemon
//                     already running, as it is after the first start)
//   keystroke to echo from writing one key to the terminal to the prompt line showing it, for
//                     keys typed every ~25 ms while a throttled pull (a registry on 127.0.0.1
//                     behind a slow proxy) streams its events into the diagrams
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pushImage } from '../test/helpers/push.ts';
import { startDistribution } from '../test/helpers/registry.ts';
import { stopDaemonOf } from '../test/helpers/skiffd.ts';

const repo = process.cwd();
const bin = path.join(repo, 'bin/skiff.js');
const rounds = Number(process.argv[2] ?? 10);
const LAYERS = 3;
const LAYER_BYTES = 12 << 20;
/** Bytes per second each blob is served at: the pull lasts about LAYER_BYTES / RATE seconds. */
const RATE = 1 << 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// eslint-disable-next-line no-control-regex
const strip = (s: string) => s.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]/g, '');

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return `n=${s.length} median ${q(0.5).toFixed(1)} ms, p90 ${q(0.9).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${s.at(-1)!.toFixed(1)} ms`;
}

/** A proxy that serves blobs at RATE bytes per second (everything else as it comes). */
async function slowProxy(upstream: string): Promise<{ host: string; stop(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', upstream);
    const up = http.request(u, { method: req.method, headers: { ...req.headers, host: u.host } }, async (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      const slow = /\/blobs\/sha256:/.test(u.pathname) && req.method === 'GET';
      const t0 = performance.now();
      let sent = 0;
      for await (const chunk of r) {
        const c = chunk as Buffer;
        for (let i = 0; i < c.length; i += 16 << 10) {
          const part = c.subarray(i, i + (16 << 10));
          if (!res.write(part)) await new Promise((ok) => res.once('drain', ok));
          sent += part.length;
          const ahead = (sent / RATE) * 1000 - (performance.now() - t0);
          if (slow && ahead > 0) await sleep(ahead);
        }
      }
      res.end();
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

/** The REPL in a pseudo-terminal of 80×24 (script(1)), its output gathered. */
class Pty {
  readonly child: ChildProcessWithoutNullStreams;
  out = '';
  private waiters: (() => void)[] = [];

  constructor(root: string, home: string) {
    const cmd = `stty rows 24 cols 80; exec ${process.execPath} ${bin} --data-root ${root}`;
    this.child = spawn('script', ['-qfec', cmd, '/dev/null'], { env: { ...process.env, HOME: home, TERM: 'xterm-256color' } });
    this.child.stdout.on('data', (d: Buffer) => {
      this.out += d.toString('utf8');
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves when the output from `from` on (ANSI stripped) holds `text`; the time it came. */
  async until(text: string | RegExp, from = 0, ms = 30_000): Promise<number> {
    const deadline = performance.now() + ms;
    for (;;) {
      const seen = strip(this.out.slice(from));
      if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) return performance.now();
      if (performance.now() > deadline) throw new Error(`no ${String(text)} on the terminal; it shows:\n${seen.slice(-2000)}`);
      await Promise.race([new Promise<void>((r) => this.waiters.push(r)), sleep(50)]);
    }
  }

  write(s: string): void {
    this.child.stdin.write(s);
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.write('\x03\x15exit\r');
    await Promise.race([exited, sleep(3000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bench-repl-'));
  const root = path.join(tmp, 'root');
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home);
  const registry = await startDistribution();
  const proxy = await slowProxy(registry.url);
  try {
    await pushImage(registry.url, 'bench/big', '1', {
      layers: Array.from({ length: LAYERS }, (_, i) => ({ entries: [{ name: `data${i}.bin`, data: randomBytes(LAYER_BYTES) }] })),
    });
    const image = `${proxy.host}/bench/big:1`;
    // The daemon runs before the REPL starts, as it does after the first start.
    spawnSync(process.execPath, [bin, '--data-root', root, 'ps'], { stdio: 'ignore' });

    // ---- start to prompt ----
    const node0: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      spawnSync(process.execPath, ['-e', '0']);
      node0.push(performance.now() - t0);
    }
    const starts: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const pty = new Pty(root, home);
      const t = await pty.until('skiff>');
      starts.push(t - t0);
      await pty.until('connected to the Skiff daemon');
      await pty.close();
    }

    // ---- keystroke to echo while a pull draws ----
    const pty = new Pty(root, home);
    await pty.until('connected to the Skiff daemon');
    pty.write('show pull\r');
    await pty.until('waiting for a pull');
    let mark = pty.out.length;
    pty.write(`pull ${image}\r`);
    await pty.until(/Downloading/, mark);
    const echoes: number[] = [];
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    let line = '';
    const pulling = () => !/Status: Downloaded newer image/.test(strip(pty.out.slice(mark)));
    while (pulling()) {
      if (line.length >= 30) {
        // Start a new line (not measured): Ctrl-U, then wait for the empty prompt.
        line = '';
        const from = pty.out.length;
        pty.write('\x15');
        await pty.until(/skiff> \s*\n/, from);
      }
      const c = letters[echoes.length % letters.length]!;
      line += c;
      const from = pty.out.length;
      const t0 = performance.now();
      pty.write(c);
      const t = await pty.until(`skiff> ${line}`, from, 5000);
      if (pulling()) echoes.push(t - t0);
      await sleep(15 + Math.random() * 20);
    }
    mark = pty.out.length;
    await pty.close();

    console.log(`node -e 0            ${stats(node0)}`);
    console.log(`start to prompt      ${stats(starts)}   (goal < 600 ms)`);
    console.log(`keystroke to echo    ${stats(echoes)}   (goal p99 < 30 ms; during a ${LAYERS} × ${LAYER_BYTES >> 20} MiB pull at ${RATE >> 20} MiB/s a layer, its diagram shown)`);
  } finally {
    await proxy.stop();
    await registry.stop();
    await stopDaemonOf(root);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
