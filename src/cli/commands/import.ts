import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { SkiffError } from '../../engine/errors.ts';
import { importImage } from '../../engine/image/import.ts';
import type { ContainerConfig } from '../../engine/oci.ts';
import type { Command } from '../command.ts';
import { splitCommandLine } from '../args.ts';

/** The `--change` instructions `docker import` accepts that make sense for a rootfs. */
export function applyChanges(changes: string[]): ContainerConfig {
  const cfg: ContainerConfig = {};
  for (const line of changes) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new SkiffError('USAGE', `invalid --change "${line}"`, 'write an instruction and its value, e.g. --change \'CMD ["/bin/sh"]\'');
    const [, op, rest] = m as unknown as [string, string, string];
    const list = () => (rest.trim().startsWith('[') ? (JSON.parse(rest) as string[]) : ['/bin/sh', '-c', rest]);
    switch (op.toUpperCase()) {
      case 'CMD': cfg.Cmd = list(); break;
      case 'ENTRYPOINT': cfg.Entrypoint = list(); break;
      case 'ENV': {
        const parts = rest.includes('=') ? splitCommandLine(rest) : [rest.replace(/\s+/, '=')];
        cfg.Env = [...(cfg.Env ?? []), ...parts];
        break;
      }
      case 'WORKDIR': cfg.WorkingDir = rest.trim(); break;
      case 'USER': cfg.User = rest.trim(); break;
      case 'EXPOSE': for (const p of rest.trim().split(/\s+/)) (cfg.ExposedPorts ??= {})[p.includes('/') ? p : `${p}/tcp`] = {}; break;
      case 'LABEL': for (const kv of splitCommandLine(rest)) { const i = kv.indexOf('='); (cfg.Labels ??= {})[kv.slice(0, i)] = kv.slice(i + 1); } break;
      case 'VOLUME': for (const v of rest.trim().startsWith('[') ? (JSON.parse(rest) as string[]) : rest.trim().split(/\s+/)) (cfg.Volumes ??= {})[v] = {}; break;
      default: throw new SkiffError('USAGE', `--change ${op} is not supported by import`, 'use CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL or VOLUME');
    }
  }
  return cfg;
}

export const importCmd: Command = {
  name: 'import',
  aliases: ['image import'],
  usage: '[OPTIONS] file|- [REPOSITORY[:TAG]]',
  summary: 'Make an image from a tarball of a root filesystem (no registry needed)',
  flags: [
    { name: 'change', short: 'c', kind: 'list', help: 'Apply a Dockerfile instruction to the image config, e.g. CMD ["/bin/sh"]', placeholder: 'instruction' },
    { name: 'message', short: 'm', kind: 'string', help: 'Set a commit message for the image', placeholder: 'text' },
  ],
  args: { min: 1, max: 2 },
  async run(ctx, { flags, positionals }) {
    const file = positionals[0]!;
    const config = applyChanges((flags.change as string[] | undefined) ?? []);
    const source = file === '-' ? Readable.from(ctx.stdin as AsyncIterable<Buffer>) : createReadStream(file);
    if (file !== '-') {
      await new Promise<void>((resolve, reject) => {
        (source as ReturnType<typeof createReadStream>).once('open', () => resolve()).once('error', (e: NodeJS.ErrnoException) =>
          reject(new SkiffError('USAGE', `cannot open ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, 'give the path of a tar file, or - to read standard input')));
      });
    }
    const engine = await ctx.engine();
    const result = await importImage(engine.store, source, positionals[1], { config, createdBy: `skiff import ${file}`, comment: typeof flags.message === 'string' ? flags.message : undefined });
    ctx.out.write(`${result.imageId}\n`);
  },
};
