// The pull handshake as a view model, folded from the engine's events of one pull: every HTTP
// exchange in order (who was asked what, and what they answered), the challenge, the manifest
// list and the platform chosen from it, each layer's progress — and the articles' older six-step
// story (index, token, registry) mapped onto the exchanges that really happened.
import type { EngineEvent, HandshakeStep, HttpExchangeEvent, LayerPhase } from '../../engine/events.ts';

/** Who answered an exchange: the registry, the token service its challenge named, or another
 *  host a redirect sent us to (a CDN serving blobs). */
export type Party = 'registry' | 'token' | 'other';

export interface Exchange {
  step: HandshakeStep;
  method: string;
  url: string;
  host: string;
  /** Path and query, as the diagram shows them. */
  path: string;
  party: Party;
  status: number; // 0: no answer (the connection failed)
  ms: number;
  attempt: number;
  auth?: 'bearer' | 'basic';
  location?: string;
  range?: string;
  error?: string;
  /** The blob or manifest the exchange asked for (a digest, or a tag for a manifest). */
  target?: string;
}

export interface PullLayer {
  digest: string;
  total: number;
  current: number;
  phase: LayerPhase;
  /** Requests for this blob: more than one means a retry, a resume or a redirect. */
  requests: number;
  /** The byte a resumed download started from (its Range request). */
  resumedFrom?: number;
  /** The host a redirect sent this blob's download to. */
  redirectedTo?: string;
  error?: string;
}

export type PullState = 'idle' | 'pulling' | 'done' | 'failed';

export interface PullModel {
  pullId?: string;
  ref?: string;
  state: PullState;
  registryHost?: string;
  exchanges: Exchange[];
  challenge?: { scheme: 'bearer' | 'basic'; realm: string; service?: string; scope?: string };
  rateLimit?: { limit?: string; remaining?: string; source?: string };
  /** The manifest list (Docker) or image index (OCI) the tag named, when it named one. */
  index?: { digest: string; mediaType: string; platforms: string[]; chosen?: string };
  /** The image manifest: the platform's, or the one the tag named directly. */
  manifest?: { digest: string; mediaType: string };
  config?: { digest: string };
  layers: PullLayer[];
  result?: { imageId: string; manifestDigest: string; upToDate: boolean; ms: number };
  error?: { code: string; message: string };
}

export const emptyPull: PullModel = { state: 'idle', exchanges: [], layers: [] };

function pullIdOf(e: EngineEvent): string | undefined {
  return 'pullId' in e ? e.pullId : undefined;
}

function exchangeOf(e: HttpExchangeEvent, m: PullModel): Exchange {
  const u = new URL(e.url);
  const registryHost = m.registryHost ?? (e.step === 'ping' ? u.host : undefined);
  const party: Party = e.step === 'token' ? 'token' : registryHost === undefined || u.host === registryHost ? 'registry' : 'other';
  const target = /\/(?:blobs|manifests)\/([^/?]+)$/.exec(u.pathname)?.[1];
  return {
    step: e.step, method: e.method, url: e.url, host: u.host, path: decodeURIComponent(u.pathname + u.search), party,
    status: e.status, ms: e.ms, attempt: e.attempt,
    ...(e.auth ? { auth: e.auth } : {}), ...(e.location ? { location: e.location } : {}), ...(e.range ? { range: e.range } : {}),
    ...(e.error ? { error: e.error } : {}), ...(target ? { target: decodeURIComponent(target) } : {}),
  };
}

function updateLayer(m: PullModel, digest: string, f: (l: PullLayer) => PullLayer, total = 0): PullLayer[] {
  const i = m.layers.findIndex((l) => l.digest === digest);
  if (i < 0) return [...m.layers, f({ digest, total, current: 0, phase: 'waiting', requests: 0 })];
  return m.layers.map((l, k) => (k === i ? f(l) : l));
}

/**
 * Folds one event into the model of one pull. The first `pull.start` (or the first event of a pull
 * when the stream starts mid-pull) picks the pull; a later `pull.start` after it ended begins a
 * new one; events of other pulls are left out.
 */
export function reducePull(m: PullModel, e: EngineEvent): PullModel {
  const id = pullIdOf(e);
  if (e.type === 'pull.start') {
    if (m.pullId !== undefined && m.pullId !== e.pullId && m.state === 'pulling') return m;
    return { ...emptyPull, pullId: e.pullId, ref: e.ref, state: 'pulling' };
  }
  if (id === undefined) return m;
  if (m.pullId === undefined) m = { ...m, pullId: id, state: 'pulling' };
  else if (m.pullId !== id) return m;

  switch (e.type) {
    case 'http': {
      const x = exchangeOf(e, m);
      let next: PullModel = { ...m, exchanges: [...m.exchanges, x] };
      if (e.step === 'ping' && !m.registryHost) next.registryHost = x.host;
      if (e.step === 'config' && x.target) next.config = { digest: x.target };
      if (e.step === 'blob' && x.target) {
        const from = /^bytes=(\d+)-/.exec(x.range ?? '')?.[1];
        next = {
          ...next,
          layers: updateLayer(next, x.target, (l) => ({
            ...l,
            requests: l.requests + (x.party === 'other' ? 0 : 1),
            ...(from !== undefined ? { resumedFrom: Number(from) } : {}),
            ...(x.location ? { redirectedTo: new URL(x.location, x.url).host } : {}),
          })),
        };
      }
      return next;
    }
    case 'auth.challenge':
      return { ...m, challenge: { scheme: e.scheme, realm: e.realm, ...(e.service ? { service: e.service } : {}), ...(e.scope ? { scope: e.scope } : {}) } };
    case 'ratelimit':
      return { ...m, rateLimit: { ...(e.limit ? { limit: e.limit } : {}), ...(e.remaining ? { remaining: e.remaining } : {}), ...(e.source ? { source: e.source } : {}) } };
    case 'pull.manifest':
      if (e.platforms) return { ...m, index: { digest: e.digest, mediaType: e.mediaType, platforms: e.platforms, ...(e.chosen ? { chosen: e.chosen } : {}) } };
      return { ...m, manifest: { digest: e.digest, mediaType: e.mediaType } };
    case 'pull.layer':
      return {
        ...m,
        layers: updateLayer(m, e.digest, (l) => ({
          ...l, total: e.total, current: e.phase === 'failed' ? l.current : e.current, phase: e.phase, ...(e.error ? { error: e.error } : {}),
        }), e.total),
      };
    case 'pull.done':
      return { ...m, state: 'done', result: { imageId: e.imageId, manifestDigest: e.manifestDigest, upToDate: e.upToDate, ms: e.ms } };
    case 'pull.error':
      return { ...m, state: 'failed', error: { code: e.code, message: e.message } };
    default:
      return m;
  }
}

