// The volume commands through the CLI's own dispatcher, with a fake terminal on standard input
// (the e2e test runs the real binary, where standard input is never a terminal).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Output } from '../../../src/cli/command.ts';
import { runCommand, type Session } from '../../../src/cli/main.ts';

let root: string;
let session: Session;
let out: string;
let err: string;
let stdin: PassThrough & { isTTY?: boolean };

function output(append: (s: string) => void): Output {
  return { write: append, isTTY: false, columns: 80 };
}

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'skiff-volume-cli-'));
  out = '';
  err = '';
  stdin = new PassThrough();
  session = { out: output((s) => (out += s)), err: output((s) => (err += s)), stdin, dataRoot: root, insecureRegistries: [], trace: false };
});
afterEach(async () => {
  stdin.destroy();
  rmSync(root, { recursive: true, force: true });
});

const run = (line: string) => runCommand(session, line.split(' '), new AbortController().signal);

describe('volume prune asks first', () => {
  it('refuses without a terminal to answer on, and says how to go on', async () => {
    expect(await run('volume prune')).toBe(125);
    expect(err).toBe('Error: volume prune asks before deleting, and standard input is not a terminal to answer on (add -f (--force) to prune without asking)\n');
  });

  it('deletes on "y" at a terminal', async () => {
    expect(await run('volume create')).toBe(0);
    const anon = out.trim();
    out = '';
    stdin.isTTY = true;
    const done = run('volume prune');
    stdin.write('y\n');
    expect(await done).toBe(0);
    expect(out).toBe(`WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] Deleted Volumes:\n${anon}\n\nTotal reclaimed space: 0B\n`);
  });

  it('keeps everything on any other answer, and at end of input', async () => {
    await run('volume create keep1');
    stdin.isTTY = true;
    for (const answer of ['n\n', 'yes\n', '\n']) {
      out = '';
      const done = run('volume prune -a');
      stdin.write(answer);
      expect(await done).toBe(0);
      expect(out).toMatch(/^WARNING! This will remove all local volumes not used by at least one container\.\nAre you sure you want to continue\? \[y\/N\] Total reclaimed space: 0B\n$/);
    }
    out = '';
    const done = run('volume prune -a');
    stdin.end();
    expect(await done).toBe(0);
    out = '';
    await run('volume ls -q');
    expect(out).toBe('keep1\n');
  });
});

describe('volume prune interrupted', () => {
  it('ends as an interruption when Ctrl-C comes at the question', async () => {
    await run('volume create');
    stdin.isTTY = true;
    const controller = new AbortController();
    const done = runCommand(session, ['volume', 'prune'], controller.signal);
    setTimeout(() => controller.abort(), 20);
    expect(await done).toBe(130);
    expect(err).toBe('Interrupted: nothing half-done was kept.\n');
  });
});

describe('volume command group', () => {
  it('lists its commands, and refuses an unknown one', async () => {
    expect(await run('volume')).toBe(0);
    expect(out).toMatch(/Usage:\s+skiff volume COMMAND/);
    for (const c of ['create', 'ls', 'inspect', 'rm', 'prune']) expect(out).toMatch(new RegExp(`^  ${c}\\s+\\S`, 'm'));
    expect(await run('volume frob')).toBe(1);
    expect(err).toBe("skiff: 'volume frob' is not a skiff command.\nSee 'skiff volume' for its commands\n");
  });

  it('refuses --name and a different argument together', async () => {
    expect(await run('volume create --name a1 b1')).toBe(125);
    expect(err).toMatch(/^Error: conflicting options: either specify --name or provide positional arg, not both/);
    expect(await run('volume create --name a1 a1')).toBe(0);
    expect(out).toBe('a1\n');
  });
});
