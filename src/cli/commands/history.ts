import { shortId } from '../../engine/digest.ts';
import type { Command, CommandContext } from '../command.ts';
import { daemonApi } from '../daemon-api.ts';
import { ago, ellipsis, humanSize, table } from '../format.ts';

export const history: Command = {
  name: 'history',
  aliases: ['image history'],
  usage: '[OPTIONS] IMAGE',
  summary: 'Show the history of an image: the instruction behind each layer',
  flags: [
    { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Only show image IDs' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, { flags, positionals }) {
    const rows = await historyOf(ctx, positionals[0]!);
    const noTrunc = flags['no-trunc'] === true;
    const id = (r: Row) => (r.id === '<missing>' ? r.id : noTrunc ? r.id : shortId(r.id));
    if (flags.quiet) {
      ctx.out.write(rows.map((r) => `${id(r)}\n`).join(''));
      return;
    }
    ctx.out.write(table(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], rows.map((r) => [
      id(r),
      ago(r.created),
      noTrunc ? r.createdBy : ellipsis(r.createdBy.replace(/\s+/g, ' '), 45),
      humanSize(r.size),
      r.comment,
    ])));
  },
};

interface Row {
  id: string;
  created?: string;
  createdBy: string;
  size: number;
  comment: string;
}

/** Newest first: from the daemon (GET /images/NAME/history), as `docker history` asks; with no
 *  daemon, from the store — each history entry that made a layer takes the next layer's size. */
async function historyOf(ctx: CommandContext, name: string): Promise<Row[]> {
  const daemon = await daemonApi(ctx);
  if (daemon) {
    return (await daemon.imageHistory(name)).map((h) => ({
      id: h.Id, ...(h.Created > 0 ? { created: new Date(h.Created * 1000).toISOString() } : {}), createdBy: h.CreatedBy, size: h.Size, comment: h.Comment,
    }));
  }
  const engine = await ctx.engine();
  const { image } = await engine.images.resolve(name);
  const entries = image.config.history?.length ? image.config.history : image.chainIds.map(() => ({ created_by: '', empty_layer: false, created: undefined, comment: undefined }));
  let layer = 0;
  const rows = entries.map((h) => ({ h, size: h.empty_layer ? 0 : (image.layerSizes[layer++] ?? 0) })).reverse();
  return rows.map(({ h, size }, i) => ({
    id: i === 0 ? image.id : '<missing>', ...(h.created ? { created: h.created } : {}), createdBy: h.created_by ?? '', size, comment: h.comment ?? '',
  }));
}
