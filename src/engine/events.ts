// The engine's typed events: the spine of Skiff. Logs, the daemon's trace endpoint, the live
// diagrams and the lesson checks all read these, so every event describes something that really
// happened (an HTTP exchange that really crossed the wire, bytes that were really written).
//
// Add new event kinds to the union below; consumers switch on `type`.
import type { NamespaceType } from '../kernel/namespaces.ts';

/** Which step of Docker's pull handshake an HTTP exchange belongs to. */
export type HandshakeStep =
  | 'ping' // GET /v2/ — does the registry speak v2, and how does it want us to authenticate?
  | 'token' // GET {realm}?service=&scope= — the token service hands out a Bearer token
  | 'manifest' // GET /v2/<name>/manifests/<ref> — an index/list or an image manifest
  | 'config' // GET /v2/<name>/blobs/<config digest> — the image configuration JSON
  | 'blob' // GET /v2/<name>/blobs/<layer digest> — a layer
  // Push (registry/upload.ts):
  | 'check' // HEAD /v2/<name>/blobs/<digest> — does the registry have this blob already?
  | 'mount' // POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<repo> — borrow it from another repository
  | 'upload' // POST, PATCH (a chunk), PUT ?digest= — send a blob
  | 'catalog' // GET /v2/_catalog, /v2/<name>/tags/list — what the registry holds
  | 'other';

export interface HttpExchangeEvent {
  type: 'http';
  /** Correlates the exchanges of one pull (or one push: its pushId). */
  pullId?: string;
  step: HandshakeStep;
  method: string;
  url: string; // credentials and tokens never appear here
  status: number; // 0 when no response arrived (connection failed)
  ms: number; // time to response headers
  /** The auth scheme sent with the request, never the credential itself. */
  auth?: 'bearer' | 'basic';
  /** Where a redirect pointed, for 3xx answers. */
  location?: string;
  /** Byte range asked for when resuming a download. */
  range?: string;
  error?: string;
  attempt: number; // 1 for the first try, then 2, 3... on retries
}

export interface AuthChallengeEvent {
  type: 'auth.challenge';
  pullId?: string;
  scheme: 'bearer' | 'basic';
  realm: string;
  service?: string;
  scope?: string;
}

export interface RateLimitEvent {
  type: 'ratelimit';
  pullId?: string;
  limit?: string; // e.g. "100;w=21600"
  remaining?: string;
  source?: string; // docker-ratelimit-source: the address the registry counted us as
}

export interface PullStartEvent {
  type: 'pull.start';
  pullId: string;
  ref: string; // the normalised reference, e.g. docker.io/library/busybox:latest
}

export interface ManifestResolvedEvent {
  type: 'pull.manifest';
  pullId: string;
  digest: string;
  mediaType: string;
  /** For an index/manifest list: every platform offered, and the one chosen. */
  platforms?: string[];
  chosen?: string;
}

export type LayerPhase =
  | 'waiting'
  | 'downloading'
  | 'verifying'
  | 'extracting'
  | 'complete'
  | 'exists' // already in the store: not downloaded again (a shared layer)
  | 'failed';

export interface LayerProgressEvent {
  type: 'pull.layer';
  pullId: string;
  digest: string; // compressed blob digest as in the manifest
  phase: LayerPhase;
  current: number; // bytes of the blob received so far
  total: number; // blob size from the manifest
  error?: string;
}

export interface PullDoneEvent {
  type: 'pull.done';
  pullId: string;
  ref: string;
  imageId: string; // sha256 of the config
  manifestDigest: string; // what `RepoDigests` shows (the index digest when the tag named one)
  upToDate: boolean; // nothing new was fetched
  ms: number;
}

export interface PullErrorEvent {
  type: 'pull.error';
  pullId: string;
  ref: string;
  code: string;
  message: string;
}

/** One push: of `ref` (a local image) to its registry. */
export interface PushStartEvent {
  type: 'push.start';
  pushId: string;
  ref: string; // the normalised reference pushed, e.g. 127.0.0.1:5000/learner/app:1
}

