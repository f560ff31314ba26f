import type { ImageRecord } from '../../engine/image/service.ts';
import type { Command } from '../command.ts';

/** The shape of Docker's `GET /images/{name}/json`, from what the store really holds. */
export function inspectView(img: ImageRecord, dataRoot: string, layerDirs: string[]): object {
  const c = img.config;
  return {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: img.repoDigests,
    Parent: '',
    Comment: c.history?.at(-1)?.comment ?? '',
    Created: c.created ?? '',
    Author: c.author ?? '',
    Config: c.config ?? {},
    Architecture: c.architecture,
    ...(c.variant ? { Variant: c.variant } : {}),
    Os: c.os,
    Size: img.size,
    GraphDriver: {
      Name: 'overlay2',
      // Overlay lists lowerdirs top first; the store keeps them bottom first.
      Data: { LowerDir: layerDirs.slice(0, -1).reverse().join(':'), UpperDir: layerDirs.at(-1) ?? '', DataRoot: dataRoot },
    },
    RootFS: { Type: 'layers', Layers: c.rootfs.diff_ids },
    Metadata: { LastTagTime: img.entries.map((e) => e.annotations['io.skiff.created']).filter(Boolean).sort().at(-1) ?? '' },
    Skiff: {
      ManifestDigest: img.entries[0]?.digest,
      ManifestMediaType: img.entries[0]?.mediaType,
      Layers: img.manifest.layers.map((l, i) => ({ Digest: l.digest, MediaType: l.mediaType, CompressedSize: l.size, DiffID: c.rootfs.diff_ids[i], ChainID: img.chainIds[i], Size: img.layerSizes[i] })),
    },
  };
}

export const inspect: Command = {
  name: 'inspect',
  aliases: ['image inspect'],
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Show low-level information about images as JSON',
  flags: [{ name: 'format', short: 'f', kind: 'string', help: 'Print one field, e.g. {{.Id}} or {{.Config.Cmd}}', placeholder: 'template' }],
  args: { min: 1 },
  async run(ctx, { flags, positionals }) {
    const engine = await ctx.engine();
    const views: object[] = [];
    let failed = false;
    for (const name of positionals) {
      try {
        const { image } = await engine.images.resolve(name);
        views.push(inspectView(image, engine.store.root, image.chainIds.map((c) => engine.store.layers.diffDir(c))));
      } catch (e) {
        failed = true;
        ctx.err.write(`Error: ${(e as Error).message}\n`);
      }
    }
    const format = typeof flags.format === 'string' ? flags.format : undefined;
    if (format) {
      for (const v of views) ctx.out.write(applyFormat(format, v) + '\n');
    } else {
      ctx.out.write(JSON.stringify(views, null, 4) + '\n');
    }
    return failed ? 1 : 0;
  },
};

/** A small subset of Go templates: `{{.A.B}}` and `{{json .A}}` placeholders in literal text. */
export function applyFormat(format: string, value: object): string {
  return format.replace(/\{\{\s*(json\s+)?\.([A-Za-z0-9_.]*)\s*\}\}/g, (_m, json: string | undefined, path: string) => {
    let v: unknown = value;
    for (const k of path.split('.').filter(Boolean)) v = (v as Record<string, unknown> | undefined)?.[k];
    if (json || (typeof v === 'object' && v !== null && !Array.isArray(v))) return JSON.stringify(v ?? null);
    if (Array.isArray(v)) return `[${v.join(' ')}]`;
    return v === undefined || v === null ? '<no value>' : String(v);
  });
}
