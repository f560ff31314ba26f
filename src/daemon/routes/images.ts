// The image endpoints: pull (POST /images/create, a JSON progress stream), import (fromSrc=-),
// push (POST /images/{name}/push, a JSON progress stream), list, inspect, history, tag, remove,
// prune, and POST /auth (a login check) — answers in moby's shapes (api/swagger.yaml ImageSummary,
// ImageInspect, HistoryResponseItem, ImageDeleteResponseItem, AuthConfig).
import type http from 'node:http';
import { Readable } from 'node:stream';
import type { ContainerSummary } from '../../engine/containers/types.ts';
import { SkiffError, describeError, isSkiffError } from '../../engine/errors.ts';
import { importImage } from '../../engine/image/import.ts';
import { historyRows, imageInspectView } from '../../engine/image/inspect.ts';
import { nameOf } from '../../engine/image/names.ts';
import { Pusher } from '../../engine/image/push.ts';
import type { ImageRecord } from '../../engine/image/service.ts';
import { familiarString, formatReference, parseReference, repositoryName } from '../../engine/reference.ts';
import type { Credentials } from '../../engine/registry/auth.ts';
import { checkLogin, registryOrigin } from '../../engine/registry/login.ts';
import { parsePlatform } from '../../engine/registry/platform.ts';
import type { DaemonContext } from '../context.ts';
import { type JsonMessage, PullProgress } from '../pull-progress.ts';
import { type PushMessage, PushProgress } from '../push-progress.ts';
import type { Call, Route } from '../router.ts';
import { filtersParam, flag, HttpError } from '../wire.ts';

const unixSeconds = (iso: string | undefined) => (iso ? Math.floor(Date.parse(iso) / 1000) || 0 : 0);

function summary(img: ImageRecord, containers: number) {
  return {
    Containers: containers,
    Created: unixSeconds(img.created),
    Id: img.id,
    Labels: img.config.config?.Labels ?? {},
    ParentId: '',
    RepoDigests: img.repoDigests,
    RepoTags: img.repoTags,
    SharedSize: -1,
    Size: img.size,
    VirtualSize: img.size,
  };
}

/** Images as `GET /images/json` lists them; with containers given, how many use each (system df). */
export async function imageSummaries(ctx: DaemonContext, containers?: ContainerSummary[], filters: Record<string, string[]> = {}) {
  const dangling = filters.dangling?.at(-1);
  const list = await ctx.engine.images.list(dangling === undefined ? {} : { dangling: dangling === 'true' || dangling === '1' });
  const refs = filters.reference ?? [];
  const labels = filters.label ?? [];
  for (const k of Object.keys(filters)) if (!['dangling', 'reference', 'label'].includes(k)) throw new SkiffError('USAGE', `invalid filter '${k}'`, 'image filters: dangling, reference, label');
  return list
    .filter((img) => refs.length === 0 || img.repoTags.some((t) => refs.some((r) => globMatch(r.includes(':') ? r : `${r}:*`, t))))
    .filter((img) => labels.every((l) => {
      const [k, v] = l.split('=', 2);
      const have = img.config.config?.Labels?.[k!];
      return have !== undefined && (v === undefined || have === v);
    }))
    .map((img) => summary(img, containers ? containers.filter((c) => c.ImageID === img.id).length : -1));
}

/** `reference=busybox*`: path.Match-style globs over familiar names. */
function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$');
  return re.test(s);
}

function inspect(ctx: DaemonContext, img: ImageRecord) {
  return imageInspectView(img, ctx.engine.store.root, img.chainIds.map((id) => ctx.engine.store.layers.diffDir(id)));
}

function history(img: ImageRecord) {
  return historyRows(img).map((r) => ({ Id: r.id, Created: unixSeconds(r.created), CreatedBy: r.createdBy, Tags: r.tags, Size: r.size, Comment: r.comment }));
}

