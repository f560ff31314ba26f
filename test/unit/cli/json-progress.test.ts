// A daemon's pull progress (Docker's JSON messages) as `pull` prints it: on a terminal one line
// per layer, redrawn in place; in a pipe one line per change of phase; the rest as it comes.
import { describe, expect, it } from 'vitest';
import { JsonProgress } from '../../../src/cli/progress.ts';

const messages = [
  { status: 'Pulling from library/busybox', id: 'latest' },
  { status: 'Pulling fs layer', progressDetail: {}, id: '3f4d90098f5b' },
  { status: 'Downloading', progressDetail: { current: 1024, total: 2048 }, id: '3f4d90098f5b' },
  { status: 'Downloading', progressDetail: { current: 2048, total: 2048 }, id: '3f4d90098f5b' },
  { status: 'Pull complete', progressDetail: {}, id: '3f4d90098f5b' },
  { status: 'Digest: sha256:abc' },
  { status: 'Status: Downloaded newer image for busybox:latest' },
];

function output(isTTY: boolean) {
  let text = '';
  return { out: { isTTY, columns: 80, write: (s: string | Uint8Array) => void (text += String(s)) }, text: () => text };
}

describe('JsonProgress', () => {
  it('in a pipe: a line per phase of each layer, and the status lines', () => {
    const o = output(false);
    const p = new JsonProgress(o.out);
    for (const m of messages) p.onMessage(m);
    expect(o.text()).toBe([
      'latest: Pulling from library/busybox',
      '3f4d90098f5b: Pulling fs layer',
      '3f4d90098f5b: Downloading',
      '3f4d90098f5b: Pull complete',
      'Digest: sha256:abc',
      'Status: Downloaded newer image for busybox:latest',
      '',
    ].join('\n'));
  });

  it('on a terminal: the layer line is drawn again in place, with the amount', () => {
    const o = output(true);
    const p = new JsonProgress(o.out);
    for (const m of messages.slice(0, 3)) p.onMessage(m);
    expect(o.text()).toContain('\r\x1b[2K3f4d90098f5b: Downloading 1.02kB/2.05kB\n');
    p.onMessage(messages[4]!);
    expect(o.text().endsWith('\x1b[1A\r\x1b[2K3f4d90098f5b: Pull complete\n')).toBe(true);
  });
});