export type PushPhase =
  | 'preparing'
  | 'waiting'
  | 'pushing'
  | 'pushed'
  | 'exists' // HEAD said the registry has it: nothing sent
  | 'mounted' // cross-repository mount: the registry linked it from another repository
  | 'failed';

export interface PushLayerEvent {
  type: 'push.layer';
  pushId: string;
  digest: string; // the blob's digest (compressed layer, or the config)
  diffId?: string; // the layer's DiffID: what `docker push` names a layer line by
  kind: 'layer' | 'config';
  phase: PushPhase;
  current: number;
  total: number;
  /** For `mounted`: the repository the blob was mounted from. */
  from?: string;
  /** How the bytes went: one PUT, or PATCH chunks (with how many). */
  upload?: { mode: 'monolithic' | 'chunked'; chunks: number };
  error?: string;
}

export interface PushDoneEvent {
  type: 'push.done';
  pushId: string;
  ref: string;
  tag: string;
  digest: string; // of the manifest (or index) the tag now names on the registry
  size: number; // its bytes
  mediaType: string;
  ms: number;
}

export interface PushErrorEvent {
  type: 'push.error';
  pushId: string;
  ref: string;
  code: string;
  message: string;
}

export interface BlobCommittedEvent {
  type: 'store.blob';
  digest: string;
  size: number;
}

export interface LayerUnpackedEvent {
  type: 'store.layer';
  chainId: string;
  diffId: string;
  files: number;
  bytes: number; // uncompressed size
}

export interface ImageTaggedEvent {
  type: 'image.tag';
  ref: string;
  imageId: string;
}

export interface ImageUntaggedEvent {
  type: 'image.untag';
  ref: string;
  imageId: string;
}

export interface ImageDeletedEvent {
  type: 'image.delete';
  imageId: string;
  /** Unpacked layers removed because nothing referenced them any more. */
  layersRemoved: string[];
  blobsRemoved: number;
}

/** A layer a commit or a build step made: its DiffID, ChainID and unpacked size. */
export interface NewLayerInfo {
  diffId: string;
  chainId: string;
  size: number;
  files: number;
}

/** `commit`: a container's writable layer became an image (no layer when it changed nothing). */
export interface ImageCommitEvent {
  type: 'image.commit';
  imageId: string;
  container: string;
  ref?: string;
  layer?: NewLayerInfo;
  changes: number; // lines of `diff`
  ms: number;
}

/** One step of `build` (the build diagram's data): the instruction, whether the cache answered,
 *  the layer it made (none for a config-only step or a RUN that changed no file). */
export interface BuildStepEvent {
  type: 'build.step';
  buildId: string;
  step: number; // 1-based, as `Step N/M` counts
  total: number;
  instruction: string; // as written
  keyword: string; // FROM, RUN, COPY...
  cached: boolean;
  imageId?: string; // the image after this step (none for an ARG before FROM)
  layer?: NewLayerInfo;
  container?: string; // the container a RUN ran in
  ms: number;
}

// ---- Containers: what `create`, `start` and the runtime really did, step by step. ----

export type { NamespaceType };

export interface ContainerCreateEvent {
  type: 'container.create';
  id: string;
  name: string;
  image: string; // as the user typed it
  imageId: string;
  /** -t: a pseudo-terminal. */
  tty?: boolean;
  /** --network as given (bridge, none, host, container:<id>, a network's name); default unset. */
  networkMode?: string;
}

export interface ContainerStartEvent {
  type: 'container.start';
  id: string;
}

/** The container's main process ended. */
export interface ContainerExitEvent {
  type: 'container.exit';
  id: string;
  exitCode: number; // Docker's: 128+N when killed by signal N
  signal?: string; // e.g. SIGKILL
  oomKilled: boolean;
  /** Why it ended: its own exit, a signal we sent (stop/kill), the OOM killer, or a failed start. */
  reason: 'exited' | 'signaled' | 'oom' | 'start-failed';
  error?: string;
}

export interface ContainerDestroyEvent {
  type: 'container.destroy';
  id: string;
}

