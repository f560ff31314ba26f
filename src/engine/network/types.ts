// Networks in the Docker Engine API's own shapes (moby api/swagger.yaml: Network, NetworkCreateRequest,
// EndpointSettings, NetworkSettings, PortBinding), so the daemon answers `docker network ...` and
// the NetworkSettings of `docker inspect` without translation.
import type { PortMap } from './ports.ts';

export interface IpamConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
}

/** What POST /networks/create takes (the fields Skiff reads). */
export interface NetworkCreateRequest {
  Name: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Config?: IpamConfig[] | null; Options?: Record<string, string> | null } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** A network as stored under <dataRoot>/networks/<id>.json. */
export interface NetworkRecord {
  Id: string;
  Name: string;
  Created: string;
  Driver: 'bridge' | 'host' | 'null';
  Internal: boolean;
  Attachable: boolean;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  /** Bridge networks: the subnet and the bridge's own address (the containers' gateway). */
  subnet?: string;
  gateway?: string;
  /** The bridge interface: skiff0 for the default network, br-<12 hex of the ID> for others. */
  bridge?: string;
  /** bridge, host and none: always there, never removed. */
  predefined?: boolean;
}

/** One container's attachment to one network (EndpointSettings). */
export interface Endpoint {
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  MacAddress: string;
  Aliases: string[] | null;
  Links: string[] | null;
  /** Skiff: the interface inside the container (eth0, eth1...) and its host end. */
  ifname?: string;
  hostIf?: string;
}

/** A container's network state: <dataRoot>/containers/<id>/network.json. */
export interface ContainerNetwork {
  /** bridge-like (one or more networks with endpoints), none, host, or another container's. */
  mode: 'networks' | 'none' | 'host' | 'container';
  /** container mode: the container whose network namespace is joined (its ID). */
  joined?: string;
  /** By network name. */
  endpoints: Record<string, Endpoint>;
  /** The host ports really bound while it runs (empty when stopped). */
  ports: PortMap;
}

/** GET /networks and /networks/{id}. */
export interface NetworkResource {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: IpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** NetworkSettings of GET /containers/{id}/json. */
export interface NetworkSettings {
  Bridge: string;
  SandboxID: string;
  HairpinMode: boolean;
  LinkLocalIPv6Address: string;
  LinkLocalIPv6PrefixLen: number;
  Ports: PortMap;
  SandboxKey: string;
  SecondaryIPAddresses: null;
  SecondaryIPv6Addresses: null;
  EndpointID: string;
  Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  MacAddress: string;
  Networks: Record<string, Endpoint>;
}
