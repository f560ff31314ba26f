import { familiarString, formatReference, parseReference } from '../../engine/reference.ts';
import { parsePlatform } from '../../engine/registry/platform.ts';
import { type Command, str } from '../command.ts';
import { credentialsFor, registryAuthFor } from '../credentials.ts';
import { daemonApi } from '../daemon-api.ts';
import { JsonProgress, PullProgress } from '../progress.ts';

/** Did the user write a tag or digest, or will `latest` be assumed? */
function namesTagOrDigest(input: string): boolean {
  return input.includes('@') || input.slice(input.lastIndexOf('/') + 1).includes(':');
}

export const pull: Command = {
  name: 'pull',
  aliases: ['image pull'],
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  summary: 'Download an image from a registry',
  flags: [
    { name: 'platform', kind: 'string', help: 'Pull for this platform instead of this host\'s (e.g. linux/arm64)', placeholder: 'os/arch' },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Print only the image name' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, { flags, positionals }) {
    const input = positionals[0]!;
    const ref = parseReference(input);
    const platform = str(flags.platform) ? parsePlatform(str(flags.platform)!) : undefined;
    const quiet = flags.quiet === true;
    // The client asks, the daemon pulls (as `docker pull` does): the daemon's registry mirrors and
    // its offline registry (Docker Hub images, when Docker Hub cannot be reached) take part. With
    // no daemon — or --trace, --insecure-registry, which concern this process — it pulls here.
    const daemon = ctx.trace || ctx.insecureRegistries.length ? undefined : await daemonApi(ctx);
    if (!quiet && !namesTagOrDigest(input)) ctx.out.write('Using default tag: latest\n');
    if (daemon) {
      const progress = new JsonProgress(ctx.out);
      const registryAuth = registryAuthFor(ref.domain);
      for await (const m of daemon.imagePull(formatReference(ref), { ...(registryAuth ? { registryAuth } : {}), ...(str(flags.platform) ? { platform: str(flags.platform)! } : {}), signal: ctx.signal })) {
        if (!quiet) progress.onMessage(m);
      }
      ctx.out.write(`${formatReference(ref)}\n`);
      return;
    }
    // Docker Hub images fall back to the offline registry the data root's daemon serves (when
    // Docker Hub cannot be reached): make sure that daemon runs. Without one (not root), no fallback.
    if (!daemon && ref.domain === 'docker.io') await ctx.api().catch(() => undefined);
    const engine = await ctx.engine();
    const shown = familiarString(ref);
    if (!quiet) ctx.out.write(`${ref.digest ?? ref.tag}: Pulling from ${ref.path}\n`);
    const progress = new PullProgress(ctx.out);
    const off = engine.events.on((e) => {
      if (!quiet) progress.onEvent(e);
    });
    try {
      const result = await engine.pull(input, { platform, credentials: credentialsFor(ref.domain), insecureRegistries: ctx.insecureRegistries, signal: ctx.signal });
      if (!quiet) {
        ctx.out.write(`Digest: ${result.manifestDigest}\n`);
        ctx.out.write(result.upToDate ? `Status: Image is up to date for ${shown}\n` : `Status: Downloaded newer image for ${shown}\n`);
      }
      ctx.out.write(`${result.ref}\n`);
    } finally {
      off();
    }
  },
};