/** stop / kill / restart / pause-like actions sent to a container. */
export interface ContainerSignalEvent {
  type: 'container.signal';
  id: string;
  signal: string;
  action: 'stop' | 'kill' | 'restart';
}

/** The root filesystem of a container: the image's layers below, its own writable layer on top. */
export interface RootfsEvent {
  type: 'runtime.rootfs';
  id: string;
  driver: 'overlay' | 'vfs';
  lowerdirs: string[]; // top first, as overlayfs lists them
  upperdir?: string;
  workdir?: string;
  /** vfs: the copied tree. */
  dir?: string;
  ms: number;
}

export interface NamespaceEvent {
  type: 'runtime.namespace';
  id: string;
  ns: NamespaceType;
  inode: number; // the namespace's inode in /proc/<pid>/ns/<type>
  hostInode: number; // the host's (the engine's) namespace of the same type
  /** Whether the container has its own (isolated) or shares the host's / another container's. */
  mode: 'new' | 'host' | 'joined';
}

export interface MountEvent {
  type: 'runtime.mount';
  id: string;
  source: string;
  target: string; // inside the container
  fstype: string;
  flags: string[]; // e.g. ['nosuid', 'nodev', 'ro']
  data?: string;
  /** Why this mount exists: rootfs, a kernel filesystem, a masked path, a volume... */
  purpose: 'rootfs' | 'system' | 'device' | 'mask' | 'readonly' | 'volume' | 'bind' | 'file';
}

export interface DeviceEvent {
  type: 'runtime.device';
  id: string;
  path: string;
  major: number;
  minor: number;
}

export interface PivotRootEvent {
  type: 'runtime.pivot_root';
  id: string;
  newRoot: string;
  putOld: string;
}

export interface HostnameEvent {
  type: 'runtime.hostname';
  id: string;
  hostname: string;
}

/** A cgroup file the engine wrote: a limit, or a process joining. */
export interface CgroupWriteEvent {
  type: 'runtime.cgroup';
  id: string;
  version: 1 | 2;
  file: string; // absolute path under the cgroup mount
  value: string;
}

export interface CapabilitiesEvent {
  type: 'runtime.capabilities';
  id: string;
  kept: string[]; // e.g. CAP_CHOWN
  noNewPrivs: boolean;
  user: string; // uid:gid the process runs as
}

export interface ProcessStartedEvent {
  type: 'runtime.process';
  id: string;
  hostPid: number; // as the host sees it
  pid: number; // as the container sees it (1 for the main process)
  argv: string[];
  /** Set for a process started by `exec` rather than the container's main process. */
  execId?: string;
}

export interface ExecExitEvent {
  type: 'exec.exit';
  id: string;
  execId: string;
  exitCode: number;
}

/** How long each step of `start` took, for the "explain run" diagram. */
export interface RuntimeStepEvent {
  type: 'runtime.step';
  id: string;
  step: 'pull' | 'create' | 'rootfs' | 'network' | 'ip' | 'start' | 'attach';
  ms: number;
  detail?: string;
  /** The step did not apply to this container (e.g. no interface with --network none); `detail` says why. */
  skipped?: boolean;
}

export interface VolumeEvent {
  type: 'volume.create' | 'volume.mount' | 'volume.unmount' | 'volume.destroy';
  name: string;
  /** The container, for mount/unmount. */
  container?: string;
  destination?: string;
}

// ---- Networks: bridges, veth pairs, addresses, routes, NAT, published ports, links. ----

/** A network was created (`network create`) or removed (`network rm`). */
export interface NetworkLifecycleEvent {
  type: 'network.create' | 'network.remove';
  network: string; // its name
  networkId: string;
  driver: string; // bridge, host, null
  subnet?: string;
  gateway?: string;
  bridge?: string; // the bridge interface
}

/** A bridge interface in the engine's network namespace: made (with its address), found there
 *  already, or removed (the engine shut down with no container on it). */
export interface BridgeEvent {
  type: 'network.bridge';
  network: string;
  bridge: string;
  /** The bridge's own address with its prefix, e.g. 172.18.0.1/16: the containers' gateway. */
  address: string;
  action: 'created' | 'found' | 'removed';
  ms: number;
}

