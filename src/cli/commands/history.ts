import { shortId } from '../../engine/digest.ts';
import { type HistoryRow, historyRows } from '../../engine/image/inspect.ts';
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
    const id = (r: HistoryRow) => (r.id === '<missing>' ? r.id : noTrunc ? r.id : shortId(r.id));
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

/** From the daemon (GET /images/NAME/history), as `docker history` asks; with no daemon, from the store. */
async function historyOf(ctx: CommandContext, name: string): Promise<HistoryRow[]> {
  const daemon = await daemonApi(ctx);
  if (daemon) {
    return (await daemon.imageHistory(name)).map((h) => ({
      id: h.Id, ...(h.Created > 0 ? { created: new Date(h.Created * 1000).toISOString() } : {}), createdBy: h.CreatedBy, size: h.Size, comment: h.Comment, tags: h.Tags,
    }));
  }
  const { image } = await (await ctx.engine()).images.resolve(name);
  return historyRows(image);
}
