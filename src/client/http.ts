// The EngineApi over HTTP: Skiff's daemon, or any Docker-compatible daemon (DOCKER_HOST), the way
// the docker CLI's APIClient talks to dockerd — undici on a unix socket or TCP (TLS with client
// certificates), the API version agreed through /_ping, Docker's JSON errors turned back into
// SkiffErrors, and attach/exec over hijacked connections.
import { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import type { EngineEvent } from '../engine/events.ts';
import { type ErrorCode, SkiffError } from '../engine/errors.ts';
import type {
  AttachedStream, BuildMessage, BuildQuery, ChangeItem, CommitQuery, ContainerInspect, ContainerSummary, CreateRequest, EndpointConfig, EngineApi, ExecConfig, ExecInspect, LogOptions,
  NetworkCreateRequest, NetworkResource, OutputChunk, StatsSample, TopResult, WaitResult,
} from './api.ts';
import { attachedStream, hijack, outputOf } from './hijack.ts';
import { type DaemonAddress, hostFromEnv, parseHost, type TlsOptions, tlsFromEnv } from './host.ts';

/** The newest Engine API version this client speaks; it speaks older ones the daemon asks for. */
export const CLIENT_API_VERSION = '1.41';
const OLDEST = '1.24';

export interface HttpEngineOptions {
  /** -H syntax: unix:///path, tcp://host:port; default SKIFF_HOST, DOCKER_HOST, then Skiff's socket. */
  host?: string;
  /** TLS for tcp:// (default from DOCKER_TLS_VERIFY / DOCKER_CERT_PATH). */
  tls?: TlsOptions;
  /** Pin the API version instead of agreeing on one through /_ping (DOCKER_API_VERSION). */
  version?: string;
}

export interface PingResult {
  apiVersion: string;
  osType: string;
  server: string;
  builderVersion: string;
}

export type QueryValue = string | number | boolean | undefined;

function compare(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

function query(q: Record<string, QueryValue>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== false) p.set(k, v === true ? '1' : String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

const KNOWN_CODES = new Set<string>([
  'INVALID_REFERENCE', 'INVALID_DIGEST', 'IMAGE_NOT_FOUND', 'MANIFEST_UNKNOWN', 'MANIFEST_INVALID', 'UNSUPPORTED_MEDIA_TYPE', 'NO_MATCHING_PLATFORM',
  'DIGEST_MISMATCH', 'SIZE_MISMATCH', 'UNAUTHORIZED', 'DENIED', 'TOO_MANY_REQUESTS', 'REGISTRY_ERROR', 'NETWORK', 'UNSAFE_LAYER', 'LAYER_FORMAT',
  'CONFLICT', 'STORE', 'IMPORT', 'PERMISSION', 'USAGE', 'CONTAINER_NOT_FOUND', 'EXEC_NOT_FOUND', 'VOLUME_NOT_FOUND', 'NETWORK_NOT_FOUND', 'NOT_RUNNING', 'RUNTIME', 'CGROUP', 'UNSUPPORTED',
]);

/** An error answer as a SkiffError: Skiff's daemon sends its code and hint; for dockerd they are worked out from status and path. */
export function apiError(status: number, text: string, path: string): SkiffError {
  let body: { message?: unknown; code?: unknown; hint?: unknown; exitCode?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = { message: text.trim() };
  }
  const message = typeof body.message === 'string' && body.message ? body.message : `the daemon answered ${status} to ${path}`;
  let code: ErrorCode;
  if (typeof body.code === 'string' && KNOWN_CODES.has(body.code)) code = body.code as ErrorCode;
  else if (status === 404) code = /^\/(v[\d.]+\/)?exec\//.test(path) ? 'EXEC_NOT_FOUND' : /^\/(v[\d.]+\/)?volumes\//.test(path) ? 'VOLUME_NOT_FOUND' : /^\/(v[\d.]+\/)?networks\//.test(path) ? 'NETWORK_NOT_FOUND' : /^\/(v[\d.]+\/)?images\//.test(path) || /No such image/.test(message) ? 'IMAGE_NOT_FOUND' : 'CONTAINER_NOT_FOUND';
  else if (status === 409) code = /is not running/i.test(message) ? 'NOT_RUNNING' : 'CONFLICT';
  else if (status === 400) code = 'USAGE';
  else if (status === 401) code = 'UNAUTHORIZED';
  else if (status === 403) code = 'DENIED';
  else code = 'RUNTIME';
  const err = new SkiffError(code, message, typeof body.hint === 'string' ? body.hint : undefined);
  return typeof body.exitCode === 'number' ? Object.assign(err, { exitCode: body.exitCode }) : err;
}

/** What a failed connection means for the user: no daemon there, or no permission to its socket. */
function connectError(e: unknown, url: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'EACCES' || code === 'EPERM') {
    return new SkiffError('PERMISSION', `permission denied while trying to connect to the daemon socket at ${url}`, 'the socket belongs to root and the docker group (or --group): add yourself to that group, or use sudo');
  }
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTSOCK') {
    return new SkiffError('NETWORK', `Cannot connect to the daemon at ${url}. Is the daemon running?`, 'start it: sudo skiff daemon (or point -H / DOCKER_HOST at a running one)', { cause: e });
  }
  return e;
}

/** GET /system/df, the parts `system df` shows. */
export interface SystemDf {
  LayersSize: number;
  Images: { Id: string; RepoTags: string[] | null; Size: number; SharedSize: number; Containers: number }[];
  Containers: { Id: string; State: string; SizeRw?: number }[];
  Volumes: { Name: string; UsageData?: { Size: number; RefCount: number } }[];
}

export class HttpEngineApi implements EngineApi {
  readonly kind: 'skiff-daemon' | 'docker';
  readonly url: string;
  /** Skiff's detailed events; only a Skiff daemon has them. */
  readonly trace?: (signal: AbortSignal) => AsyncIterable<EngineEvent>;
  private readonly prefix: string;

  private constructor(
    private readonly dispatcher: Dispatcher,
    private readonly origin: string,
    address: DaemonAddress,
    readonly apiVersion: string,
    readonly ping: PingResult,
  ) {
    this.url = address.url;
    this.prefix = `/v${apiVersion}`;
    this.kind = /^Skiff\//i.test(ping.server) ? 'skiff-daemon' : 'docker';
    if (this.kind === 'skiff-daemon') this.trace = (signal) => this.traceEvents(signal);
  }

  /** Connects: asks /_ping which API version the daemon speaks, and uses min(ours, its). */
  static async connect(opts: HttpEngineOptions = {}): Promise<HttpEngineApi> {
    const tls = opts.tls ?? tlsFromEnv();
    const address = parseHost(opts.host ?? hostFromEnv(), tls !== undefined);
    const timeouts = { headersTimeout: 0, bodyTimeout: 0 }; // waits, logs -f and events are long
    const dispatcher = address.kind === 'unix'
      ? new Agent({ ...timeouts, connect: { socketPath: address.socketPath } })
      : new Agent({ ...timeouts, connect: address.tls ? { ...(tls?.ca ? { ca: tls.ca } : {}), ...(tls?.cert ? { cert: tls.cert } : {}), ...(tls?.key ? { key: tls.key } : {}), rejectUnauthorized: tls?.verify !== false } : {} });
    const origin = address.kind === 'unix' ? 'http://localhost' : address.origin;
    try {
      const res = await dispatcher.request({ origin, path: '/_ping', method: 'GET' }).catch((e: unknown) => {
        throw connectError(e, address.url);
      });
      await res.body.text();
      const header = (k: string) => {
        const v = res.headers[k];
        return (Array.isArray(v) ? v[0] : v) ?? '';
      };
      if (res.statusCode !== 200) throw new SkiffError('NETWORK', `${address.url} did not answer /_ping (status ${res.statusCode}): is it a Docker Engine API?`);
      const ping: PingResult = { apiVersion: header('api-version'), osType: header('ostype'), server: header('server'), builderVersion: header('builder-version') };
      let version = opts.version ?? process.env.DOCKER_API_VERSION ?? CLIENT_API_VERSION;
      if (!opts.version && ping.apiVersion && compare(ping.apiVersion, version) < 0) version = ping.apiVersion;
      if (compare(version, OLDEST) < 0) throw new SkiffError('UNSUPPORTED', `the daemon at ${address.url} speaks API ${version}, older than ${OLDEST}`, 'upgrade the daemon');
      return new HttpEngineApi(dispatcher, origin, address, version, ping);
    } catch (e) {
      await dispatcher.destroy().catch(() => {});
      throw e;
    }
  }

  // ---- plumbing ----

  /** One request; an answer of 400 or more is thrown as a SkiffError. */
  async request(method: Dispatcher.HttpMethod, path: string, opts: { body?: unknown; raw?: AsyncIterable<Uint8Array>; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Dispatcher.ResponseData> {
    const full = this.prefix + path;
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | Readable | undefined;
    if (opts.raw) body = Readable.from(opts.raw); // a stream sent as it is read (a build context)
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const res = await this.dispatcher
      .request({ origin: this.origin, path: full, method, headers, ...(body !== undefined ? { body } : {}), ...(opts.signal ? { signal: opts.signal } : {}) })
      .catch((e: unknown) => {
        throw connectError(e, this.url);
      });
    if (res.statusCode >= 400) throw apiError(res.statusCode, await res.body.text(), full);
    return res;
  }

  async json<T>(method: Dispatcher.HttpMethod, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
    const res = await this.request(method, path, opts);
    const text = await res.body.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private async send(method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<number> {
    const res = await this.request(method, path, body !== undefined ? { body } : {});
    await res.body.dump();
    return res.statusCode;
  }

  /** A stream of JSON lines (pull progress, events, the trace). */
  async *lines<T>(method: Dispatcher.HttpMethod, path: string, opts: { signal?: AbortSignal; headers?: Record<string, string>; raw?: AsyncIterable<Uint8Array> } = {}): AsyncGenerator<T> {
    const res = await this.request(method, path, opts);
    let carry = '';
    try {
      for await (const chunk of res.body) {
        carry += Buffer.from(chunk as Uint8Array).toString('utf8');
        let nl: number;
        while ((nl = carry.indexOf('\n')) >= 0) {
          const line = carry.slice(0, nl).trim();
          carry = carry.slice(nl + 1);
          if (line) yield JSON.parse(line) as T;
        }
      }
      if (carry.trim()) yield JSON.parse(carry) as T;
    } catch (e) {
      if (!opts.signal?.aborted) throw e;
    } finally {
      res.body.destroy();
    }
  }

  private hijacked(path: string, body: unknown, multiplexed: boolean): Promise<AttachedStream> {
    const full = this.prefix + path;
    return hijack(this.dispatcher, { origin: this.origin, path: full, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }, (status, text) => apiError(status, text, full))
      .catch((e: unknown) => {
        throw connectError(e, this.url);
      })
      .then((socket) => attachedStream(socket, multiplexed));
  }

  private enc(id: string): string {
    return encodeURIComponent(id);
  }

  // ---- containers ----

  async containerCreate(body: CreateRequest, name?: string): Promise<{ Id: string; Warnings: string[] }> {
    const r = await this.json<{ Id: string; Warnings: string[] | null }>('POST', `/containers/create${query({ name })}`, { body });
    return { Id: r.Id, Warnings: r.Warnings ?? [] };
  }

  async containerStart(id: string, opts: { size?: { rows: number; cols: number } } = {}): Promise<boolean> {
    const status = await this.send('POST', `/containers/${this.enc(id)}/start`);
    // API 1.41 has no console size at start: size the terminal right after, as the docker CLI does.
    if (opts.size) await this.containerResize(id, opts.size.rows, opts.size.cols).catch(() => {});
    return status !== 304;
  }

  async containerAttach(id: string, opts: { stdin: boolean; stdout: boolean; stderr: boolean }): Promise<AttachedStream> {
    const tty = (await this.containerInspect(id)).Config.Tty === true;
    return this.hijacked(`/containers/${this.enc(id)}/attach${query({ stream: true, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr })}`, undefined, !tty);
  }

  async containerWait(id: string, condition?: 'not-running' | 'next-exit' | 'removed'): Promise<WaitResult> {
    const r = await this.json<{ StatusCode: number; Error?: { Message: string } | null }>('POST', `/containers/${this.enc(id)}/wait${query({ condition })}`);
    return { StatusCode: r.StatusCode, ...(r.Error?.Message ? { Error: { Message: r.Error.Message } } : {}) };
  }

  async containerStop(id: string, timeout?: number): Promise<void> {
    await this.send('POST', `/containers/${this.enc(id)}/stop${query({ t: timeout })}`);
  }

  async containerKill(id: string, signal?: string): Promise<void> {
    await this.send('POST', `/containers/${this.enc(id)}/kill${query({ signal })}`);
  }

  async containerRestart(id: string, timeout?: number): Promise<void> {
    await this.send('POST', `/containers/${this.enc(id)}/restart${query({ t: timeout })}`);
  }

  async containerRemove(id: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await this.send('DELETE', `/containers/${this.enc(id)}${query({ force: opts.force, v: opts.volumes })}`);
  }

  containerList(opts: { all?: boolean; filters?: Record<string, string[]>; size?: boolean } = {}): Promise<ContainerSummary[]> {
    return this.json('GET', `/containers/json${query({ all: opts.all, size: opts.size, filters: opts.filters ? JSON.stringify(opts.filters) : undefined })}`);
  }

  containerInspect(id: string): Promise<ContainerInspect> {
    return this.json('GET', `/containers/${this.enc(id)}/json`);
  }

  async *containerLogs(id: string, opts: LogOptions, signal?: AbortSignal): AsyncGenerator<OutputChunk> {
    const tty = (await this.containerInspect(id)).Config.Tty === true;
    const q = query({
      stdout: opts.stdout ?? true, stderr: opts.stderr ?? true, follow: opts.follow, timestamps: opts.timestamps,
      tail: opts.tail ?? 'all', since: opts.since, until: opts.until,
    });
    const res = await this.request('GET', `/containers/${this.enc(id)}/logs${q}`, signal ? { signal } : {});
    try {
      yield* outputOf(res.body, !tty);
    } catch (e) {
      if (!signal?.aborted) throw e;
    } finally {
      res.body.destroy();
    }
  }

  async containerResize(id: string, rows: number, cols: number): Promise<void> {
    await this.send('POST', `/containers/${this.enc(id)}/resize${query({ h: rows, w: cols })}`);
  }

  containerTop(id: string): Promise<TopResult> {
    return this.json('GET', `/containers/${this.enc(id)}/top`);
  }

  async containerChanges(id: string): Promise<ChangeItem[]> {
    return (await this.json<ChangeItem[] | null>('GET', `/containers/${this.enc(id)}/changes`)) ?? [];
  }

  containerStats(id: string): Promise<StatsSample> {
    return this.json('GET', `/containers/${this.enc(id)}/stats${query({ stream: 'false', 'one-shot': true })}`);
  }

  // ---- exec ----

  async execCreate(id: string, config: ExecConfig): Promise<{ Id: string }> {
    const r = await this.json<{ Id: string }>('POST', `/containers/${this.enc(id)}/exec`, { body: config });
    return { Id: r.Id };
  }

  async execStart(execId: string, opts: { tty: boolean; detach?: boolean; size?: { rows: number; cols: number } }): Promise<AttachedStream | undefined> {
    const body = { Detach: opts.detach === true, Tty: opts.tty, ...(opts.size ? { ConsoleSize: [opts.size.rows, opts.size.cols] } : {}) };
    if (opts.detach) {
      await this.send('POST', `/exec/${this.enc(execId)}/start`, body);
      return undefined;
    }
    const stream = await this.hijacked(`/exec/${this.enc(execId)}/start`, body, !opts.tty);
    if (opts.size && opts.tty) await this.execResize(execId, opts.size.rows, opts.size.cols).catch(() => {});
    return stream;
  }

  async execResize(execId: string, rows: number, cols: number): Promise<void> {
    await this.send('POST', `/exec/${this.enc(execId)}/resize${query({ h: rows, w: cols })}`);
  }

  execInspect(execId: string): Promise<ExecInspect> {
    return this.json('GET', `/exec/${this.enc(execId)}/json`);
  }

  // ---- networks ----

  async networkCreate(body: NetworkCreateRequest): Promise<{ Id: string; Warning?: string }> {
    // The docker CLI sends CheckDuplicate and the IPAM driver; daemons that predate them ignore them.
    return this.json('POST', '/networks/create', { body: { CheckDuplicate: true, Driver: 'bridge', ...body } });
  }

  networkList(filters?: Record<string, string[]>): Promise<NetworkResource[]> {
    return this.json('GET', `/networks${query({ filters: filters ? JSON.stringify(filters) : undefined })}`);
  }

  networkInspect(id: string): Promise<NetworkResource> {
    return this.json('GET', `/networks/${this.enc(id)}`);
  }

  async networkRemove(id: string): Promise<void> {
    await this.send('DELETE', `/networks/${this.enc(id)}`);
  }

  async networkConnect(network: string, container: string, config: EndpointConfig = {}): Promise<void> {
    await this.send('POST', `/networks/${this.enc(network)}/connect`, { Container: container, EndpointConfig: config });
  }

  async networkDisconnect(network: string, container: string, force = false): Promise<void> {
    await this.send('POST', `/networks/${this.enc(network)}/disconnect`, { Container: container, Force: force });
  }

  async networkPrune(): Promise<string[]> {
    return (await this.json<{ NetworksDeleted: string[] | null }>('POST', '/networks/prune')).NetworksDeleted ?? [];
  }

  // ---- beyond EngineApi: what the image, volume and system commands need from a daemon ----

  version(): Promise<Record<string, unknown> & { Version: string; ApiVersion: string }> {
    return this.json('GET', '/version');
  }

  info(): Promise<Record<string, unknown>> {
    return this.json('GET', '/info');
  }

  imageList(): Promise<{ Id: string; RepoTags: string[] | null; RepoDigests?: string[] | null; Size: number; Created: number }[]> {
    return this.json('GET', '/images/json');
  }

  imageInspect(name: string): Promise<{ Id: string; RepoTags: string[]; Config: Record<string, unknown>; RootFS: { Layers: string[] } }> {
    return this.json('GET', `/images/${name}/json`);
  }

  imageHistory(name: string): Promise<{ Id: string; Created: number; CreatedBy: string; Tags: string[] | null; Size: number; Comment: string }[]> {
    return this.json('GET', `/images/${name}/history`);
  }

  /** Pulls, yielding Docker's progress messages; an `error` message in the stream is thrown. */
  async *imagePull(ref: string, opts: { registryAuth?: string; platform?: string; signal?: AbortSignal } = {}): AsyncGenerator<{ status?: string; id?: string; progressDetail?: { current?: number; total?: number } }> {
    const headers = opts.registryAuth ? { 'x-registry-auth': opts.registryAuth } : undefined;
    for await (const m of this.lines<{ status?: string; id?: string; error?: string; errorDetail?: { message: string } }>('POST', `/images/create${query({ fromImage: ref, platform: opts.platform })}`, { ...(headers ? { headers } : {}), ...(opts.signal ? { signal: opts.signal } : {}) })) {
      if (m.error) throw new SkiffError('REGISTRY_ERROR', m.errorDetail?.message ?? m.error);
      yield m;
    }
  }

  imageRemove(name: string, opts: { force?: boolean } = {}): Promise<({ Untagged: string } | { Deleted: string })[]> {
    return this.json('DELETE', `/images/${name}${query({ force: opts.force })}`);
  }

  /** POST /images/NAME/tag?repo=&tag=: the target split as the docker CLI splits it. */
  async imageTag(name: string, repo: string, tag: string | undefined): Promise<void> {
    await this.send('POST', `/images/${name}/tag${query({ repo, tag })}`);
  }

  /** POST /images/prune: dangling ones, or (all) every image no container uses. */
  async imagePrune(all: boolean): Promise<{ deleted: string[]; reclaimed: number }> {
    const r = await this.json<{ ImagesDeleted: ({ Deleted?: string; Untagged?: string })[] | null; SpaceReclaimed: number }>('POST', `/images/prune${query({ filters: all ? JSON.stringify({ dangling: ['false'] }) : undefined })}`);
    return { deleted: (r.ImagesDeleted ?? []).flatMap((d) => (d.Deleted ? [d.Deleted] : [])), reclaimed: r.SpaceReclaimed };
  }

  /** Pushes, yielding Docker's progress messages; an `error` message in the stream is thrown. */
  async *imagePush(name: string, opts: { tag?: string; registryAuth?: string; signal?: AbortSignal } = {}): AsyncGenerator<{ status?: string; id?: string; progressDetail?: { current?: number; total?: number } }> {
    // The daemon wants the header even without credentials (dockerd answers 400 without it).
    const headers = { 'x-registry-auth': opts.registryAuth ?? Buffer.from('{}').toString('base64url') };
    for await (const m of this.lines<{ status?: string; id?: string; error?: string; errorDetail?: { message: string } }>('POST', `/images/${name}/push${query({ tag: opts.tag })}`, { headers, ...(opts.signal ? { signal: opts.signal } : {}) })) {
      if (m.error) throw new SkiffError('REGISTRY_ERROR', m.errorDetail?.message ?? m.error);
      yield m;
    }
  }

  /** GET /system/df. */
  systemDf(): Promise<SystemDf> {
    return this.json('GET', '/system/df');
  }

  volumeCreate(name?: string, labels?: Record<string, string>, driver?: string): Promise<{ Name: string; Mountpoint: string; Driver: string }> {
    return this.json('POST', '/volumes/create', { body: { ...(name ? { Name: name } : {}), ...(labels ? { Labels: labels } : {}), ...(driver ? { Driver: driver } : {}) } });
  }

  async volumeList(filters?: Record<string, string[]>): Promise<{ Name: string; Driver: string; Mountpoint: string }[]> {
    return (await this.json<{ Volumes: { Name: string; Driver: string; Mountpoint: string }[] | null }>('GET', `/volumes${query({ filters: filters && Object.keys(filters).length ? JSON.stringify(filters) : undefined })}`)).Volumes ?? [];
  }

  volumeInspect(name: string): Promise<Record<string, unknown>> {
    return this.json('GET', `/volumes/${this.enc(name)}`);
  }

  async volumePrune(all: boolean): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    const r = await this.json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>('POST', `/volumes/prune${query({ filters: all ? JSON.stringify({ all: ['true'] }) : undefined })}`);
    return { VolumesDeleted: r.VolumesDeleted ?? [], SpaceReclaimed: r.SpaceReclaimed };
  }

  async volumeRemove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.send('DELETE', `/volumes/${this.enc(name)}${query({ force: opts.force })}`);
  }

  /** Docker's /events until the signal aborts. */
  events(signal: AbortSignal, filters?: Record<string, string[]>): AsyncIterable<{ Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> }; time: number }> {
    return this.lines('GET', `/events${query({ filters: filters ? JSON.stringify(filters) : undefined })}`, { signal });
  }

  private traceEvents(signal: AbortSignal): AsyncIterable<EngineEvent> {
    return this.lines<EngineEvent>('GET', '/skiff/v1/trace', { signal });
  }

  // ---- build and commit ----

  /** POST /build: the context tar as the body, Docker's JSON messages back (errors in them too). */
  imageBuild(context: AsyncIterable<Uint8Array>, q: BuildQuery, signal?: AbortSignal): AsyncIterable<BuildMessage> {
    const p = new URLSearchParams();
    for (const t of q.tags ?? []) p.append('t', t);
    if (q.dockerfile) p.set('dockerfile', q.dockerfile);
    if (q.buildArgs) p.set('buildargs', JSON.stringify(q.buildArgs));
    if (q.labels) p.set('labels', JSON.stringify(q.labels));
    if (q.noCache) p.set('nocache', '1');
    if (q.pull) p.set('pull', '1');
    if (q.quiet) p.set('q', '1');
    if (q.networkMode) p.set('networkmode', q.networkMode);
    p.set('rm', '1');
    return this.lines<BuildMessage>('POST', `/build?${p}`, { raw: context, headers: { 'content-type': 'application/x-tar' }, ...(signal ? { signal } : {}) });
  }

  /** POST /commit; a name is split into repo and tag as the docker CLI sends them. */
  async containerCommit(container: string, q: CommitQuery): Promise<{ Id: string }> {
    const p = new URLSearchParams({ container });
    if (q.name) {
      const slash = q.name.lastIndexOf('/');
      const colon = q.name.lastIndexOf(':');
      p.set('repo', colon > slash ? q.name.slice(0, colon) : q.name);
      if (colon > slash) p.set('tag', q.name.slice(colon + 1));
    }
    if (q.comment) p.set('comment', q.comment);
    if (q.author) p.set('author', q.author);
    for (const c of q.changes ?? []) p.append('changes', c);
    return this.json('POST', `/commit?${p}`);
  }

  async close(): Promise<void> {
    await this.dispatcher.destroy().catch(() => {});
  }
}
