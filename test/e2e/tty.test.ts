// `run -it` in a real terminal: tmux gives the CLI a pseudo-terminal of a known size, types keys
// into it and shows what is on the screen. Raw mode, the container's own line discipline (echo,
// Ctrl-C → SIGINT inside), resizes, detach keys, the exit code, and a sane terminal afterwards.
// Each test uses its own tmux server (-L) and kills only that one.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stopDaemonOf } from '../helpers/skiffd.ts';
import { canRunContainers, needsRoot } from '../helpers/runtime.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/skiff.js');
const haveTmux = spawnSync('tmux', ['-V']).status === 0;
let root: string;

function skiff(...args: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, [bin, '--data-root', root, ...args], { encoding: 'utf8', input: '' });
  return { code: r.status ?? -1, out: r.stdout };
}

/** One tmux server of our own, one session of 30 rows × 100 columns running `command`. */
class Tmux {
  readonly socket = `skiff-tty-${process.pid}-${randomBytes(4).toString('hex')}`;

  constructor(command: string) {
    // After the CLI ends: its exit code, then the terminal's settings (is it cooked again?).
    const script = `${command}; echo EXIT=$?; stty -a; sleep 600`;
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-x', '100', '-y', '30', '-s', 't', script);
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 't', ...keys);
  }

  /** Types a line as literal text, then Enter. */
  line(text: string): void {
    this.tmux('send-keys', '-t', 't', '-l', text);
    this.keys('Enter');
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', 't');
  }

  async waitFor(re: RegExp, ms = 15_000): Promise<string> {
    const until = Date.now() + ms;
    for (;;) {
      const s = this.screen();
      if (re.test(s)) return s;
      if (Date.now() > until) throw new Error(`timed out waiting for ${re} on the screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill(): void {
    const socketPath = spawnSync('tmux', ['-L', this.socket, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' }).stdout.trim();
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
    if (socketPath) fs.rmSync(socketPath, { force: true }); // tmux leaves its socket file behind
  }
}

const cli = (args: string) => `${process.execPath} ${bin} --data-root ${root} ${args}`;

describe.skipIf(!canRunContainers || !haveTmux)(`run -it in a terminal (${needsRoot}, and tmux)`, () => {
  let term: Tmux | undefined;

  beforeAll(() => {
    execFileSync(process.execPath, [path.join(repo, 'scripts/build.mjs'), '--if-stale']);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-tty-e2e-'));
    expect(skiff('base').code).toBe(0);
    // The first container command starts this data root's daemon (and says so on stderr).
    expect(skiff('ps').code).toBe(0);
  }, 120_000);

  afterEach(() => {
    term?.kill();
    term = undefined;
  });

  afterAll(async () => {
    if (!root) return;
    const ids = skiff('ps', '-aq', '--no-trunc').out.split('\n').filter(Boolean);
    if (ids.length) skiff('rm', '-f', ...ids);
    const left = skiff('ps', '-aq').out;
    await stopDaemonOf(root);
    fs.rmSync(root, { recursive: true, force: true });
    expect(left).toBe('');
  }, 60_000);

  it('a shell: keys in, output out, resizes, Ctrl-C inside, exit code out, terminal sane again', async () => {
    term = new Tmux(cli('run -it --rm --name tty1 busybox sh'));
    await term.waitFor(/^\/ # $/m);
    term.line('echo $((6*7))');
    await term.waitFor(/^42$/m);

    term.line('stty size');
    await term.waitFor(/^30 100$/m);
    term.tmux('resize-window', '-t', 't', '-x', '120', '-y', '40');
    await new Promise((r) => setTimeout(r, 300)); // SIGWINCH reaches the CLI, which resizes the pty
    term.line('stty size');
    await term.waitFor(/^40 120$/m);

    term.line('sleep 100');
    await term.waitFor(/^\/ # sleep 100$/m);
    await new Promise((r) => setTimeout(r, 300));
    term.keys('C-c'); // the byte 0x03; the container's line discipline makes it SIGINT for sleep
    await term.waitFor(/^\^C$/m, 5_000);
    term.line('echo still-here');
    await term.waitFor(/^still-here$/m, 5_000);

    term.line('exit 3');
    const screen = await term.waitFor(/^EXIT=3$[\s\S]*speed/m);
    const settings = screen.slice(screen.indexOf('EXIT=3'));
    expect(settings).toMatch(/(^|\s)icanon(\s|;|$)/m); // cooked mode again, not -icanon
    expect(settings).toMatch(/(^|\s)echo(\s|;|$)/m);
    expect(skiff('ps', '-aq', '-f', 'name=tty1').out).toBe(''); // --rm
  }, 60_000);

  it('Ctrl-P Ctrl-Q detaches: exit 0, a one-line notice, the terminal given back', async () => {
    term = new Tmux(cli('run -it --name tty2 busybox sh'));
    await term.waitFor(/^\/ # $/m);
    term.line('echo attached');
    await term.waitFor(/^attached$/m);
    term.keys('C-p');
    term.keys('C-q');
    const screen = await term.waitFor(/^EXIT=0$[\s\S]*speed/m);
    expect(screen).toMatch(/^Detached from [0-9a-f]{12}\.$/m); // the daemon keeps its terminal
    expect(screen.slice(screen.indexOf('EXIT=0'))).toMatch(/(^|\s)icanon(\s|;|$)/m);
    expect(skiff('rm', '-f', 'tty2').out).toBe('tty2\n');
  }, 60_000);

  it('exec -it: a second shell in a running container, with its exit code', async () => {
    expect(skiff('run', '-d', '--name', 'tty3', 'busybox', 'sleep', '120').code).toBe(0);
    term = new Tmux(cli('exec -it tty3 sh'));
    await term.waitFor(/^\/ # $/m);
    term.line('echo $((6*7)) $(cat /proc/1/cmdline | tr "\\0" " ")');
    await term.waitFor(/^42 sleep 120 *$/m); // (tmux drops trailing spaces)
    term.line('stty size');
    await term.waitFor(/^30 100$/m);
    term.line('exit 2');
    await term.waitFor(/^EXIT=2$/m);
    expect(skiff('rm', '-f', 'tty3').out).toBe('tty3\n');
  }, 60_000);
});
