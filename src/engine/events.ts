// The engine's typed events: the spine of Skiff. Logs, the daemon's trace endpoint, the live
// diagrams and the lesson checks all read these, so every event describes something that really
// happened (an HTTP exchange that really crossed the wire, bytes that were really written).
//
// Add new event kinds to the union below; consumers switch on `type`.

/** Which step of Docker's pull handshake an HTTP exchange belongs to. */
export type HandshakeStep =
  | 'ping' // GET /v2/ — does the registry speak v2, and how does it want us to authenticate?
  | 'token' // GET {realm}?service=&scope= — the token service hands out a Bearer token
  | 'manifest' // GET /v2/<name>/manifests/<ref> — an index/list or an image manifest
  | 'config' // GET /v2/<name>/blobs/<config digest> — the image configuration JSON
  | 'blob' // GET /v2/<name>/blobs/<layer digest> — a layer
  | 'other';

export interface HttpExchangeEvent {
  type: 'http';
  /** Correlates the exchanges of one pull. */
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

export type EngineEvent =
  | HttpExchangeEvent
  | AuthChallengeEvent
  | RateLimitEvent
  | PullStartEvent
  | ManifestResolvedEvent
  | LayerProgressEvent
  | PullDoneEvent
  | PullErrorEvent
  | BlobCommittedEvent
  | LayerUnpackedEvent
  | ImageTaggedEvent
  | ImageUntaggedEvent
  | ImageDeletedEvent;

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