/** The model of one pull from a whole stream (the first pull in it, or the one named). */
export function foldPull(events: readonly EngineEvent[], pullId?: string): PullModel {
  const start: PullModel = pullId ? { ...emptyPull, pullId } : emptyPull;
  return events.reduce(reducePull, start);
}

/** Bytes received so far, bytes to fetch (layers not already stored), and layers by outcome. */
export function pullBytes(m: PullModel): { current: number; toFetch: number; downloaded: number; shared: number } {
  let current = 0;
  let toFetch = 0;
  let downloaded = 0;
  let shared = 0;
  for (const l of m.layers) {
    if (l.phase === 'exists') shared++;
    else {
      current += l.current;
      toFetch += l.total;
      if (l.phase === 'complete') downloaded++;
    }
  }
  return { current, toFetch, downloaded, shared };
}

// ---- The articles' six steps, and what really happens in their place today. ----

export type StoryState = 'pending' | 'active' | 'done' | 'skipped' | 'failed';

export interface StoryStep {
  n: number;
  /** The older index/registry/token story, in short. */
  story: string;
  /** What the registry v2 protocol does instead (or the same). */
  real: string;
  state: StoryState;
  /** Indexes into `exchanges` that carry out this step. */
  exchanges: number[];
}

const has = (xs: number[]) => xs.length > 0;

export function storySteps(m: PullModel): StoryStep[] {
  const idx = (f: (x: Exchange) => boolean) => m.exchanges.flatMap((x, i) => (f(x) ? [i] : []));
  const ping = idx((x) => x.step === 'ping');
  const token = idx((x) => x.step === 'token');
  const manifests = idx((x) => x.step === 'manifest');
  const downloads = idx((x) => x.step === 'config' || x.step === 'blob');
  const open = m.challenge === undefined && ping.some((i) => m.exchanges[i]!.status === 200);
  const basic = m.challenge?.scheme === 'basic';
  const accepted = manifests.some((i) => m.exchanges[i]!.auth === 'bearer' && m.exchanges[i]!.status >= 200 && m.exchanges[i]!.status < 300);
  const verifying = m.layers.some((l) => l.phase === 'verifying');
  const digestFailure = m.error?.code === 'DIGEST_MISMATCH';
  // A step the failure interrupted is 'failed'; one it never reached stays 'pending'.
  const state = (done: boolean, started: boolean): StoryState => (done ? 'done' : !started ? 'pending' : m.state === 'failed' ? 'failed' : 'active');
  const noToken = open || basic;
  return [
    {
      n: 1, story: 'Ask the index where the image is',
      real: open ? 'GET /v2/ asks the registry itself: it answered 200, no login needed'
        : 'GET /v2/ asks the registry itself; its 401 names the token service (realm)',
      state: state(has(ping) && m.exchanges[ping[0]!]!.status !== 0, has(ping)), exchanges: ping,
    },
    {
      n: 2, story: 'Get a token from the index',
      real: noToken ? (basic ? 'not needed: the registry takes a password (Basic) instead' : 'not needed: this registry asked for no token')
        : 'GET the realm with a scope (repository:NAME:pull): a signed token comes back',
      state: noToken ? 'skipped' : state(token.some((i) => m.exchanges[i]!.status === 200), has(token) || m.challenge !== undefined), exchanges: token,
    },
    {
      n: 3, story: 'Ask the registry, showing the token',
      real: 'GET /v2/NAME/manifests/TAG with Authorization: Bearer (a list, then the platform\'s manifest)',
      state: state(m.manifest !== undefined, has(manifests)), exchanges: manifests,
    },
    {
      n: 4, story: 'The registry checks the token with the index',
      real: noToken ? 'not needed: no token to check'
        : 'no request: the registry checks the token\'s signature itself, with the token service\'s certificate',
      state: noToken ? 'skipped' : state(accepted, has(token)), exchanges: [],
    },
    {
      n: 5, story: 'Download the layers',
      real: 'GET /v2/NAME/blobs/DIGEST for the config and each layer not already stored',
      state: state(m.state === 'done' || (m.layers.length > 0 && m.layers.every((l) => l.phase === 'complete' || l.phase === 'exists')),
        has(downloads) || m.layers.some((l) => l.phase !== 'waiting')),
      exchanges: downloads,
    },
    {
      n: 6, story: 'Verify what arrived',
      real: 'the client hashes every blob: sha256 must equal the digest the manifest names',
      state: digestFailure ? 'failed' : state(m.state === 'done', verifying || m.layers.some((l) => l.phase === 'complete')), exchanges: [],
    },
  ];
}
