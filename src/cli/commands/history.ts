import { shortId } from '../../engine/digest.ts';
import type { Command } from '../command.ts';
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
    const engine = await ctx.engine();
    const { image } = await engine.images.resolve(positionals[0]!);
    const entries = image.config.history?.length ? image.config.history : image.chainIds.map(() => ({ created_by: '', empty_layer: false, created: undefined, comment: undefined }));
    // Each history entry that made a layer takes the next layer's size; the others are 0B.
    let layer = 0;
    const rows = entries.map((h) => {
      const size = h.empty_layer ? 0 : (image.layerSizes[layer++] ?? 0);
      return { h, size };
    }).reverse();
    const noTrunc = flags['no-trunc'] === true;
    if (flags.quiet) {
      ctx.out.write(rows.map((_, i) => (i === 0 ? (noTrunc ? image.id : shortId(image.id)) : '<missing>') + '\n').join(''));
      return;
    }
    ctx.out.write(table(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], rows.map(({ h, size }, i) => [
      i === 0 ? (noTrunc ? image.id : shortId(image.id)) : '<missing>',
      ago(h.created),
      noTrunc ? (h.created_by ?? '') : ellipsis((h.created_by ?? '').replace(/\s+/g, ' '), 45),
      humanSize(size),
      h.comment ?? '',
    ])));
  },
};
