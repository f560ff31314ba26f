// `skiff push NAME[:TAG]`: the daemon sends a local image to its registry (POST /images/NAME/push);
// with no daemon, or a client --insecure-registry, this process does. Either way it prints
// what `docker push` prints — one line per layer, named by the layer's DiffID:
//   The push refers to repository [127.0.0.1:5000/learner/app]
//   3f4d90098f5b: Pushed            (or: Layer already exists / Mounted from learner/base)
//   1: digest: sha256:… size: 528
import { shortId } from '../../engine/digest.ts';
import type { EngineEvent, PushPhase } from '../../engine/events.ts';
import { Pusher } from '../../engine/image/push.ts';
import { nameOf } from '../../engine/image/names.ts';
import { formatReference, parseReference, repositoryName } from '../../engine/reference.ts';
import type { Command, Output } from '../command.ts';
import { credentialsFor, registryAuthFor } from '../credentials.ts';
import { daemonApi } from '../daemon-api.ts';
import { JsonProgress, LayerLines } from '../progress.ts';
import { humanSize } from '../format.ts';

const WORDS: Record<PushPhase, string> = {
  preparing: 'Preparing',
  waiting: 'Waiting',
  pushing: 'Pushing',
  pushed: 'Pushed',
  exists: 'Layer already exists',
  mounted: 'Mounted from',
  failed: 'Failed',
};

/** The layer lines of one push, from the engine's push events in this process. */
export class PushProgress {
  private readonly board: LayerLines;
  private pushId?: string;

  constructor(private readonly out: Output) {
    this.board = new LayerLines(out);
  }

  onEvent(e: EngineEvent): void {
    if (e.type === 'push.start') this.pushId ??= e.pushId;
    if (e.type !== 'push.layer' || e.pushId !== this.pushId || e.kind !== 'layer') return;
    const id = shortId(e.diffId ?? e.digest);
    const word = e.phase === 'mounted' ? `Mounted from ${e.from}` : WORDS[e.phase];
    this.board.set(id, word, e.phase === 'pushing' && e.current > 0 ? `${id}: Pushing ${humanSize(e.current)}/${humanSize(e.total)}` : `${id}: ${word}${e.error ? `: ${e.error}` : ''}`);
  }
}

export const push: Command = {
  name: 'push',
  aliases: ['image push'],
  usage: '[OPTIONS] NAME[:TAG]',
  summary: 'Upload an image to a registry',
  flags: [
    { name: 'all-tags', short: 'a', kind: 'bool', help: 'Push all local tags of the repository' },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Suppress verbose output' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, { flags, positionals }) {
    const input = positionals[0]!;
    const ref = parseReference(input);
    const quiet = flags.quiet === true;
    const all = flags['all-tags'] === true;
    const daemon = ctx.insecureRegistries.length ? undefined : await daemonApi(ctx);
    if (daemon) {
      // The daemon pushes (as dockerd does): the repository, with the tag, or every tag of it (-a).
      if (!all && !input.slice(input.lastIndexOf('/') + 1).includes(':') && !quiet) ctx.out.write('Using default tag: latest\n');
      const progress = new JsonProgress(ctx.out);
      const registryAuth = registryAuthFor(ref.domain);
      for await (const m of daemon.imagePush(repositoryName(ref), { ...(all ? {} : { tag: ref.tag ?? 'latest' }), ...(registryAuth ? { registryAuth } : {}), signal: ctx.signal })) {
        if (!quiet) progress.onMessage(m);
      }
      if (quiet) ctx.out.write(`${formatReference(ref)}\n`);
      return;
    }
    const engine = await ctx.engine();
    let targets = [formatReference(ref)];
    if (all) {
      const repo = repositoryName(ref);
      targets = (await engine.store.index.entries()).map(nameOf).filter((n): n is string => !!n && !n.includes('@') && repositoryName(parseReference(n)) === repo).sort();
    } else if (!input.slice(input.lastIndexOf('/') + 1).includes(':') && !quiet) ctx.out.write('Using default tag: latest\n');
    if (!quiet) ctx.out.write(`The push refers to repository [${repositoryName(ref).replace(/^docker\.io\//, 'docker.io/')}]\n`);
    const pusher = new Pusher(engine.store, engine.events);
    for (const target of targets) {
      const progress = new PushProgress(ctx.out);
      const off = engine.events.on((e) => {
        if (!quiet) progress.onEvent(e);
      });
      try {
        const r = await pusher.push(target, { credentials: credentialsFor(ref.domain), insecureRegistries: ctx.insecureRegistries, signal: ctx.signal });
        ctx.out.write(quiet ? `${target}\n` : `${r.tag}: digest: ${r.digest} size: ${r.size}\n`);
      } finally {
        off();
      }
    }
  },
};
