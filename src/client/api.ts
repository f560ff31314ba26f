// What a Skiff client can ask of an engine, in the Docker Engine API's terms (PROTOCOLS.md §1).
// The CLI and the REPL are written against this interface only. Two implementations:
//   local.ts  the engine in this very process (a one-shot command with no daemon around)
//   http.ts   a daemon over its socket — Skiff's own, or a real dockerd (DOCKER_HOST)
// exactly as the docker CLI talks to dockerd through its APIClient.
import type { EngineEvent } from '../engine/events.ts';
import type { BuildMessage } from '../engine/build/stream.ts';
import type { ContainerInspect, ContainerSummary, CreateRequest } from '../engine/containers/types.ts';
import type { ExecConfig, ExecInspect } from '../engine/containers/exec.ts';
import type { NetworkCreateRequest, NetworkResource } from '../engine/network/types.ts';

export type { ContainerInspect, ContainerSummary, CreateRequest, ExecConfig, ExecInspect, NetworkCreateRequest, NetworkResource };

/** EndpointConfig of `network connect` (--ip, --alias). */
export interface EndpointConfig {
  IPAMConfig?: { IPv4Address?: string };
  Aliases?: string[];
}

export type StreamName = 'stdout' | 'stderr';

export interface OutputChunk {
  stream: StreamName;
  data: Buffer;
}

/** A connection to a container's (or an exec's) streams: Docker's hijacked attach. */
export interface AttachedStream {
  /** Output as it comes; ends when the process's output ends. With a TTY everything is stdout. */
  output: AsyncIterable<OutputChunk>;
  write(data: Buffer | string): void;
  /** Half-close: the process reads end-of-file on stdin. */
  end(): void;
  /** Let go (detach): the process keeps running. */
  close(): void;
}

export interface WaitResult {
  StatusCode: number;
  Error?: { Message: string };
}

export interface LogOptions {
  stdout?: boolean;
  stderr?: boolean;
  follow?: boolean;
  timestamps?: boolean;
  tail?: number;
  since?: number;
  until?: number;
}

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/** One line of `diff`: Kind 0 changed, 1 added, 2 deleted (the API's numbers). */
export interface ChangeItem {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** What `build` sends besides the context (POST /build's query). */
export interface BuildQuery {
  tags?: string[];
  /** The Dockerfile's path inside the context. */
  dockerfile?: string;
  buildArgs?: Record<string, string | null>;
  labels?: Record<string, string>;
  noCache?: boolean;
  pull?: boolean;
  quiet?: boolean;
  networkMode?: string;
}

/** What `commit` asks for (POST /commit's query). */
export interface CommitQuery {
  /** REPO[:TAG]; none for a dangling image. */
  name?: string;
  comment?: string;
  author?: string;
  changes?: string[];
}

export type { BuildMessage };

export interface StatsSample {
  read: string;
  pids_stats: { current?: number; limit?: number };
  memory_stats: { usage?: number; limit?: number; max_usage?: number; failcnt?: number };
  cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number; online_cpus?: number; throttling_data?: unknown };
  precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number; online_cpus?: number };
  /** Skiff's extra: OOM kills so far (the gauges show them). */
  skiff?: { oomKills: number };
}

export interface EngineApi {
  /** What answers: Skiff's engine (with the detailed trace) or another Docker-compatible daemon. */
  readonly kind: 'skiff-local' | 'skiff-daemon' | 'docker';

  containerCreate(body: CreateRequest, name?: string): Promise<{ Id: string; Warnings: string[] }>;
  /** Resolves true when started, false when it was running already (the API's 304). */
  containerStart(id: string, opts?: { size?: { rows: number; cols: number } }): Promise<boolean>;
  containerAttach(id: string, opts: { stdin: boolean; stdout: boolean; stderr: boolean }): Promise<AttachedStream>;
  containerWait(id: string, condition?: 'not-running' | 'next-exit' | 'removed'): Promise<WaitResult>;
  containerStop(id: string, timeout?: number): Promise<void>;
  containerKill(id: string, signal?: string): Promise<void>;
  containerRestart(id: string, timeout?: number): Promise<void>;
  containerRemove(id: string, opts?: { force?: boolean; volumes?: boolean }): Promise<void>;
  containerList(opts?: { all?: boolean; filters?: Record<string, string[]>; size?: boolean }): Promise<ContainerSummary[]>;
  containerInspect(id: string): Promise<ContainerInspect>;
  /** The log as stored; with `timestamps` each line starts with its RFC 3339 time and a space. */
  containerLogs(id: string, opts: LogOptions, signal?: AbortSignal): AsyncIterable<OutputChunk>;
  containerResize(id: string, rows: number, cols: number): Promise<void>;
  containerTop(id: string): Promise<TopResult>;
  containerChanges(id: string): Promise<ChangeItem[]>;
  containerStats(id: string): Promise<StatsSample>;

  execCreate(id: string, config: ExecConfig): Promise<{ Id: string }>;
  /** Starts the exec attached (its streams) — `detach` starts it and returns at once. */
  execStart(execId: string, opts: { tty: boolean; detach?: boolean; size?: { rows: number; cols: number } }): Promise<AttachedStream | undefined>;
  execResize(execId: string, rows: number, cols: number): Promise<void>;
  execInspect(execId: string): Promise<ExecInspect>;

  networkCreate(body: NetworkCreateRequest): Promise<{ Id: string; Warning?: string }>;
  networkList(filters?: Record<string, string[]>): Promise<NetworkResource[]>;
  networkInspect(id: string): Promise<NetworkResource>;
  networkRemove(id: string): Promise<void>;
  networkConnect(network: string, container: string, config?: EndpointConfig): Promise<void>;
  networkDisconnect(network: string, container: string, force?: boolean): Promise<void>;
  /** Names of the networks removed. */
  networkPrune(): Promise<string[]>;

  /** Skiff's detailed events (the diagrams' source); undefined from a daemon without them. */
  trace?(signal: AbortSignal): AsyncIterable<EngineEvent>;

  /** `build` (the classic builder): the context as a tar in, Docker's JSON messages out. */
  imageBuild?(context: AsyncIterable<Uint8Array>, query: BuildQuery, signal?: AbortSignal): AsyncIterable<BuildMessage>;
  /** `commit`: a container's changes as a new image; resolves to its ID. */
  containerCommit?(container: string, query: CommitQuery): Promise<{ Id: string }>;

  close(): Promise<void>;
}
