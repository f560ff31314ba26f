// Networks: create, list, inspect, remove, connect, disconnect, prune — the engine's NetworkService
// answers in Docker's shapes already (engine/network/types.ts). Listing and inspecting need no
// container runtime; connect and disconnect may touch a running container's namespace.
import { SkiffError } from '../../engine/errors.ts';
import type { NetworkCreateRequest } from '../../engine/network/types.ts';
import type { DaemonContext } from '../context.ts';
import type { Route } from '../router.ts';
import { filtersParam } from '../wire.ts';

interface ConnectBody {
  Container?: string;
  EndpointConfig?: { IPAMConfig?: { IPv4Address?: string } | null; Aliases?: string[] | null } | null;
  Force?: boolean;
}

function object<T>(body: unknown, what: string): T {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new SkiffError('USAGE', `${what} must be a JSON object`);
  return body as T;
}

export function networkRoutes(ctx: DaemonContext): Route[] {
  const networks = ctx.engine.networks;
  return [
    {
      method: 'POST',
      path: '/networks/create',
      async handler(c) {
        const body = object<NetworkCreateRequest>(await c.json(), 'the network config');
        return { status: 201, json: await networks.create(body) };
      },
    },
    { method: 'GET', path: '/networks', handler: async (c) => ({ status: 200, json: networks.list(filtersParam(c.query)) }) },
    {
      method: 'POST',
      path: '/networks/prune',
      async handler() {
        const gone = await networks.prune();
        return { status: 200, json: { NetworksDeleted: gone.length ? gone : null } };
      },
    },
    { method: 'GET', path: '/networks/{id}', handler: async (c) => ({ status: 200, json: networks.inspect(c.params[0]!) }) },
    {
      method: 'DELETE',
      path: '/networks/{id}',
      async handler(c) {
        await networks.remove(c.params[0]!);
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: '/networks/{id}/connect',
      async handler(c) {
        const body = object<ConnectBody>(await c.json(), 'the connect request');
        if (!body.Container) throw new SkiffError('USAGE', 'no container given to connect', 'send {"Container": "name"}');
        await ctx.runtime(); // the container's namespace may need the runtime
        await networks.endpoints.connect(networks.find(c.params[0]!), body.Container, body.EndpointConfig ?? {});
        return { status: 200 };
      },
    },
    {
      method: 'POST',
      path: '/networks/{id}/disconnect',
      async handler(c) {
        const body = object<ConnectBody>(await c.json(), 'the disconnect request');
        if (!body.Container) throw new SkiffError('USAGE', 'no container given to disconnect', 'send {"Container": "name"}');
        await networks.endpoints.disconnect(networks.find(c.params[0]!), body.Container);
        return { status: 200 };
      },
    },
  ];
}
