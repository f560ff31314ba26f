// The prompt as the user meets it: keys typed into Ink's stdin, the frame it draws.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { Completion } from '../../../src/repl/complete.ts';
import { Prompt, type PromptProps } from '../../../src/repl/Prompt.tsx';

const tick = () => new Promise((r) => setTimeout(r, 20));

function prompt(over: Partial<PromptProps> = {}) {
  const calls = { submitted: [] as string[], exits: 0, interrupts: 0, notices: [] as (string | undefined)[], scrolls: [] as number[] };
  const history = over.history ?? ['pull busybox', 'images'];
  const props: PromptProps = {
    history, busy: false, plain: true, width: 80,
    onSubmit: (l) => (calls.submitted.push(l), true),
    onInterrupt: () => (calls.interrupts++, false),
    onExit: () => void calls.exits++,
    onComplete: async (): Promise<Completion> => ({ from: 0, to: 0, candidates: [] }),
    onNotice: (t) => void calls.notices.push(t),
    onScroll: (d) => void calls.scrolls.push(d),
    ...over,
  };
  const r = render(<Prompt {...props} />);
  const type = async (s: string) => {
    r.stdin.write(s);
    await tick();
  };
  // Frames come without trailing spaces (the cursor at the end of the line is one).
  return { r, calls, type, line: () => (r.lastFrame() ?? '').split('\n')[0]! };
}

describe('Prompt', () => {
  it('echoes what is typed, and edits it where the cursor is', async () => {
    const p = prompt();
    await p.type('run busybox');
    expect(p.line()).toBe('skiff> run busybox');
    await p.type('\x1b[H');
    await p.type('\x1b[C\x1b[C\x1b[C');
    await p.type(' -it');
    expect(p.line()).toBe('skiff> run -it busybox');
    await p.type('\x05 sh\x17\x17');
    expect(p.line()).toBe('skiff> run -it');
    await p.type('\x7f\x7f\x7f');
    expect(p.line()).toBe('skiff> run -');
  });

  it('Enter runs the line and gives an empty one; Up brings back what ran', async () => {
    const history: string[] = ['pull busybox'];
    const p = prompt({ history, onSubmit: (l) => (history.push(l), true) });
    await p.type('images\r');
    expect(history).toEqual(['pull busybox', 'images']);
    expect(p.line()).toBe('skiff>');
    await p.type('\x1b[A');
    expect(p.line()).toBe('skiff> images');
    await p.type('\x1b[A');
    expect(p.line()).toBe('skiff> pull busybox');
    await p.type('\x1b[B\x1b[B');
    expect(p.line()).toBe('skiff>');
  });

  it('keeps the line when it cannot run now (a command is running)', async () => {
    const p = prompt({ busy: true, onSubmit: () => false });
    await p.type('ps\r');
    expect(p.line()).toBe('skiff> ps');
  });

  it('Tab completes one candidate with a space, many to what they share, then lists them', async () => {
    const candidates: Record<string, string[]> = { 'ima': ['image', 'images'], 'stop t': ['tty1'], 'image': ['image', 'images'] };
    const onComplete = async (text: string, cursor: number): Promise<Completion> => {
      const from = text.lastIndexOf(' ', cursor - 1) + 1;
      return { from, to: cursor, candidates: (candidates[text] ?? []).filter((c) => c.startsWith(text.slice(from, cursor))) };
    };
    const p = prompt({ onComplete });
    await p.type('stop t\t');
    expect(p.line()).toBe('skiff> stop tty1');
    await p.type('\x15ima\t');
    expect(p.line()).toBe('skiff> image');
    await p.type('\t');
    // 'image' and 'images': nothing more to add, so the candidates are listed under the line.
    expect(p.r.lastFrame()).toMatch(/^skiff> image\nimage +images$/m);
    await p.type('x');
    expect(p.r.lastFrame()).not.toMatch(/image +images/);
  });

  it('Ctrl-C interrupts a running command; at the prompt it drops the line and says how to leave', async () => {
    let running = true;
    const p = prompt({ onInterrupt: () => (running ? ((running = false), true) : false) });
    await p.type('typed ahead');
    await p.type('\x03');
    expect(running).toBe(false);
    expect(p.line()).toBe('skiff> typed ahead');
    await p.type('\x03');
    expect(p.line()).toBe('skiff>');
    expect(p.calls.notices.at(-1)).toMatch(/To leave Skiff, type exit or press Ctrl-D/);
    expect(p.calls.exits).toBe(0);
  });

  it('Ctrl-D leaves on an empty line (not while a command runs), deletes under the cursor otherwise', async () => {
    const p = prompt();
    await p.type('ab\x1b[D\x04');
    expect(p.line()).toBe('skiff> a');
    expect(p.calls.exits).toBe(0);
    await p.type('\x15\x04');
    expect(p.calls.exits).toBe(1);
    const busy = prompt({ busy: true });
    await busy.type('\x04');
    expect(busy.calls.exits).toBe(0);
  });

  it('PgUp and PgDn scroll the diagram', async () => {
    const p = prompt();
    await p.type('\x1b[5~\x1b[6~\x1b[6~');
    expect(p.calls.scrolls).toEqual([-1, 1, 1]);
  });
});
