// The engine: the store, the event bus and the services built on them. The CLI (and later the
// daemon) holds one Engine per data root.
import { EventBus } from './events.ts';
import { ImageService } from './image/service.ts';
import { type PullOptions, type PullResult, Puller } from './image/pull.ts';
import { Store } from './store/store.ts';

export const DEFAULT_DATA_ROOT = '/var/lib/skiff';

export class Engine {
  readonly events = new EventBus();
  readonly images: ImageService;
  private readonly puller: Puller;

  private constructor(readonly store: Store) {
    this.images = new ImageService(store, this.events);
    this.puller = new Puller(store, this.events);
  }

  static async open(dataRoot: string = DEFAULT_DATA_ROOT): Promise<Engine> {
    return new Engine(await Store.open(dataRoot));
  }

  pull(ref: string, opts?: PullOptions): Promise<PullResult> {
    return this.puller.pull(ref, opts);
  }
}
