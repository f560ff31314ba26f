// `POST /images/{name}/push` answers with the JSON lines `docker push` draws, made from the
// engine's push events (moby distribution/push_v2.go and its progress words). Layers are named by
// their DiffID's short form, as Docker names them; the config is pushed without a line:
//   {"status":"The push refers to repository [127.0.0.1:5000/learner/app]"}
//   {"status":"Preparing","progressDetail":{},"id":"3f4d90098f5b"}
//   {"status":"Pushing","progressDetail":{"current":512,"total":2048},"progress":"[====>   ] …","id":"…"}
//   {"status":"Pushed",…}  or "Layer already exists"  or "Mounted from learner/base"
//   {"status":"1: digest: sha256:… size: 528"}
//   {"progressDetail":{},"aux":{"Tag":"1","Digest":"sha256:…","Size":528}}
import { shortId } from '../engine/digest.ts';
import type { EngineEvent } from '../engine/events.ts';
import { type JsonMessage, progressBar } from './pull-progress.ts';

export type PushMessage = JsonMessage & { aux?: { Tag: string; Digest: string; Size: number } };

export class PushProgress {
  private pushId?: string;
  private readonly last = new Map<string, string>();

  constructor(private readonly ref: string) {}

  map(e: EngineEvent): PushMessage[] {
    if (e.type === 'push.start') {
      if (this.pushId === undefined && e.ref === this.ref) this.pushId = e.pushId;
      return [];
    }
    if (e.type !== 'push.layer' || e.pushId !== this.pushId || e.kind !== 'layer') return [];
    const id = shortId(e.diffId ?? e.digest);
    const say = (status: string): PushMessage[] => {
      if (this.last.get(id) === status && status !== 'Pushing') return [];
      this.last.set(id, status);
      return [{ status, progressDetail: {}, id }];
    };
    switch (e.phase) {
      case 'preparing':
        return say('Preparing');
      case 'waiting':
        return say('Waiting');
      case 'pushing':
        this.last.set(id, 'Pushing');
        return [{ status: 'Pushing', progressDetail: { current: e.current, total: e.total }, progress: progressBar(e.current, e.total), id }];
      case 'pushed':
        return say('Pushed');
      case 'exists':
        return say('Layer already exists');
      case 'mounted':
        return say(`Mounted from ${e.from}`);
      case 'failed':
        return [];
    }
  }

  static finished(r: { tag: string; digest: string; size: number }): PushMessage[] {
    return [{ status: `${r.tag}: digest: ${r.digest} size: ${r.size}` }, { progressDetail: {}, aux: { Tag: r.tag, Digest: r.digest, Size: r.size } }];
  }
}
