// The build endpoints: `POST /build` (the classic builder: the context tar as the body, Docker's
// JSON stream back — what `DOCKER_BUILDKIT=0 docker build` speaks; `_ping` says Builder-Version 1)
// and `POST /commit` (a container's changes as an image).
import { buildArchive, type BuildRequest, engineBuildDeps } from '../../engine/build/index.ts';
import { buildMessages, type MessageSink } from '../../engine/build/stream.ts';
import { SkiffError } from '../../engine/errors.ts';
import { commitContainer } from '../../engine/image/commit.ts';
import type { ContainerConfig } from '../../engine/containers/types.ts';
import { familiarString, formatReference, parseReference } from '../../engine/reference.ts';
import type { Credentials } from '../../engine/registry/auth.ts';
import { hostPlatform } from '../../engine/registry/platform.ts';
import type { DaemonContext } from '../context.ts';
import { PullProgress } from '../pull-progress.ts';
import type { Call, Route } from '../router.ts';
import { flag } from '../wire.ts';

/** A JSON object parameter (buildargs, labels); `null` values are kept (a build arg taken from its default). */
function jsonParam<T>(c: Call, name: string): Record<string, T> | undefined {
  const raw = c.query.get(name);
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    if (v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, T>;
  } catch {
    throw new SkiffError('USAGE', `invalid ${name}: want a JSON object`, `e.g. ${name}={"KEY":"value"}`);
  }
}

/** X-Registry-Config: base64 JSON of registry → credentials, for FROM images that must be pulled. */
function registryConfig(header: string | string[] | undefined): Record<string, Credentials> {
  if (typeof header !== 'string' || !header) return {};
  try {
    const all = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, { username?: string; password?: string }>;
    const out: Record<string, Credentials> = {};
    for (const [k, v] of Object.entries(all)) if (v?.username && v.password) out[k] = { username: v.username, password: v.password };
    return out;
  } catch {
    return {};
  }
}

function request(c: Call): BuildRequest & { quiet: boolean } {
  if (c.query.get('version') === '2') throw new SkiffError('UNSUPPORTED', 'BuildKit is not available: this daemon has the classic builder only (Builder-Version 1)', 'build with DOCKER_BUILDKIT=0');
  if (c.query.get('remote')) throw new SkiffError('UNSUPPORTED', 'building from a remote context (a URL or git repository) is not supported', 'clone or download it, then build the directory');
  if (c.query.get('target')) throw new SkiffError('UNSUPPORTED', '--target is not supported by Skiff\'s builder yet', 'build the whole Dockerfile');
  const platform = c.query.get('platform');
  const host = hostPlatform();
  if (platform && !platform.startsWith(`linux/${host.architecture}`)) throw new SkiffError('UNSUPPORTED', `--platform ${platform}: this host builds linux/${host.architecture} images only`, 'leave out --platform');
  const buildArgs = jsonParam<string | null>(c, 'buildargs');
  const labels = jsonParam<string>(c, 'labels');
  const network = c.query.get('networkmode');
  return {
    tags: c.query.getAll('t').filter(Boolean),
    dockerfile: c.query.get('dockerfile') || 'Dockerfile',
    ...(buildArgs ? { buildArgs } : {}),
    ...(labels ? { labels } : {}),
    noCache: flag(c.query, 'nocache'),
    pull: flag(c.query, 'pull'),
    ...(network && network !== 'default' ? { networkMode: network } : {}),
    quiet: flag(c.query, 'q'),
    signal: c.gone,
  };
}

async function build(ctx: DaemonContext, c: Call): Promise<void> {
  const { quiet, ...req } = request(c);
  for (const t of req.tags ?? []) parseReference(t); // a bad -t fails before the context is read
  const creds = registryConfig(c.headers['x-registry-config']);
  // A FROM image that is not here is pulled, its progress in the same stream (as dockerd does).
  const deps = engineBuildDeps(ctx.engine, async (ref, out) => {
    const r = parseReference(ref);
    const progress = new PullProgress(formatReference(r), r.path, r.digest ?? r.tag ?? 'latest');
    const say = (m: object) => (out as MessageSink).message?.(m);
    const off = ctx.engine.events.on((e) => progress.map(e).forEach(say));
    try {
      const credentials = creds[r.domain] ?? (r.domain === 'docker.io' ? creds['https://index.docker.io/v1/'] : undefined);
      const result = await ctx.engine.pull(ref, { insecureRegistries: ctx.insecureRegistries, signal: c.gone, ...(credentials ? { credentials } : {}) });
      PullProgress.finished(result, familiarString(r)).forEach(say);
    } finally {
      off();
    }
  });
  const messages = buildMessages((sink) => buildArchive(deps, ctx.engine.store.root, c.request, req, sink), { quiet });
  // The first message decides: a failure before it is an HTTP error (400 for a bad Dockerfile).
  const first = await messages.next();
  const res = c.stream(200, { 'Content-Type': 'application/json' });
  try {
    if (!first.done) res.write(JSON.stringify(first.value) + '\n');
    for await (const m of messages) res.write(JSON.stringify(m) + '\n');
  } finally {
    res.end();
  }
}

/** `POST /commit?container=&repo=&tag=&comment=&author=&changes=`, the body an optional config. */
async function commit(ctx: DaemonContext, c: Call) {
  const container = c.query.get('container') ?? '';
  if (!container) throw new SkiffError('USAGE', 'the container to commit is required (container=)', 'e.g. commit?container=web&repo=learner/web');
  const repo = c.query.get('repo') ?? '';
  const tag = c.query.get('tag') ?? '';
  if (!repo && tag) throw new SkiffError('USAGE', 'a tag needs a repository (repo=)', 'give repo as well');
  const body = await c.json<ContainerConfig | null>();
  const comment = c.query.get('comment') ?? '';
  const author = c.query.get('author') ?? '';
  const rt = await ctx.runtime();
  const r = await commitContainer({ store: ctx.engine.store, images: ctx.engine.images, containers: rt.containers, events: ctx.engine.events }, container, {
    ...(repo ? { name: tag ? `${repo}:${tag}` : repo } : {}),
    ...(comment ? { comment } : {}), ...(author ? { author } : {}),
    changes: c.query.getAll('changes').filter((x) => x.trim() !== ''),
    ...(body && typeof body === 'object' && !Array.isArray(body) ? { config: body } : {}),
  });
  return { status: 201, json: { Id: r.id } };
}

export function buildRoutes(ctx: DaemonContext): Route[] {
  return [
    { method: 'POST', path: '/build', handler: (c) => build(ctx, c) },
    { method: 'POST', path: '/commit', handler: (c) => commit(ctx, c) },
  ];
}
