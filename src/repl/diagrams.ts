// The diagram under the output: which one is shown, the models the engine's events are folded
// into (feed.ts), what it needs besides events — the images' layers, a container's `diff`, its
// cgroup usage read about twice a second — and drawing it again, not too often, as they change.
import type { EngineApi } from '../client/api.ts';
import type { Engine } from '../engine/engine.ts';
import type { EngineEvent } from '../engine/events.ts';
import { fetchChanges, fetchImages, StatsPoller } from './data.ts';
import { lastContainer, reduceModels } from './feed.ts';
import { type PanelInput, panelInput } from './panel.tsx';
import type { PanelName, Store } from './store.ts';

/**
 * How often a diagram is drawn again while events come: drawing it is off this thread (drawer.ts),
 * but every frame Ink draws costs this thread time in proportion to the text on the screen, and a
 * keystroke that comes meanwhile waits.
 */
const PANEL_MS = 250;
/** Images and `diff` are asked again this long after the events that change them. */
const REFETCH_MS = 300;

export interface DiagramDeps {
  store: Store;
  engine(): Promise<Engine>;
  columns(): number;
  draw(input: PanelInput, width: number, done: (lines: string[]) => void): void;
}

export class Diagrams {
  /** The daemon, once connected: `diff` and `stats` come from it. */
  api: EngineApi | undefined;
  private readonly store: Store;
  private panelTimer: NodeJS.Timeout | undefined;
  private fetchTimer: NodeJS.Timeout | undefined;
  private readonly stats: StatsPoller;

  constructor(private readonly d: DiagramDeps) {
    this.store = d.store;
    this.stats = new StatsPoller(() => this.api, (samples) => {
      this.store.soon({ samples });
      this.changed();
    }, () => this.store.get().models.cgroups);
  }

  show(name: PanelName): void {
    this.store.set((s) => ({ panel: name, scroll: 0, ...(s.panel !== name ? { panelLines: [] } : {}) }));
    if (name === 'layers') this.fetchLayers();
    this.watchStats();
    this.drawNow();
  }

  hide(): void {
    this.stats.watch(undefined, new Set());
    this.store.set({ panel: undefined, panelLines: [], scroll: 0 });
  }

  /** PgUp/PgDn: moves by `rows` (negative: up); `height` is what is visible of the diagram. */
  scroll(rows: number, height: number): void {
    const s = this.store.get();
    if (!s.panel) return;
    const max = Math.max(0, s.panelLines.length - height);
    this.store.set({ scroll: Math.max(0, Math.min(max, s.scroll + rows)) });
  }

  onEvent(e: EngineEvent): void {
    this.store.soon((s) => ({ models: reduceModels(s.models, e) }));
    const panel = this.store.get().panel;
    if (!panel) return;
    this.changed();
    if (panel === 'layers' && (e.type === 'pull.done' || e.type === 'container.create' || e.type === 'container.exit' || e.type.startsWith('image.'))) {
      this.fetchTimer ??= setTimeout(() => {
        this.fetchTimer = undefined;
        this.fetchLayers();
      }, REFETCH_MS);
    }
    if (panel === 'cgroups' && (e.type === 'container.start' || e.type === 'container.create' || e.type === 'container.exit')) {
      this.store.flushSoon();
      this.watchStats();
    }
  }

  /** A command ended: what it changed in a container's files shows in the layers diagram. */
  commandEnded(): void {
    if (this.store.get().panel === 'layers') this.fetchLayers();
  }

  /** What the diagram shows changed: it is drawn again, at most every PANEL_MS. */
  changed(): void {
    if (!this.store.get().panel) return;
    this.panelTimer ??= setTimeout(() => this.drawNow(), PANEL_MS);
  }

  /** Draws the diagram now (it was just shown, the width changed). */
  drawNow(): void {
    if (this.panelTimer) clearTimeout(this.panelTimer);
    this.panelTimer = undefined;
    this.store.flushSoon();
    const s = this.store.get();
    if (!s.panel) return;
    const panel = s.panel;
    this.d.draw(panelInput(s), this.d.columns(), (lines) => {
      // A drawing of a diagram since hidden or replaced is not shown.
      if (this.store.get().panel === panel) this.store.soon({ panelLines: lines });
    });
  }

  /** The cgroups gauges follow the last container while it runs. */
  private watchStats(): void {
    const s = this.store.get();
    this.stats.watch(s.panel === 'cgroups' ? lastContainer(s.models) : undefined, s.models.exited);
  }

  /** The images (for the layer stacks) and the last container's `diff`. */
  private fetchLayers(): void {
    void fetchImages(this.d.engine).then((images) => {
      this.store.soon({ images });
      this.changed();
    }, () => {});
    const id = lastContainer(this.store.get().models);
    if (id && this.api) {
      void fetchChanges(this.api, id).then((list) => {
        this.store.soon({ changes: { container: id, list } });
        this.changed();
      }, () => {}); // removed already (--rm): the diagram says no diff
    }
  }

  dispose(): void {
    this.stats.watch(undefined, new Set());
    if (this.panelTimer) clearTimeout(this.panelTimer);
    if (this.fetchTimer) clearTimeout(this.fetchTimer);
  }
}
