import { shortId } from '../../engine/digest.ts';
import { familiarRepository, parseReference } from '../../engine/reference.ts';
import type { Command, CommandContext } from '../command.ts';
import { daemonApi } from '../daemon-api.ts';
import { ago, humanSize, table } from '../format.ts';

interface Listed {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  created?: string;
  size: number;
}

/** From the daemon (GET /images/json), as `docker images` asks; with no daemon, from the store. */
async function listImages(ctx: CommandContext): Promise<Listed[]> {
  const daemon = await daemonApi(ctx);
  if (daemon) {
    return (await daemon.imageList()).map((i) => ({
      id: i.Id, repoTags: i.RepoTags ?? [], repoDigests: i.RepoDigests ?? [], created: new Date(i.Created * 1000).toISOString(), size: i.Size,
    }));
  }
  const engine = await ctx.engine();
  return engine.images.list();
}

export const images: Command = {
  name: 'images',
  aliases: ['image ls', 'image list'],
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  summary: 'List images',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', help: 'Show all images (default hides none: Skiff keeps no intermediate images)' },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Only show image IDs' },
    { name: 'digests', kind: 'bool', help: 'Show digests' },
    { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
  ],
  args: { min: 0, max: 1 },
  async run(ctx, { flags, positionals }) {
    const list = await listImages(ctx);
    const filter = positionals[0] ? parseReference(positionals[0]) : undefined;
    const filterRepo = filter ? familiarRepository(filter) : undefined;
    const filterTag = positionals[0]?.slice(positionals[0].lastIndexOf('/') + 1).includes(':') ? filter?.tag : undefined;
    const noTrunc = flags['no-trunc'] === true;
    const rows: string[][] = [];
    for (const img of list) {
      const id = noTrunc ? img.id : shortId(img.id);
      const tags = img.repoTags.length > 0 ? img.repoTags : ['<none>:<none>'];
      for (const t of tags) {
        const i = t.lastIndexOf(':');
        const repo = t.slice(0, i);
        const tag = t.slice(i + 1);
        if (filterRepo && (repo !== filterRepo || (filterTag && tag !== filterTag))) continue;
        const digest = img.repoDigests.find((d) => d.startsWith(repo + '@'))?.split('@')[1] ?? '<none>';
        rows.push([repo, tag, ...(flags.digests ? [digest] : []), id, ago(img.created), humanSize(img.size)]);
      }
    }
    if (flags.quiet) {
      ctx.out.write([...new Set(rows.map((r) => r[flags.digests ? 3 : 2]!))].map((l) => l + '\n').join(''));
      return;
    }
    ctx.out.write(table(['REPOSITORY', 'TAG', ...(flags.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'], rows));
  },
};
