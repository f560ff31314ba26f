// The Ink REPL in a real terminal: tmux gives it a pseudo-terminal of 80×24, types keys into it
// and shows what is on the screen. One learner's session, step by step: pull from a registry on
// 127.0.0.1 (slowed down, so the layers' live bars can be seen), images, run, run -it and back,
// ps -a, the run diagram, Ctrl-C on a running container, completion and history, a resize, and
// the way out. The daemon the REPL starts is stopped at the end; the tmux server is our own (-L).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectBaseRootfs } from '../../src/engine/image/base.ts';
import { type FaultProxy, startFaultProxy } from '../helpers/faults.ts';
import { pushImage } from '../helpers/push.ts';
import { haveDistribution, type RunningRegistry, startDistribution } from '../helpers/registry.ts';
import { canRunContainers, needsRoot } from '../helpers/runtime.ts';
import { stopDaemonOf } from '../helpers/skiffd.ts';
import type { TarEntry } from '../helpers/tar.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/skiff.js');
const haveTmux = spawnSync('tmux', ['-V']).status === 0;
/** How long the registry (through the proxy) holds each blob back: the bars are on screen meanwhile. */
const BLOB_DELAY_MS = 1500;

let root: string;
let home: string;
let registry: RunningRegistry | undefined;
let proxy: FaultProxy | undefined;
let image: string;
let term: Tmux | undefined;

function skiff(...args: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, [bin, '--data-root', root, ...args], { encoding: 'utf8', input: '' });
  return { code: r.status ?? -1, out: r.stdout };
}

/** Our own tmux server (-L) with one session running `command` in a terminal cols × rows. */
class Tmux {
  readonly socket = `skiff-repl-${process.pid}-${randomBytes(4).toString('hex')}`;

