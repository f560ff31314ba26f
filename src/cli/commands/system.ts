import { shortId } from '../../engine/digest.ts';
import type { Command } from '../command.ts';
import { humanSize, table } from '../format.ts';

export const df: Command = {
  name: 'system df',
  usage: '[OPTIONS]',
  summary: 'Show how much space images and layers take',
  flags: [{ name: 'verbose', short: 'v', kind: 'bool', help: 'Show each image' }],
  args: { min: 0, max: 0 },
  async run(ctx, { flags }) {
    const engine = await ctx.engine();
    const u = await engine.images.df();
    const pct = u.images.size > 0 ? ` (${Math.round((u.images.reclaimable / u.images.size) * 100)}%)` : '';
    ctx.out.write(table(['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], [
      ['Images', String(u.images.total), String(u.images.active), humanSize(u.images.size), humanSize(u.images.reclaimable) + pct],
      ['Containers', '0', '0', '0B', '0B'],
      ['Local Volumes', '0', '0', '0B', '0B'],
    ]));
    // What Docker does not show: the compressed blobs kept for skopeo/push beside the unpacked layers.
    ctx.out.write(`\nUnpacked layers: ${u.layers.count} (${humanSize(u.layers.size)}); compressed blobs: ${u.blobs.count} (${humanSize(u.blobs.size)})\n`);
    if (flags.verbose) {
      ctx.out.write('\nImages space usage:\n\n');
      ctx.out.write(table(['REPOSITORY:TAG', 'IMAGE ID', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE'],
        u.perImage.map((i) => [i.repoTags.join(', ') || '<none>:<none>', shortId(i.id), humanSize(i.size), humanSize(i.shared), humanSize(i.size - i.shared)])));
    }
  },
};

export const prune: Command = {
  name: 'image prune',
  usage: '[OPTIONS]',
  summary: 'Remove dangling images (with -a, all images not used by a container)',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images, not just dangling ones' },
    { name: 'force', short: 'f', kind: 'bool', help: 'Do not ask for confirmation (Skiff never asks)' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, { flags }) {
    const engine = await ctx.engine();
    const r = await engine.images.prune({ all: flags.all === true });
    if (r.deleted.length > 0) ctx.out.write(`Deleted Images:\n${r.deleted.map((d) => `deleted: ${d}\n`).join('')}\n`);
    ctx.out.write(`Total reclaimed space: ${humanSize(r.reclaimed)}\n`);
  },
};
