// One registry's HTTP transport: every request Skiff sends to a registry goes through `send`,
// which (like go-containerregistry's stacked transports) does four jobs, in this order:
//   retry    — 5xx, 429 and network failures are retried with exponential backoff;
//   redirect — 3xx is followed by hand, and the Authorization header is dropped when the redirect
//              leaves the registry's host (blobs are often served from a CDN: never leak a token);
//   auth     — a 401 with a challenge gets credentials (Basic) or a scoped token (Bearer), once;
//   log      — each exchange is emitted as an `http` event (no credentials in it): the pull
//              handshake diagram is drawn from exactly these events.
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { SkiffError } from '../errors.ts';
import type { EventBus, HandshakeStep } from '../events.ts';
import { basicHeader, type Credentials, TokenSource } from './auth.ts';
import { type Challenge, parseChallenges } from './challenge.ts';

export interface TransportOptions {
  /** e.g. `https://registry-1.docker.io` or `http://127.0.0.1:5000` */
  origin: string;
  events: EventBus;
  pullId?: string;
  credentials?: Credentials;
  dispatcher?: Dispatcher;
  /** Attempts per request, counting the first (default 4). */
  attempts?: number;
  /** First retry delay; doubles each time (default 200 ms). */
  backoffMs?: number;
}

export interface SendOptions {
  /** The token scope this request needs, e.g. `repository:library/busybox:pull`. */
  scope?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** A request body (push: a blob or one chunk of it, a manifest). Held whole, so that a retry or
   *  the repeat after a 401 can send it again. */
  body?: Buffer;
  /** Attempts for this request, counting the first (default: the transport's). A PATCH appends to
   *  an upload, so it is never repeated blindly: the pusher asks the registry where it stands. */
  attempts?: number;
}

const MAX_REDIRECTS = 5;

/** The shared connection pool; time-outs are what turn a stalled registry into a retry. */
export const defaultDispatcher: Dispatcher = new Agent({
  connect: { timeout: 15_000 },
  headersTimeout: 30_000,
  bodyTimeout: 30_000,
});

/** Network errors that retrying does not mend. */
const FAIL_FAST = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH']);

function errnoCode(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  return err.code ?? err.cause?.code;
}

function networkMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (errnoCode(e)) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timed out';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    default:
      return err.message || String(e);
  }
}

export class RegistryTransport {
  readonly origin: string;
  private readonly host: string;
  private readonly events: EventBus;
  private readonly pullId?: string;
  private readonly credentials?: Credentials;
  private readonly dispatcher: Dispatcher;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly tokens: TokenSource;
  /** What the registry asked for in its last challenge; undefined until the first 401. */
  private challenge: Challenge | undefined;

  constructor(o: TransportOptions) {
    this.origin = o.origin.replace(/\/$/, '');
    this.host = new URL(this.origin).host;
    this.events = o.events;
    this.pullId = o.pullId;
    this.credentials = o.credentials;
    this.dispatcher = o.dispatcher ?? defaultDispatcher;
    this.attempts = o.attempts ?? 4;
    this.backoffMs = o.backoffMs ?? 200;
    this.tokens = new TokenSource(this.dispatcher, this.events, this.credentials, this.pullId);
  }

