// The live diagrams: pure components over view models, and the reducers that fold the engine's
// events into those models. Imports only event types and plain data (DESIGN.md): the REPL feeds
// events from the daemon's trace, plain data (images, `diff`, usage samples) from its API.
export { PullHandshake, type PullHandshakeProps } from './PullHandshake.tsx';
export { Layers, type LayersProps } from './Layers.tsx';
export { Namespaces, type NamespacesProps } from './Namespaces.tsx';
export { Cgroups, type CgroupsProps } from './Cgroups.tsx';
export { ExplainRun, type ExplainRunProps } from './ExplainRun.tsx';
export { Network, type NetworkProps } from './Network.tsx';
export { ApiRequests, type ApiRequestsProps } from './ApiRequests.tsx';
export { isPlain } from './parts/plain.ts';
export { emptyPull, foldPull, reducePull, storySteps, type PullModel } from './model/pull.ts';
export { sequence } from './model/sequence.ts';
export { changeList, emptyLayers, foldLayers, reduceLayers, type ChangeList, type ImageInfo, type LayersModel } from './model/layers.ts';
export { emptyNamespaces, foldNamespaces, reduceNamespaces, type NamespacesModel } from './model/namespaces.ts';
export { emptyCgroups, foldCgroups, gauges, reduceCgroups, sampleFromStats, type CgroupsModel, type UsageSample } from './model/cgroups.ts';
export { emptyRun, foldRun, reduceRun, runSteps, type RunModel } from './model/run.ts';
export { emptyNetwork, foldNetwork, networkFromApi, networkRows, reduceNetwork, type NetworkModel } from './model/network.ts';
export { API_ROWS_KEPT, emptyApi, foldApi, reduceApi, type ApiModel, type ApiRow } from './model/api.ts';
