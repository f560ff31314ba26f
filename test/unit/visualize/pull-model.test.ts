// The pull model folded from pulls the real engine recorded: through Bearer token auth from a
// multi-platform index, a second pull sharing a layer, and one that survived a 503, a cut
// download (resumed with Range) and a redirect — and every prefix of them, as a diagram drawn
// mid-pull sees it.
import { describe, expect, it } from 'vitest';
import { emptyPull, foldPull, pullBytes, reducePull, storySteps } from '../../../src/visualize/model/pull.ts';
import { sequence } from '../../../src/visualize/model/sequence.ts';
import { events } from './fixtures.ts';

const token = events('pull-token');
const shared = events('pull-shared');
const faults = events('pull-faults');

describe('the pull model', () => {
  it('follows the Bearer handshake and the platform choice of a recorded pull', () => {
    const m = foldPull(token);
    const start = token[0]!;
    expect(start.type).toBe('pull.start');
    expect(m.ref).toBe(start.type === 'pull.start' && start.ref);
    expect(m.state).toBe('done');
    expect(m.exchanges.map((x) => `${x.step} ${x.status} ${x.party}`)).toEqual([
      'ping 401 registry', 'token 200 token', 'manifest 200 registry', 'manifest 200 registry', 'config 200 registry', 'blob 200 registry', 'blob 200 registry',
    ]);
    expect(m.challenge).toMatchObject({ scheme: 'bearer', service: 'skiff-test-registry' });
    expect(m.exchanges[1]!.host).toBe(new URL(m.challenge!.realm).host);
    expect(m.exchanges.slice(2).every((x) => x.auth === 'bearer')).toBe(true);
    expect(m.index).toMatchObject({ mediaType: 'application/vnd.oci.image.index.v1+json', platforms: ['linux/amd64', 'linux/arm64/v8', 'unknown/unknown'], chosen: 'linux/amd64' });
    // The second manifest request asks for the platform manifest by the digest the index named.
    expect(m.exchanges[3]!.target).toBe(m.manifest!.digest);
    expect(m.config?.digest).toBe(m.result?.imageId);
    // The layers in the manifest's order (their 'waiting' events), each complete at its size.
    const waiting = token.flatMap((e) => (e.type === 'pull.layer' && e.phase === 'waiting' ? [[e.digest, e.total]] : []));
    expect(waiting).toHaveLength(2);
    expect(m.layers.map((l) => [l.digest, l.total])).toEqual(waiting);
    expect(m.layers.every((l) => l.phase === 'complete' && l.current === l.total && l.requests === 1)).toBe(true);
    const bytes = m.layers.reduce((n, l) => n + l.total, 0);
    expect(pullBytes(m)).toEqual({ current: bytes, toFetch: bytes, downloaded: 2, shared: 0 });
    expect(storySteps(m).map((s) => `${s.n} ${s.state} ${s.exchanges.join(',')}`)).toEqual(['1 done 0', '2 done 1', '3 done 2,3', '4 done ', '5 done 4,5,6', '6 done ']);
  });

  it('marks a layer another image brought as already there, and downloads only the rest', () => {
    const m = foldPull(shared);
    expect(m.layers.map((l) => l.phase)).toEqual(['exists', 'complete', 'complete']);
    expect(m.layers[0]!.digest).toBe(foldPull(token).layers[0]!.digest);
    expect(m.exchanges.filter((x) => x.step === 'blob')).toHaveLength(2);
    expect(pullBytes(m)).toMatchObject({ downloaded: 2, shared: 1 });
    expect(sequence(m).at(-1)).toMatchObject({ kind: 'note', text: '1 layer was already in the store: not downloaded again' });
  });

  it('shows a retry, a resumed download and a redirect to another host as they happened', () => {
    const m = foldPull(faults);
    const manifests = m.exchanges.filter((x) => x.step === 'manifest');
    expect(manifests.map((x) => `${x.status}#${x.attempt}`)).toEqual(['503#1', '200#2']);
    const [base, data] = m.layers;
    expect(base).toMatchObject({ resumedFrom: 400000, requests: 2, phase: 'complete' });
    expect(m.exchanges.find((x) => x.range)).toMatchObject({ status: 206, range: 'bytes=400000-', party: 'registry' });
    expect(data!.redirectedTo).toMatch(/^localhost:\d+$/);
    const cdn = m.exchanges.filter((x) => x.party === 'other');
    expect(cdn).toHaveLength(1);
    expect(cdn[0]).toMatchObject({ status: 200, host: data!.redirectedTo });
    expect(cdn[0]!.auth).toBeUndefined(); // the token never went to the other host
    const notes = sequence(m).flatMap((r) => (r.kind === 'note' ? [r.text] : []));
    expect(notes).toEqual(expect.arrayContaining([
      '503 Service Unavailable: tried again after a pause',
      `redirect to ${data!.redirectedTo}: the token stays here, it is not sent to another host`,
      'resume: the last answer broke off; Range bytes 400000- asks for the rest',
    ]));
  });

  it('draws every prefix of a pull: steps only ever move forward, and never claim what has not happened', () => {
    const order = ['pending', 'active', 'done'];
    let prev = storySteps(emptyPull);
    let m = emptyPull;
    for (const [i, e] of faults.entries()) {
      m = reducePull(m, e);
      const steps = storySteps(m);
      for (const s of steps) {
        const before = prev.find((p) => p.n === s.n)!;
        expect(order.indexOf(s.state), `event ${i}, step ${s.n}`).toBeGreaterThanOrEqual(order.indexOf(before.state));
      }
      if (i < faults.length - 1) expect(m.state).toBe('pulling');
      // Verified (step 6) only once the engine said the pull is done.
      expect(steps[5]!.state === 'done').toBe(m.state === 'done');
      prev = steps;
    }
    expect(m).toEqual(foldPull(faults));
  });

  it('shows a pull mid-way: the blobs asked for so far, the layers still waiting', () => {
    const cut = token.findIndex((e) => e.type === 'http' && e.step === 'blob') + 1;
    const m = foldPull(token.slice(0, cut));
    expect(m.state).toBe('pulling');
    expect(m.layers.map((l) => l.phase)).toEqual(['waiting', 'waiting']);
    expect(storySteps(m).map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'active', 'pending']);
  });

  it('picks up a stream that starts mid-pull, and leaves out other pulls', () => {
    const m = foldPull(token.slice(4));
    expect(m.pullId).toBe(foldPull(token).pullId);
    expect(m.state).toBe('done');
    // Two pulls one after the other: the model follows the second once the first has ended.
    const both = foldPull([...token, ...faults]);
    expect(both.pullId).toBe(foldPull(faults).pullId);
    expect(both.exchanges).toEqual(foldPull(faults).exchanges);
    // A pull's events interleaved with another's: only its own count.
    const mixed = [token[0]!, ...faults.slice(1, 8), ...token.slice(1)];
    expect(foldPull(mixed)).toEqual(foldPull(token));
  });
});
