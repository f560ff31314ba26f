// `POST /images/create` answers with a stream of JSON messages — the lines `docker pull` draws —
// made from the engine's pull events (moby distribution/pull_v2.go and pkg/progress words):
//   {"status":"Pulling from library/busybox","id":"latest"}
//   {"status":"Pulling fs layer","progressDetail":{},"id":"3f4d90098f5b"}
//   {"status":"Downloading","progressDetail":{"current":1024,"total":2048},"progress":"[=>   ] …","id":"3f4d90098f5b"}
//   {"status":"Verifying Checksum",…} {"status":"Download complete",…} {"status":"Pull complete",…}
//   {"status":"Digest: sha256:…"}  {"status":"Status: Downloaded newer image for busybox:latest"}
// A layer already in the store is "Already exists". An error once the stream has begun is
// {"errorDetail":{"message":"…"},"error":"…"}.
import { shortId } from '../engine/digest.ts';
import type { EngineEvent } from '../engine/events.ts';
import { humanSize } from '../engine/units.ts';

export interface JsonMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  errorDetail?: { message: string };
  error?: string;
}

/** Docker's progress bar (pkg/jsonmessage JSONProgress.String): 50 columns and the sizes. */
export function progressBar(current: number, total: number): string {
  const width = 50;
  const done = total > 0 ? Math.min(width, Math.floor((current / total) * width)) : 0;
  const bar = '='.repeat(Math.max(0, done - 1)) + (done > 0 ? '>' : '') + ' '.repeat(width - done);
  return `[${bar}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/** The messages of one pull, from its events; call `map` with every engine event. */
export class PullProgress {
  private pullId?: string;
  private readonly seen = new Map<string, string>();

  /** `repoPath` is the repository as the registry names it (library/busybox); `tag` the tag or digest. */
  constructor(
    private readonly ref: string,
    private readonly repoPath: string,
    private readonly tag: string,
  ) {}

  map(e: EngineEvent): JsonMessage[] {
    if (e.type === 'pull.start') {
      if (this.pullId === undefined && e.ref === this.ref) this.pullId = e.pullId;
      return [];
    }
    if (!('pullId' in e) || e.pullId === undefined || e.pullId !== this.pullId) return [];
    if (e.type === 'pull.manifest' && !e.platforms && !this.seen.has('')) {
      this.seen.set('', 'started');
      return [{ status: `Pulling from ${this.repoPath}`, id: this.tag }];
    }
    if (e.type !== 'pull.layer') return [];
    const id = shortId(e.digest);
    const before = this.seen.get(id);
    const say = (status: string, detail: JsonMessage['progressDetail'] = {}): JsonMessage => ({ status, progressDetail: detail, id });
    // The engine unpacks while it downloads; Docker's words come in Docker's order all the same.
    const downloaded = (): JsonMessage[] => {
      if (before === 'downloaded') return [];
      this.seen.set(id, 'downloaded');
      return [say('Verifying Checksum'), say('Download complete')];
    };
    // "Pulling fs layer" waits for the layer's next event: a layer already stored is only "Already exists".
    const pulling = (): JsonMessage[] => (before === 'waiting' ? [say('Pulling fs layer')] : []);
    switch (e.phase) {
      case 'waiting':
        if (!before) this.seen.set(id, 'waiting');
        return [];
      case 'downloading':
        this.seen.set(id, 'downloading');
        return [...pulling(), { ...say('Downloading', { current: e.current, total: e.total }), progress: progressBar(e.current, e.total) }];
      case 'extracting':
        return [...pulling(), ...downloaded(), { ...say('Extracting', { current: e.current, total: e.total }), progress: progressBar(e.current, e.total) }];
      case 'verifying':
        return [...pulling(), ...downloaded()];
      case 'complete':
        return [...pulling(), ...downloaded(), say('Pull complete')];
      case 'exists':
        this.seen.set(id, 'exists');
        return [say('Already exists')];
      case 'failed':
        return [];
    }
  }

  /** The closing lines, as `docker pull` prints them. */
  static finished(result: { manifestDigest: string; upToDate: boolean }, shown: string): JsonMessage[] {
    return [
      { status: `Digest: ${result.manifestDigest}` },
      { status: result.upToDate ? `Status: Image is up to date for ${shown}` : `Status: Downloaded newer image for ${shown}` },
    ];
  }
}
