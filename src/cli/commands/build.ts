// `build`: the docker CLI's classic build. The client packs the context directory into a tar (what
// .dockerignore leaves out is never sent), sends it to the engine with the options, and prints the
// engine's stream as it comes: `Step N/M`, each RUN's output, ` ---> <id>`. A failing RUN's exit
// code becomes ours, as with `docker build`.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BuildMessage, BuildQuery } from '../../client/api.ts';
import { packContext } from '../../engine/build/archive.ts';
import { SkiffError } from '../../engine/errors.ts';
import { packTar, type TarItem } from '../../engine/image/commit.ts';
import { parseReference } from '../../engine/reference.ts';
import { type Command, type CommandContext, str } from '../command.ts';
import { humanSize } from '../format.ts';

/** `--build-arg K=V`, or `K` alone: the value of K in this environment (null when unset). */
export function buildArgs(list: string[], env: NodeJS.ProcessEnv = process.env): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const a of list) {
    const i = a.indexOf('=');
    if (i === 0) throw new SkiffError('USAGE', `invalid --build-arg "${a}"`, 'write --build-arg NAME=value');
    if (i > 0) out[a.slice(0, i)] = a.slice(i + 1);
    else out[a] = env[a] ?? null;
  }
  return out;
}

function labels(list: string[]): Record<string, string> {
  return Object.fromEntries(list.map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])));
}

/** Where the Dockerfile is: inside the context it is named by its path there; outside (or `-f -`)
 *  it is sent along under a name of its own, as the docker CLI does. */
function dockerfileOf(ctx: CommandContext, dir: string, file: string | undefined): { name: string; extra?: TarItem; read?: Promise<Buffer> } {
  if (file === '-') {
    const name = `.dockerfile.${randomBytes(10).toString('hex')}`;
    const read = (async () => {
      const chunks: Buffer[] = [];
      for await (const c of ctx.stdin as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
      return Buffer.concat(chunks);
    })();
    return { name, read };
  }
  const abs = path.resolve(file ?? path.join(dir, 'Dockerfile'));
  const rel = path.relative(dir, abs);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) return { name: rel.split(path.sep).join('/') };
  let data: Buffer;
  try {
    data = fs.readFileSync(abs);
  } catch {
    throw new SkiffError('USAGE', `unable to prepare context: the Dockerfile ${abs} cannot be read`, 'check the -f path');
  }
  const name = `.dockerfile.${randomBytes(10).toString('hex')}`;
  return { name, extra: { header: { name, type: 'file', mode: 0o644, mtime: new Date() }, data } };
}

export const build: Command = {
  name: 'build',
  aliases: ['image build'],
  usage: '[OPTIONS] PATH',
  summary: 'Build an image from a Dockerfile',
  flags: [
    { name: 'tag', short: 't', kind: 'list', help: "Name and optionally a tag in the 'name:tag' format", placeholder: 'name:tag' },
    { name: 'file', short: 'f', kind: 'string', help: "Name of the Dockerfile (default: 'PATH/Dockerfile'; - reads it from stdin)", placeholder: 'path' },
    { name: 'build-arg', kind: 'list', help: 'Set build-time variables (ARG)', placeholder: 'K=V' },
    { name: 'label', kind: 'list', help: 'Set metadata for an image', placeholder: 'K=V' },
    { name: 'no-cache', kind: 'bool', help: 'Do not use cache when building the image' },
    { name: 'pull', kind: 'bool', help: 'Always attempt to pull a newer version of the FROM images' },
    { name: 'quiet', short: 'q', kind: 'bool', help: 'Suppress the build output and print the image ID on success' },
    { name: 'network', kind: 'string', help: 'The network of the RUN instructions (none, host, bridge)', placeholder: 'mode' },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, { flags, positionals }) {
    const dir = path.resolve(positionals[0]!);
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      throw new SkiffError('USAGE', `unable to prepare context: path "${positionals[0]}" not found`, 'give the directory to build, e.g. build -t app .');
    }
    const quiet = flags.quiet === true;
    const tags = (flags.tag as string[] | undefined) ?? [];
    for (const t of tags) parseReference(t); // refuse a bad name before sending anything
    const df = dockerfileOf(ctx, dir, str(flags.file));
    const packed = packContext(dir, df.name);
    const items = [...packed.items];
    if (df.extra) items.push(df.extra);
    if (df.read) items.push({ header: { name: df.name, type: 'file', mode: 0o644, mtime: new Date() }, data: await df.read });
    const query: BuildQuery = {
      tags, dockerfile: df.name, quiet,
      ...(flags['build-arg'] ? { buildArgs: buildArgs(flags['build-arg'] as string[]) } : {}),
      ...(flags.label ? { labels: labels(flags.label as string[]) } : {}),
      ...(flags['no-cache'] === true ? { noCache: true } : {}),
      ...(flags.pull === true ? { pull: true } : {}),
      ...(str(flags.network) ? { networkMode: str(flags.network)! } : {}),
    };
    const api = await ctx.api();
    if (!api.imageBuild) throw new SkiffError('UNSUPPORTED', 'this engine cannot build images', 'use a Skiff daemon or Docker');
    if (!quiet) ctx.out.write(`Sending build context to Skiff daemon  ${humanSize(packed.bytes)}\n`);
    const shown = new Map<string, string>(); // pull progress: one line per layer and status
    for await (const m of api.imageBuild(packTar(items), query, ctx.signal) as AsyncIterable<BuildMessage>) {
      if (m.error || m.errorDetail) {
        ctx.err.write(`${m.errorDetail?.message ?? m.error}\n`);
        return m.errorDetail?.code || 1;
      }
      if (m.stream) ctx.out.write(m.stream);
      else if (m.status && shown.get(m.id ?? '') !== m.status) {
        shown.set(m.id ?? '', m.status);
        ctx.out.write(`${m.id ? `${m.id}: ` : ''}${m.status}\n`);
      }
    }
    return 0; // with -q the engine's stream is the image ID alone
  },
};
