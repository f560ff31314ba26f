// Volumes: create, list, inspect, remove, prune — the engine's VolumeService already answers in
// Docker's shapes (engine/volumes/record.ts).
import { SkiffError } from '../../engine/errors.ts';
import type { DaemonContext } from '../context.ts';
import type { Route } from '../router.ts';
import { filtersParam, flag } from '../wire.ts';

interface VolumeCreateBody {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

export function volumeRoutes(ctx: DaemonContext): Route[] {
  const volumes = ctx.engine.volumes;
  return [
    {
      method: 'POST',
      path: '/volumes/create',
      async handler(c) {
        const body = (await c.json<VolumeCreateBody>()) ?? {};
        if (typeof body !== 'object' || Array.isArray(body)) throw new SkiffError('USAGE', 'the volume config must be an object');
        if (body.DriverOpts && Object.keys(body.DriverOpts).length > 0) throw new SkiffError('USAGE', 'driver options are not supported by the local driver in Skiff', 'leave out --opt');
        const view = await volumes.create(body.Name || undefined, { ...(body.Labels ? { labels: body.Labels } : {}), ...(body.Driver ? { driver: body.Driver } : {}) });
        return { status: 201, json: view };
      },
    },
    { method: 'GET', path: '/volumes', handler: async (c) => ({ status: 200, json: { Volumes: await volumes.list({ filters: filtersParam(c.query) }), Warnings: null } }) },
    {
      method: 'POST',
      path: '/volumes/prune',
      async handler(c) {
        const f = filtersParam(c.query);
        const all = f.all?.at(-1) === 'true' || f.all?.at(-1) === '1';
        const r = await volumes.prune({ all });
        return { status: 200, json: { VolumesDeleted: r.VolumesDeleted.length ? r.VolumesDeleted : null, SpaceReclaimed: r.SpaceReclaimed } };
      },
    },
    { method: 'GET', path: '/volumes/{name}', handler: async (c) => ({ status: 200, json: await volumes.inspect(c.params[0]!) }) },
    {
      method: 'DELETE',
      path: '/volumes/{name}',
      async handler(c) {
        await volumes.remove(c.params[0]!, { force: flag(c.query, 'force') });
        return { status: 204 };
      },
    },
  ];
}