/** A veth pair: one end on the bridge in the engine's namespace, the other in the container's. */
export interface VethEvent {
  type: 'network.veth';
  id: string;
  network: string;
  bridge: string;
  hostIf: string; // e.g. veth1a2b3c4
  containerIf: string; // eth0
  mac: string;
  ms: number;
}

/** An address from a network's pool, handed to a container or given back. */
export interface IpEvent {
  type: 'network.ip';
  id: string;
  network: string;
  address: string;
  prefixLength: number;
  subnet: string;
  gateway: string;
  action: 'assigned' | 'released';
  ms?: number;
}

/** A route the container's init added inside its namespace. */
export interface RouteEvent {
  type: 'network.route';
  id: string;
  destination: 'default';
  gateway: string;
  ifname: string;
}

/** Firewall rules the engine installed or removed (outbound NAT, forwarding, DNAT for ports). */
export interface NatEvent {
  type: 'network.nat';
  action: 'add' | 'remove';
  tool: 'iptables' | 'nft';
  /** The rules as the tool reads them. */
  rules: string[];
  /** Set when IP forwarding was switched on in the engine's namespace with these rules. */
  forwarding?: boolean;
}

/** A published port: the userland proxy listening (and a DNAT rule, when a firewall tool is there). */
export interface PortProxyEvent {
  type: 'network.port';
  id: string;
  action: 'start' | 'stop';
  proto: 'tcp' | 'udp';
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
  dnat: boolean;
}

/** A container joined or left a network (at create, start, `network connect`/`disconnect`). */
export interface NetworkAttachEvent {
  type: 'network.connect' | 'network.disconnect';
  id: string;
  network: string;
  networkId: string;
  address?: string;
}

/** A legacy link: this container reaches `target` under `alias` (hosts entry + env vars). */
export interface LinkEvent {
  type: 'network.link';
  id: string;
  target: string; // the linked container's ID
  name: string; // its name
  alias: string;
  address: string;
  env: number; // how many environment variables the link gave
}

/** A request the daemon answered (the client/server diagram): who asked what, and the status. */
export interface ApiRequestEvent {
  type: 'api.request';
  method: string;
  path: string; // as sent, with the API version prefix and the query
  status: number; // 101 for an upgraded (attach, exec) connection
  ms: number; // from the request to the end of the answer (a stream: when it closed)
}

export type EngineEvent =
  | ApiRequestEvent
  | HttpExchangeEvent
  | AuthChallengeEvent
  | RateLimitEvent
  | PullStartEvent
  | ManifestResolvedEvent
  | LayerProgressEvent
  | PullDoneEvent
  | PullErrorEvent
  | PushStartEvent
  | PushLayerEvent
  | PushDoneEvent
  | PushErrorEvent
  | BlobCommittedEvent
  | LayerUnpackedEvent
  | ImageTaggedEvent
  | ImageUntaggedEvent
  | ImageDeletedEvent
  | ImageCommitEvent
  | BuildStepEvent
  | ContainerCreateEvent
  | ContainerStartEvent
  | ContainerExitEvent
  | ContainerDestroyEvent
  | ContainerSignalEvent
  | RootfsEvent
  | NamespaceEvent
  | MountEvent
  | DeviceEvent
  | PivotRootEvent
  | HostnameEvent
  | CgroupWriteEvent
  | CapabilitiesEvent
  | ProcessStartedEvent
  | ExecExitEvent
  | RuntimeStepEvent
  | VolumeEvent
  | NetworkLifecycleEvent
  | BridgeEvent
  | VethEvent
  | IpEvent
  | RouteEvent
  | NatEvent
  | PortProxyEvent
  | NetworkAttachEvent
  | LinkEvent;

export type EventListener = (event: EngineEvent) => void;

/**
 * A synchronous fan-out of events. Listeners must be quick (they run on the engine's path); a
 * listener that throws is removed rather than allowed to break the operation it observes.
 */
export class EventBus {
  private listeners = new Set<EventListener>();

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: EngineEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        this.listeners.delete(l);
      }
    }
  }
}