/** X-Registry-Auth: base64url JSON {username, password, serveraddress}; "{}" when there are none. */
function registryAuth(header: string | string[] | undefined): Credentials | undefined {
  if (typeof header !== 'string' || !header) return undefined;
  try {
    const a = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { username?: string; password?: string };
    return a.username && a.password ? { username: a.username, password: a.password } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `POST /images/create?fromImage=&tag=`: pull, answering with Docker's progress stream. Errors
 * before the first line (a bad name, an unknown manifest, refused credentials) are ordinary error
 * answers with their status; after it they are an `error` line in the stream.
 */
async function pull(ctx: DaemonContext, c: Call): Promise<void> {
  const from = c.query.get('fromImage') ?? '';
  const tag = c.query.get('tag') ?? '';
  if (!from) throw new SkiffError('USAGE', 'fromImage or fromSrc is required', 'name the image to pull');
  const ref = parseReference(tag ? `${from}${/^[a-z0-9]+:[a-f0-9]{32,}$/.test(tag) ? '@' : ':'}${tag}` : from);
  const platform = c.query.get('platform') ? parsePlatform(c.query.get('platform')!) : undefined;
  const progress = new PullProgress(formatReference(ref), ref.path, ref.digest ?? ref.tag ?? 'latest');
  let res: http.ServerResponse | undefined;
  const write = (m: JsonMessage) => {
    res ??= c.stream(200, { 'Content-Type': 'application/json' });
    res.write(JSON.stringify(m) + '\n');
  };
  const off = ctx.engine.events.on((e) => progress.map(e).forEach(write));
  try {
    const credentials = registryAuth(c.headers['x-registry-auth']);
    const result = await ctx.engine.pull(formatReference(ref), { ...(platform ? { platform } : {}), ...(credentials ? { credentials } : {}), insecureRegistries: ctx.insecureRegistries, mirrors: ctx.registryMirrors ?? [], signal: c.gone });
    off();
    PullProgress.finished(result, familiarString(ref)).forEach(write);
  } catch (e) {
    off();
    if (!res) throw e;
    const message = e instanceof SkiffError ? e.message : describeError(e);
    write({ errorDetail: { message }, error: message });
  } finally {
    res?.end();
  }
}

/** `POST /images/create?fromSrc=-&repo=&tag=`: `docker import`, the body a tar of a root filesystem. */
async function importTar(ctx: DaemonContext, c: Call, req: http.IncomingMessage): Promise<void> {
  if (c.query.get('fromSrc') !== '-') throw new SkiffError('UNSUPPORTED', 'import from a URL is not supported', 'send the tar as the request body: fromSrc=-');
  if (c.query.getAll('changes').length > 0) throw new SkiffError('UNSUPPORTED', 'import --change is not supported yet', 'import without --change');
  const repo = c.query.get('repo') ?? '';
  const tag = c.query.get('tag') ?? '';
  const name = repo ? formatReference(parseReference(tag ? `${repo}:${tag}` : repo)) : undefined;
  const message = c.query.get('message') ?? '';
  const r = await importImage(ctx.engine.store, Readable.from(req), name, { createdBy: 'skiff import (API)', ...(message ? { comment: message } : {}) });
  const res = c.stream(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ status: r.imageId }) + '\n');
}

/**
 * `POST /images/{name}/push?tag=`: push, answering with Docker's progress stream; no tag pushes
 * every local tag of the repository (API 1.41). Credentials come in X-Registry-Auth.
 */
async function push(ctx: DaemonContext, c: Call): Promise<void> {
  const ref = parseReference(c.params[0]!);
  const tag = c.query.get('tag') ?? '';
  const repo = repositoryName(ref);
  let targets: string[];
  if (tag) targets = [formatReference(parseReference(`${repo}:${tag}`))];
  else if (ref.tag && c.params[0]!.slice(c.params[0]!.lastIndexOf('/') + 1).includes(':')) targets = [formatReference(ref)];
  else targets = (await ctx.engine.store.index.entries()).map(nameOf).filter((n): n is string => !!n && !n.includes('@') && repositoryName(parseReference(n)) === repo).sort();
  if (targets.length === 0) throw new SkiffError('IMAGE_NOT_FOUND', `An image does not exist locally with the tag: ${familiarString(ref)}`, 'tag an image with that name first');
  // Nothing is streamed before the first image is known to exist: a missing one is a plain 404.
  for (const t of targets) {
    await ctx.engine.images.resolve(t).catch((e: unknown) => {
      if (isSkiffError(e, 'IMAGE_NOT_FOUND')) throw new SkiffError('IMAGE_NOT_FOUND', `An image does not exist locally with the tag: ${familiarString(parseReference(t))}`, `tag an image with that name first: docker tag IMAGE ${familiarString(parseReference(t))}`);
      throw e;
    });
  }
  const credentials = registryAuth(c.headers['x-registry-auth']);
  const res = c.stream(200, { 'Content-Type': 'application/json' });
  const write = (m: PushMessage) => res.write(JSON.stringify(m) + '\n');
  write({ status: `The push refers to repository [${repo}]` });
  const pusher = new Pusher(ctx.engine.store, ctx.engine.events);
  try {
    for (const t of targets) {
      const progress = new PushProgress(t);
      const off = ctx.engine.events.on((e) => progress.map(e).forEach(write));
      try {
        const r = await pusher.push(t, { ...(credentials ? { credentials } : {}), insecureRegistries: ctx.insecureRegistries, signal: c.gone });
        PushProgress.finished(r).forEach(write);
      } finally {
        off();
      }
    }
  } catch (e) {
    const message = e instanceof SkiffError ? e.message : describeError(e);
    write({ errorDetail: { message }, error: message });
  } finally {
    res.end();
  }
}