  constructor(command: string, cols: number, rows: number) {
    // After the REPL ends: its exit code, then the terminal's settings (cooked again?).
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-x', String(cols), '-y', String(rows), '-s', 't', `${command}; echo EXIT=$?; stty -a; sleep 600`);
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 't', ...keys);
  }

  type(text: string): void {
    this.tmux('send-keys', '-t', 't', '-l', text);
  }

  line(text: string): void {
    this.type(text);
    this.keys('Enter');
  }

  /** The screen and the scrollback, wrapped lines joined. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-500', '-t', 't');
  }

  /** Only what is on the screen now. */
  visible(): string {
    return this.tmux('capture-pane', '-p', '-t', 't');
  }

  async waitFor(want: RegExp | ((screen: string) => boolean), ms = 20_000, what: () => string = () => this.screen()): Promise<string> {
    const test = typeof want === 'function' ? want : (s: string) => want.test(s);
    const until = Date.now() + ms;
    for (;;) {
      const s = what();
      if (test(s)) return s;
      if (Date.now() > until) throw new Error(`timed out waiting for ${String(want)} on the screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits for the prompt to be back, idle: no command running (its ⋯ line), the line empty. */
  idle(ms = 20_000): Promise<string> {
    return this.waitFor((s) => /^skiff> *$/m.test(s) && !/^⋯ /m.test(s), ms, () => this.visible());
  }

  kill(): void {
    const socketPath = spawnSync('tmux', ['-L', this.socket, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' }).stdout.trim();
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
    if (socketPath) fs.rmSync(socketPath, { force: true });
  }
}

/** Lines of a screen that are the same as `line` (the status line, the prompt: drawn once). */
const count = (screen: string, re: RegExp) => screen.split('\n').filter((l) => re.test(l)).length;

describe.skipIf(!canRunContainers || !haveTmux || !haveDistribution())(`the REPL in a terminal (${needsRoot}, tmux and docker-registry)`, () => {
  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(repo, 'scripts/build.mjs'), '--if-stale']);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-repl-e2e-'));
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-repl-home-'));
    registry = await startDistribution();
    const busybox = collectBaseRootfs().entries as TarEntry[];
    const noise = randomBytes(1 << 20);
    await pushImage(registry.url, 'learn/busybox', '1', {
      layers: [{ entries: busybox }, { entries: [{ name: 'opt/', type: 'directory' }, { name: 'opt/noise.bin', data: noise }] }],
      cmd: ['/bin/sh'],
    });
    proxy = await startFaultProxy(registry.url);
    proxy.rules.push({ method: 'GET', path: /\/blobs\/sha256:/, action: { kind: 'delay', ms: BLOB_DELAY_MS } });
    image = `${proxy.host}/learn/busybox:1`;
    term = new Tmux(`cd ${repo} && HOME=${home} ${process.execPath} ${bin} --data-root ${root}`, 80, 24);
  }, 120_000);

  afterAll(async () => {
    term?.kill();
    if (root) {
      const ids = skiff('ps', '-aq', '--no-trunc').out.split('\n').filter(Boolean);
      if (ids.length) skiff('rm', '-f', ...ids);
      await stopDaemonOf(root);
      fs.rmSync(root, { recursive: true, force: true });
    }
    if (home) fs.rmSync(home, { recursive: true, force: true });
    await proxy?.stop();
    await registry?.stop();
  }, 60_000);

  it('starts: the prompt at once, the daemon started behind it and said so', async () => {
    const t = term!;
    await t.waitFor(/^skiff>/m, 5_000);
    const screen = await t.waitFor(/connected to the Skiff daemon|started the Skiff daemon/, 30_000);
    expect(screen).toMatch(/^Skiff: type Docker-style commands/m);
    // The notice of the start stays in the scrollback, with how to stop the daemon.
    await t.waitFor(/started the Skiff daemon in the background \(pid \d+, log .*skiffd\.log\); stop it with: kill/);
  }, 40_000);

  it('pull: each layer with a live bar while it comes, then Docker\'s lines', async () => {
    const t = term!;
    t.line(`pull ${image}`);
    // While the registry holds the blobs back: the running command, and a bar per layer.
    const live = await t.waitFor(/^[0-9a-f]{12} +[█░]+ .*(Waiting|Downloading)/m, 10_000, () => t.visible());
    expect(live).toMatch(/^⋯ \d+s, Ctrl-C interrupts: pull 127\.0\.0\.1/m);
    const done = await t.waitFor(/^Status: Downloaded newer image for 127\.0\.0\.1:\d+\/learn\/busybox:1$/m);
    expect(done).toMatch(/^1: Pulling from learn\/busybox$/m);
    expect(done).toMatch(/^Digest: sha256:[0-9a-f]{64}$/m);
    expect(count(done, /^[0-9a-f]{12}: Pull complete$/)).toBe(2);
    await t.idle();
    // The bars are gone with the pull; the record stays.
    expect(t.visible()).not.toMatch(/[█░]/);
  }, 30_000);

  it('images: the table', async () => {
    const t = term!;
    t.line('images');
    await t.waitFor(/^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE\n127\.0\.0\.1:\d+\/learn\/busybox +1 +[0-9a-f]{12} /m);
    await t.idle();
  }, 20_000);

  it('run --rm: the output, the prompt back', async () => {
    const t = term!;
    t.line(`run --rm ${image} echo hi`);
    await t.waitFor(/^skiff> run --rm .* echo hi\nhi$/m);
    await t.idle();
  }, 20_000);

  it('run -it: the terminal is the container\'s until exit, then the REPL draws again', async () => {
    const t = term!;
    t.line(`run -it --name tty1 ${image} sh`);
    await t.waitFor(/^\/ # $/m);
    // No REPL on the screen while the container has it: no prompt, no status line below.
    expect(t.visible()).not.toMatch(/connected to the Skiff daemon/);
    t.line('echo $((6*7)); stty size');
    await t.waitFor(/^42\n24 80$/m);
    t.line('exit');
    const back = await t.idle();
    expect(count(back, /connected to the Skiff daemon/)).toBe(1);
    // Keys reach the REPL again.
    t.line('ps -a');
    await t.waitFor(/^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS/m);
    await t.waitFor(/"sh".*Exited \(0\).*tty1|tty1/);
    await t.idle();
  }, 30_000);

  it('show run: the seven steps of the last run, drawn from its events; hide', async () => {
    const t = term!;
    t.line('show run');
    const s = await t.waitFor(/docker run, step by step: tty1/, 5_000, () => t.visible());
    expect(s).toMatch(/Start the process/);
    expect(s).toMatch(/PID 1 inside = PID \d+ on the host: sh/);
    // At 80×24 the diagram is cut to the screen, and says how to see the rest.
    const lines = t.visible().trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    t.line('hide');
    await t.waitFor((v) => !/step by step/.test(v), 5_000, () => t.visible());
  }, 20_000);

  it('exec -it and start -ai take the terminal too; Ctrl-P Ctrl-Q detaches back to the REPL', async () => {
    const t = term!;
    t.line(`run -d --name bg ${image} sleep 300`);
    await t.waitFor(/^[0-9a-f]{64}$/m);
    await t.idle();
    t.line('exec -it bg sh');
    await t.waitFor(/^\/ # $/m);
    t.line('echo in-exec $((3*4))');
    await t.waitFor(/^in-exec 12$/m);
    t.line('exit 3');
    await t.waitFor(/^exit code 3$/m);
    await t.idle();
    t.line(`create -it --name st ${image} sh`);
    await t.waitFor(/^[0-9a-f]{64}$/m);
    await t.idle();
    t.line('start -ai st');
    await t.waitFor(/^\/ # $/m);
    t.line('echo in-start');
    await t.waitFor(/^in-start$/m);
    t.keys('C-p');
    t.keys('C-q');
    await t.waitFor(/^Detached from [0-9a-f]{12}\.$/m);
    await t.idle();
    t.line('rm -f bg st');
    await t.waitFor(/^bg\nst$/m);
    await t.idle();
  }, 40_000);

  it('Ctrl-C interrupts the running command, never the REPL', async () => {
    const t = term!;
    t.line(`run --name sleeper ${image} sleep 30`);
    await t.waitFor(/^⋯ \d+s, Ctrl-C interrupts: run --name sleeper /m, 10_000, () => t.visible());
    await new Promise((r) => setTimeout(r, 500));
    t.keys('C-c');
    // sleep as PID 1 ignores SIGINT (no handler): the client stops waiting and says how to stop it.
    await t.waitFor(/got SIGINT but is still running .* stop it with: skiff stop [0-9a-f]{12}/, 10_000);
    await t.idle();
    // Ctrl-C on the empty prompt: a hint, and the REPL stays.
    t.keys('C-c');
    await t.waitFor(/To leave Skiff, type exit or press Ctrl-D/, 5_000, () => t.visible());
    t.line('rm -f sleeper');
    await t.waitFor(/^sleeper$/m);
    await t.idle();
  }, 30_000);

  it('Tab completes commands and names; Up brings back the history', async () => {
    const t = term!;
    t.type('ima');
    t.keys('Tab');
    await t.waitFor(/^skiff> image/m, 5_000, () => t.visible());
    t.keys('C-u');
    t.type('rm -f tt');
    t.keys('Tab');
    await t.waitFor(/^skiff> rm -f tty1 *$/m, 5_000, () => t.visible());
    t.keys('Enter');
    await t.waitFor(/^tty1$/m);
    await t.idle();
    t.keys('Up');
    await t.waitFor(/^skiff> rm -f tty1 *$/m, 5_000, () => t.visible());
    t.keys('C-u');
    await t.idle();
  }, 20_000);

  it('a resize redraws the screen once, at the new width', async () => {
    const t = term!;
    t.tmux('resize-window', '-t', 't', '-x', '100', '-y', '30');
    await new Promise((r) => setTimeout(r, 600));
    const s = await t.idle();
    expect(count(s, /connected to the Skiff daemon/)).toBe(1);
    expect(count(s, /^skiff>\s*$/)).toBe(1);
    t.line('images');
    await t.waitFor(/^REPOSITORY +TAG +IMAGE ID/m);
    await t.idle();
    // Narrower again: the lines re-flow, and the live part is drawn once, not over old copies.
    t.tmux('resize-window', '-t', 't', '-x', '80', '-y', '24');
    await new Promise((r) => setTimeout(r, 600));
    const narrow = await t.idle();
    expect(count(narrow, /connected to the Skiff daemon/)).toBe(1);
    expect(count(narrow, /^skiff>\s*$/)).toBe(1);
    expect(narrow).toMatch(/^REPOSITORY +TAG +IMAGE ID/m);
  }, 20_000);

  it('exit leaves with 0, the terminal sane, the history kept', async () => {
    const t = term!;
    t.line('exit');
    const s = await t.waitFor(/^EXIT=0$[\s\S]*speed/m, 10_000);
    const settings = s.slice(s.indexOf('EXIT=0'));
    expect(settings).toMatch(/(^|\s)icanon(\s|;|$)/m);
    expect(settings).toMatch(/(^|\s)echo(\s|;|$)/m);
    const history = fs.readFileSync(path.join(home, '.skiff_history'), 'utf8').split('\n');
    expect(history).toContain('images');
    expect(history).toContain(`pull ${image}`);
  }, 20_000);
});