  /** Sends a request to the registry; the caller must consume or dump the body. */
  async send(step: HandshakeStep, method: string, path: string, opts: SendOptions = {}): Promise<Dispatcher.ResponseData> {
    let lastError: unknown;
    const attempts = opts.attempts ?? this.attempts;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(this.backoffMs * 2 ** (attempt - 2), undefined, { signal: opts.signal });
      try {
        const res = await this.exchange(step, method, new URL(path, this.origin + '/'), opts, attempt);
        const retryable = res.statusCode >= 500 || res.statusCode === 429;
        if (!retryable || attempt === attempts) return res;
        await res.body.dump();
        lastError = new SkiffError('REGISTRY_ERROR', `${this.host} answered ${res.statusCode}`);
      } catch (e) {
        if (e instanceof SkiffError || opts.signal?.aborted) throw e;
        lastError = e;
        // A name that does not resolve, or a host with no route to it, will not answer a second
        // later either (no network, or a typo): failing at once lets an offline pull go to Skiff's
        // offline registry without delay.
        if (attempt === attempts || FAIL_FAST.has(errnoCode(e) ?? '')) {
          throw new SkiffError('NETWORK', `cannot reach registry ${this.host}: ${networkMessage(e)} (after ${attempt} attempt${attempt === 1 ? '' : 's'})`,
            'check that the registry is running and the address is right, or your network connection', { cause: e });
        }
      }
    }
    if (lastError instanceof SkiffError) throw lastError;
    throw new SkiffError('NETWORK', `cannot reach registry ${this.host}: ${networkMessage(lastError)} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`,
      'check that the registry is running and the address is right, or your network connection', { cause: lastError });
  }

  private async authorization(scope: string | undefined): Promise<{ header?: string; kind?: 'bearer' | 'basic' }> {
    const c = this.challenge;
    if (!c) return {};
    if (c.scheme === 'basic') return this.credentials ? { header: basicHeader(this.credentials), kind: 'basic' } : {};
    if (c.scheme === 'bearer' && scope !== undefined) {
      const realm = c.params.realm ?? '';
      const token = this.tokens.cached(realm, scope) ?? (await this.tokens.fetch(c, scope));
      return { header: `Bearer ${token}`, kind: 'bearer' };
    }
    return {};
  }

  private async exchange(step: HandshakeStep, method: string, url: URL, opts: SendOptions, attempt: number): Promise<Dispatcher.ResponseData> {
    let target = url;
    let authRetried = false;
    for (let redirects = 0; ; ) {
      const headers: Record<string, string> = { 'user-agent': 'skiff/0.1', ...opts.headers };
      const onRegistry = target.host === this.host;
      let auth: 'bearer' | 'basic' | undefined;
      if (onRegistry) {
        const a = await this.authorization(opts.scope);
        if (a.header) headers.authorization = a.header;
        auth = a.kind;
      }
      const started = performance.now();
      let res: Dispatcher.ResponseData;
      try {
        res = await request(target, { method: method as Dispatcher.HttpMethod, headers, dispatcher: this.dispatcher, signal: opts.signal, ...(opts.body ? { body: opts.body } : {}) });
      } catch (e) {
        this.emit(step, method, target, 0, started, attempt, { auth, range: headers.range, error: networkMessage(e) });
        throw e;
      }
      const location = res.statusCode >= 300 && res.statusCode < 400 ? (res.headers.location as string | undefined) : undefined;
      this.emit(step, method, target, res.statusCode, started, attempt, { auth, range: headers.range, location });
      this.rateLimit(res.headers);

      if (location) {
        await res.body.dump();
        if (++redirects > MAX_REDIRECTS) throw new SkiffError('REGISTRY_ERROR', `too many redirects from ${this.host}`, 'the registry or its CDN is misconfigured');
        target = new URL(location, target);
        continue;
      }
      if (res.statusCode === 401 && onRegistry && !authRetried) {
        const challenges = parseChallenges(res.headers['www-authenticate']);
        const c = challenges.find((x) => x.scheme === 'bearer') ?? challenges.find((x) => x.scheme === 'basic');
        // Retry with credentials only when we have something new to offer.
        const canAnswer = c && ((c.scheme === 'bearer' && opts.scope !== undefined) || (c.scheme === 'basic' && this.credentials && auth !== 'basic'));
        if (c && canAnswer) {
          await res.body.dump();
          this.learn(c, opts.scope);
          authRetried = true;
          continue;
        }
      }
      return res;
    }
  }

  /** Records a challenge; a Bearer challenge for a scope we hold a token for means that token is stale. */
  private learn(c: Challenge, scope: string | undefined): void {
    this.challenge = c;
    this.events.emit({ type: 'auth.challenge', pullId: this.pullId, scheme: c.scheme === 'basic' ? 'basic' : 'bearer', realm: c.params.realm ?? '', service: c.params.service, scope: c.params.scope ?? scope });
    if (c.scheme === 'bearer' && scope) this.tokens.forget(c.params.realm ?? '', scope);
  }

  /** Called by `ping` when the /v2/ answer carries a challenge, so the next request is ready. */
  noteChallenge(header: string | string[] | undefined): Challenge | undefined {
    const challenges = parseChallenges(header);
    const c = challenges.find((x) => x.scheme === 'bearer') ?? challenges.find((x) => x.scheme === 'basic');
    if (c) this.learn(c, undefined);
    return c;
  }

  private emit(step: HandshakeStep, method: string, url: URL, status: number, started: number, attempt: number,
    extra: { auth?: 'bearer' | 'basic'; range?: string; location?: string; error?: string }): void {
    const shown = new URL(url);
    shown.username = '';
    shown.password = '';
    this.events.emit({ type: 'http', pullId: this.pullId, step, method, url: shown.toString(), status, ms: performance.now() - started, attempt, ...extra });
  }

  /** Docker Hub counts pulls per address; it says how many are left in these headers. */
  private rateLimit(h: Record<string, string | string[] | undefined>): void {
    const one = (k: string) => (Array.isArray(h[k]) ? (h[k] as string[])[0] : (h[k] as string | undefined));
    const limit = one('ratelimit-limit');
    const remaining = one('ratelimit-remaining');
    if (limit === undefined && remaining === undefined) return;
    this.events.emit({ type: 'ratelimit', pullId: this.pullId, limit, remaining, source: one('docker-ratelimit-source') });
  }
}