/**
 * `POST /auth` {username, password, serveraddress}: `docker login` asks the daemon to check the
 * credentials against the registry (its /v2/ challenge); the CLI then stores them itself.
 */
async function auth(ctx: DaemonContext, c: Call) {
  const body = (await c.json<{ username?: string; password?: string; serveraddress?: string }>()) ?? {};
  if (!body.username || !body.password) throw new SkiffError('USAGE', 'username and password are required', 'docker login -u USER');
  const server = (body.serveraddress ?? '').replace(/^https?:\/\//, '').replace(/\/.*$/, '') || 'docker.io';
  const domain = ['index.docker.io', 'registry-1.docker.io'].includes(server) ? 'docker.io' : server;
  try {
    await checkLogin(registryOrigin(domain, ctx.insecureRegistries, body.serveraddress?.startsWith('http://')), { username: body.username, password: body.password });
  } catch (e) {
    if (isSkiffError(e, 'UNAUTHORIZED')) throw new HttpError(401, e.message);
    throw e;
  }
  return { status: 200, json: { Status: 'Login Succeeded', IdentityToken: '' } };
}

export function imageRoutes(ctx: DaemonContext): Route[] {
  const resolve = async (name: string) => (await ctx.engine.images.resolve(name)).image;
  return [
    { method: 'GET', path: '/images/json', handler: async (c) => ({ status: 200, json: await imageSummaries(ctx, undefined, filtersParam(c.query)) }) },
    {
      method: 'POST',
      path: '/images/create',
      handler: (c) => (c.query.has('fromSrc') ? importTar(ctx, c, c.request) : pull(ctx, c)),
    },
    {
      method: 'POST',
      path: '/images/prune',
      async handler(c) {
        const f = filtersParam(c.query);
        const all = f.dangling?.at(-1) === 'false' || f.dangling?.at(-1) === '0';
        const r = await ctx.engine.images.prune({ all });
        return { status: 200, json: { ImagesDeleted: r.deleted.length ? r.deleted.map((d) => ({ Deleted: d })) : null, SpaceReclaimed: r.reclaimed } };
      },
    },
    { method: 'GET', path: '/images/{name*}/json', handler: async (c) => ({ status: 200, json: inspect(ctx, await resolve(c.params[0]!)) }) },
    { method: 'GET', path: '/images/{name*}/history', handler: async (c) => ({ status: 200, json: history(await resolve(c.params[0]!)) }) },
    {
      method: 'POST',
      path: '/images/{name*}/tag',
      async handler(c) {
        const repo = c.query.get('repo') ?? '';
        if (!repo) throw new SkiffError('USAGE', 'repository name (repo) is required', 'e.g. tag?repo=learner/box&tag=1');
        const tag = c.query.get('tag');
        await ctx.engine.images.tag(c.params[0]!, tag ? `${repo}:${tag}` : repo);
        return { status: 201 };
      },
    },
    {
      method: 'POST',
      path: '/images/{name*}/push',
      handler: (c) => push(ctx, c),
    },
    { method: 'POST', path: '/auth', handler: (c) => auth(ctx, c) },
    { method: 'DELETE', path: '/images/{name*}', handler: async (c) => ({ status: 200, json: await ctx.engine.images.remove(c.params[0]!, { force: flag(c.query, 'force') }) }) },
  ];
}
