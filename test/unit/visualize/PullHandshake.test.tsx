// The pull handshake diagram at 80 columns, in color and in plain text, from recorded pulls.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { shortId, size } from '../../../src/visualize/model/format.ts';
import { foldPull, pullBytes, type PullLayer } from '../../../src/visualize/model/pull.ts';
import { PullHandshake } from '../../../src/visualize/PullHandshake.tsx';
import { DRAWING, events, frameAt, widest } from './fixtures.ts';

const token = foldPull(events('pull-token'));
const faults = foldPull(events('pull-faults'));
const frame = (el: React.ReactElement) => render(el).lastFrame() ?? '';
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A layer's row: short digest, a bar, bytes so far of the total, and its phase. */
const layerRow = (l: PullLayer, bar: string, word: string) => new RegExp(`${shortId(l.digest)} ${bar} ${esc(`${size(l.current)}/${size(l.total)}`)} +${word}`);
/** An exchange's row: its number, the arrow to its party, the request and the status. */
const exchangeRow = (n: number, arrow: string, request: string, status: number) => new RegExp(`${String(n).padStart(2)} ${esc(arrow)} ${request} +${status} `);

afterEach(() => {
  delete process.env.NO_COLOR;
});

describe('PullHandshake', () => {
  it('draws the token handshake as a sequence, with the platform chosen and each layer', () => {
    const f = frame(<PullHandshake model={token} width={80} plain={false} />);
    expect(widest(f)).toBeLessThanOrEqual(80);
    expect(f).toContain(`pull ${token.ref}`);
    expect(f).toMatch(/done in \d+ ms/);
    expect(f).toMatch(/ 1 ├──▶│   │ GET \/v2\/ +401 /);
    expect(f).toMatch(/ 2 ├───┼──▶│ GET \/token\?service=skiff-.* 200 /);
    expect(f).toContain('challenge: Bearer — get a token from');
    expect(f).toContain('a signed token (JWT) for repository:learn/busybox:pull');
    expect(f).toContain('OCI image index offers linux/amd64, linux/arm64/v8,');
    expect(f).toContain('this host takes linux/amd64');
    expect(f).toMatch(new RegExp(` 4 ├──▶│   │ GET /v2/learn/busybox/man.*sha256:${token.manifest!.digest.slice(7, 19)}… +200 `));
    for (const l of token.layers) expect(f).toMatch(layerRow(l, '█+', 'pulled'));
    // The six steps beside the real exchanges.
    expect(f).toContain('✓ 1 Ask the index where the image is');
    expect(f).toContain('(exchanges 3, 4)');
    expect(f).toContain('✓ 4 The registry checks the token with the index');
    expect(f).toContain('no request: the registry checks the token\'s signature itself');
    expect(f).toContain('✓ 6 Verify what arrived');
  });

  it('says the same in plain words, with nothing drawn', () => {
    const f = frame(<PullHandshake model={token} width={80} plain />);
    expect(f).not.toMatch(DRAWING);
    expect(widest(f)).toBeLessThanOrEqual(80);
    expect(f).toContain('1. Client to registry');
    expect(f).toContain('GET /v2/. Answer: 401 Unauthorized');
    expect(f).toContain('Note, registry: challenge: Bearer');
    for (const l of token.layers) expect(f.replace(/\n/g, ' ')).toContain(`Layer ${shortId(l.digest)}: pulled, ${size(l.total)} of ${size(l.total)}.`);
    expect(f.replace(/\s+/g, ' ')).toContain('Step 2, done: Get a token from the index. Today: GET the realm with a scope');
  });

  it('is plain when NO_COLOR is set', () => {
    process.env.NO_COLOR = '1';
    const f = frame(<PullHandshake model={token} width={80} />);
    expect(f).not.toMatch(DRAWING);
    expect(f).toContain('Step 6, done: Verify what arrived.');
  });

  it('shows a retry, a resumed blob and a redirect to another host', () => {
    const f = frame(<PullHandshake model={faults} width={80} plain={false} />);
    expect(widest(f)).toBeLessThanOrEqual(80);
    expect(f).toMatch(/C client {3}R registry \S+ {3}T token service \S+/);
    expect(f).toMatch(/X other host localhost:\d+/);
    expect(f).toMatch(/ 3 ├──▶│   │   │ GET \/v2\/learn\/tools\/manifests\/1 +503 /);
    expect(f).toContain('503 Service Unavailable: tried again after a pause');
    // Which blob went where depends on how the three downloads interleaved: read it off the model.
    const n = (f2: (x: (typeof faults.exchanges)[number]) => boolean) => faults.exchanges.findIndex(f2) + 1;
    const redirected = faults.exchanges[n((x) => x.status === 307) - 1]!;
    const resumed = faults.exchanges[n((x) => x.range !== undefined) - 1]!;
    expect(f).toMatch(exchangeRow(n((x) => x.status === 307), '├──▶│   │   │', `GET /v2/learn/tools/blobs/sha256:${shortId(redirected.target!)}…`, 307));
    expect(f).toMatch(exchangeRow(n((x) => x.party === 'other'), '├───┼───┼──▶│', 'GET /cdn/v2/learn/tools.*', 200));
    expect(f).toMatch(exchangeRow(n((x) => x.range !== undefined), '├──▶│   │   │', `GET .*${shortId(resumed.target!)}…`, 206));
    expect(f).toContain('Range bytes 400000- asks');
    expect(f).toContain('resumed at 400 kB (Range)');
    expect(f).toMatch(/served by localhost:\d+ \(redirect\)/);
  });

  it('draws a pull mid-way: bars partly filled, later steps pending', () => {
    const evs = events('pull-faults');
    const cut = evs.findIndex((e) => e.type === 'pull.layer' && e.phase === 'downloading' && e.current < e.total) + 1;
    const mid = foldPull(evs.slice(0, cut));
    const f = frame(<PullHandshake model={mid} width={80} plain={false} />);
    const b = pullBytes(mid);
    expect(b.current).toBeGreaterThan(0);
    expect(b.current).toBeLessThan(b.toFetch);
    expect(f).toContain(`pulling: ${size(b.current)} of ${size(b.toFetch)}`);
    const busy = mid.layers.find((l) => l.phase === 'downloading' && l.current < l.total)!;
    expect(f).toMatch(layerRow(busy, '[█░]+', 'downloading'));
    for (const l of mid.layers.filter((x) => x.phase === 'waiting')) expect(f).toMatch(layerRow(l, '░+', 'waiting'));
    expect(f).toContain('◐ 5 Download the layers');
    expect(f).not.toContain('✓ 6 Verify what arrived'); // nothing is verified before the pull is done
    const p = frame(<PullHandshake model={foldPull(evs.slice(0, cut))} width={80} plain />);
    expect(p).toMatch(/Step 6, (pending|in progress): Verify what arrived\./);
  });

  it('waits for a pull with nothing drawn from thin air', () => {
    const f = frame(<PullHandshake model={foldPull([])} width={80} plain={false} />);
    expect(f).toContain('waiting for a pull');
    expect(f).toContain('no exchange yet');
    expect(f).not.toContain('✓');
  });

  it('sets the six steps beside the diagram on a wide terminal', async () => {
    const f = await frameAt(<PullHandshake model={token} width={140} plain={false} />, 140);
    expect(widest(f)).toBe(140);
    expect(f.split('\n').some((l) => l.includes('├──▶│') && l.includes('✓ 1 Ask the index where the image is'))).toBe(true);
  });
});
