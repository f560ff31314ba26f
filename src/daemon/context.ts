// What every handler of the daemon works with: the engine (one per daemon, as dockerd has one
// daemon object), its container runtime once it is up, the event log, and facts about the daemon.
import type { Engine, Runtime } from '../engine/engine.ts';
import type { EventLog } from './docker-events.ts';
import type { Lifecycle } from './lifecycle.ts';

export interface DaemonContext {
  engine: Engine;
  /** The container runtime and what the daemon does around it; rejects where containers cannot run (not root). */
  runtime(): Promise<Runtime & { lifecycle: Lifecycle }>;
  events: EventLog;
  /** Publishes a Docker event the engine has no event for (a container's `restart`). */
  announce(id: string, action: string): void;
  /** Skiff's version (the `Server` header, /version, /info). */
  version: string;
  /** A stable ID of this engine (Docker's /info ID), kept in the data root. */
  engineId: string;
  /** Plain-HTTP registries besides loopback ones (dockerd's --insecure-registry). */
  insecureRegistries: string[];
  /** Registry mirrors tried first for Docker Hub images (dockerd's --registry-mirror). */
  registryMirrors?: string[];
  /** A line for the daemon's log (stderr). */
  log(line: string): void;
}
