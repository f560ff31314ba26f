import type { SystemDf } from '../../client/http.ts';
import { shortId } from '../../engine/digest.ts';
import type { Command } from '../command.ts';
import { daemonApi } from '../daemon-api.ts';
import { humanSize, table } from '../format.ts';

const pct = (part: number, whole: number) => (whole > 0 ? ` (${Math.round((part / whole) * 100)}%)` : '');

/** `docker system df` from the daemon's GET /system/df: images, containers, volumes. */
function dfTable(d: SystemDf, verbose: boolean): string {
  const images = d.Images ?? [];
  const containers = d.Containers ?? [];
  const volumes = d.Volumes ?? [];
  const activeImages = images.filter((i) => i.Containers > 0);
  const imagesSize = d.LayersSize;
  // As docker/cli counts it: all layers less what the images in use hold on their own.
  const reclaimImages = Math.max(0, imagesSize - activeImages.reduce((n, i) => n + i.Size - Math.max(0, i.SharedSize), 0));
  const rw = (c: SystemDf['Containers'][number]) => Math.max(0, c.SizeRw ?? 0);
  const running = containers.filter((c) => c.State === 'running');
  const vsize = (v: SystemDf['Volumes'][number]) => Math.max(0, v.UsageData?.Size ?? 0);
  const activeVolumes = volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0);
  const cSize = containers.reduce((n, c) => n + rw(c), 0);
  const cReclaim = containers.filter((c) => c.State !== 'running').reduce((n, c) => n + rw(c), 0);
  const vSize = volumes.reduce((n, v) => n + vsize(v), 0);
  const vReclaim = volumes.filter((v) => (v.UsageData?.RefCount ?? 0) === 0).reduce((n, v) => n + vsize(v), 0);
  let out = table(['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], [
    ['Images', String(images.length), String(activeImages.length), humanSize(imagesSize), humanSize(reclaimImages) + pct(reclaimImages, imagesSize)],
    ['Containers', String(containers.length), String(running.length), humanSize(cSize), humanSize(cReclaim) + pct(cReclaim, cSize)],
    ['Local Volumes', String(volumes.length), String(activeVolumes.length), humanSize(vSize), humanSize(vReclaim) + pct(vReclaim, vSize)],
  ]);
  if (verbose) {
    out += '\nImages space usage:\n\n';
    out += table(['REPOSITORY:TAG', 'IMAGE ID', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'],
      images.map((i) => [(i.RepoTags ?? []).join(', ') || '<none>:<none>', shortId(i.Id), humanSize(i.Size), humanSize(Math.max(0, i.SharedSize)), humanSize(i.Size - Math.max(0, i.SharedSize)), String(i.Containers)]));
  }
  return out;
}

export const df: Command = {
  name: 'system df',
  usage: '[OPTIONS]',
  summary: 'Show how much space images, containers and volumes take',
  flags: [{ name: 'verbose', short: 'v', kind: 'bool', help: 'Show each image' }],
  args: { min: 0, max: 0 },
  async run(ctx, { flags }) {
    const daemon = await daemonApi(ctx);
    if (daemon) {
      ctx.out.write(dfTable(await daemon.systemDf(), flags.verbose === true));
      return;
    }
    // No daemon to ask: the image store alone.
    const engine = await ctx.engine();
    const u = await engine.images.df();
    ctx.out.write(table(['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], [
      ['Images', String(u.images.total), String(u.images.active), humanSize(u.images.size), humanSize(u.images.reclaimable) + pct(u.images.reclaimable, u.images.size)],
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
    const all = flags.all === true;
    const daemon = await daemonApi(ctx);
    const r = daemon ? await daemon.imagePrune(all) : await (await ctx.engine()).images.prune({ all });
    if (r.deleted.length > 0) ctx.out.write(`Deleted Images:\n${r.deleted.map((d) => `deleted: ${d}\n`).join('')}\n`);
    ctx.out.write(`Total reclaimed space: ${humanSize(r.reclaimed)}\n`);
  },
};
