import { isSkiffError, SkiffError } from '../../engine/errors.ts';
import { imageInspectView } from '../../engine/image/inspect.ts';
import type { Command, CommandContext } from '../command.ts';
import { daemonApi } from '../daemon-api.ts';

type ObjectType = 'container' | 'image';

/** Errors that mean "this engine cannot look at containers here" (not root, no init built...). */
const NO_RUNTIME = ['PERMISSION', 'RUNTIME', 'UNSUPPORTED'] as const;

/**
 * One object by name: a container first, then an image (docker/cli inspect.go), or only the
 * type asked for. Neither → "No such object".
 */
async function inspectOne(ctx: CommandContext, name: string, type: ObjectType | undefined): Promise<object> {
  if (type !== 'image') {
    try {
      return await (await ctx.api()).containerInspect(name);
    } catch (e) {
      if (type === 'container' || !(isSkiffError(e, 'CONTAINER_NOT_FOUND') || NO_RUNTIME.some((c) => isSkiffError(e, c)))) throw e;
    }
  }
  try {
    // The daemon's view (GET /images/NAME/json), as `docker inspect` asks; with no daemon, the store's.
    const daemon = await daemonApi(ctx);
    if (daemon) return await daemon.imageInspect(name);
    const engine = await ctx.engine();
    const { image } = await engine.images.resolve(name);
    return imageInspectView(image, engine.store.root, image.chainIds.map((c) => engine.store.layers.diffDir(c)));
  } catch (e) {
    if (type === 'image' || !isSkiffError(e, 'IMAGE_NOT_FOUND')) throw e;
    throw new SkiffError('IMAGE_NOT_FOUND', `No such object: ${name}`, 'no container or image has that name; see: ps -a, images');
  }
}

function inspectCommand(name: string, aliases: string[], type: ObjectType | undefined, summary: string): Command {
  return {
    name,
    aliases,
    usage: `[OPTIONS] ${type === undefined ? 'NAME|ID' : type.toUpperCase()} [${type === undefined ? 'NAME|ID' : type.toUpperCase()}...]`,
    summary,
    flags: [
      { name: 'format', short: 'f', kind: 'string', help: 'Print one field, e.g. {{.Id}}, {{.State.Status}} or {{.Config.Cmd}}', placeholder: 'template' },
      ...(type === undefined ? [{ name: 'type', kind: 'string' as const, help: 'Only inspect objects of this type: container or image' }] : []),
    ],
    args: { min: 1 },
    async run(ctx, { flags, positionals }) {
      const asked = typeof flags.type === 'string' ? flags.type : undefined;
      if (asked !== undefined && asked !== 'container' && asked !== 'image') {
        throw new SkiffError('USAGE', `"${asked}" is not a valid value for --type`, 'use --type container or --type image');
      }
      const views: object[] = [];
      let failed = false;
      for (const n of positionals) {
        try {
          views.push(await inspectOne(ctx, n, type ?? (asked as ObjectType | undefined)));
        } catch (e) {
          if (ctx.signal.aborted) throw e;
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
}

export const inspect = inspectCommand('inspect', [], undefined, 'Return low-level information on containers or images as JSON');
export const containerInspect = inspectCommand('container inspect', [], 'container', 'Display detailed information on one or more containers');
export const imageInspect = inspectCommand('image inspect', [], 'image', 'Display detailed information on one or more images');

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
