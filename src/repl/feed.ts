// The engine's events as the REPL sees them, folded into the diagrams' models as they come: from
// the daemon's trace (containers, and pulls the daemon does for `run`) and from the engine this
// process opens for image commands (`pull`). Each model has its own boundary: the pull diagram
// shows the latest pull, the run diagram the run the user typed last (ExplainRun needs that
// boundary: events carry none), the others every container seen, the last one shown.
import type { EngineEvent } from '../engine/events.ts';
import {
  emptyCgroups, emptyLayers, emptyNamespaces, emptyPull, emptyRun, reduceCgroups, reduceLayers, reduceNamespaces, reducePull, reduceRun,
  type CgroupsModel, type LayersModel, type NamespacesModel, type PullModel, type RunModel,
} from '../visualize/index.ts';
import { emptyNetwork, type NetworkModel, reduceNetwork } from '../visualize/model/network.ts';
import { type ApiModel, emptyApi, reduceApi } from '../visualize/model/api.ts';

export interface Models {
  pull: PullModel;
  run: RunModel;
  layers: LayersModel;
  ns: NamespacesModel;
  cgroups: CgroupsModel;
  net: NetworkModel;
  api: ApiModel;
  /** The image of the container last created, or of the last pull: the layers diagram's image. */
  imageId?: string;
  /** Containers whose exit the events told (the cgroups gauges stop polling them). */
  exited: ReadonlySet<string>;
}

export const emptyModels = (): Models => ({ pull: emptyPull, run: emptyRun, layers: emptyLayers, ns: emptyNamespaces, cgroups: emptyCgroups, net: emptyNetwork, api: emptyApi, exited: new Set() });

export function reduceModels(m: Models, e: EngineEvent): Models {
  // A new pull begins the pull diagram anew; reducePull keeps to the first pull it saw.
  const pull = reducePull(e.type === 'pull.start' ? emptyPull : m.pull, e);
  const next: Models = {
    ...m, pull, run: reduceRun(m.run, e), layers: reduceLayers(m.layers, e), ns: reduceNamespaces(m.ns, e), cgroups: reduceCgroups(m.cgroups, e),
    net: reduceNetwork(m.net, e), api: reduceApi(m.api, e),
  };
  if (e.type === 'container.create') next.imageId = e.imageId;
  if (e.type === 'pull.done') next.imageId = e.imageId;
  if (e.type === 'container.exit') next.exited = new Set([...m.exited, e.id]);
  if (e.type === 'container.start' && m.exited.has(e.id)) next.exited = new Set([...m.exited].filter((id) => id !== e.id));
  return next;
}

/** The container the diagrams are about: the last one any event named. */
export function lastContainer(m: Models): string | undefined {
  return m.run.container?.id ?? m.cgroups.last ?? m.ns.last ?? m.layers.last;
}

/** Is a pull under way (its layers are drawn live under the running command)? */
export function pulling(m: Models): boolean {
  return m.pull.state === 'pulling';
}
