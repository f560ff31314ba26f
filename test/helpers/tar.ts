// Builds tar archives in memory with tar-stream, for tests: every layer a test unpacks is made by
// the test itself, never a committed binary.
import tarStream from 'tar-stream';

export type TarEntry = Partial<tarStream.Header> & { name: string; data?: string | Buffer; pax?: Record<string, string> };

export async function makeTar(entries: TarEntry[], opts: { noEnd?: boolean } = {}): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => pack.on('end', resolve).on('error', reject));
  for (const { data, ...h } of entries) {
    const body = data === undefined ? undefined : Buffer.isBuffer(data) ? data : Buffer.from(data);
    await new Promise<void>((resolve, reject) =>
      pack.entry({ mtime: new Date(1_700_000_000_000), uid: 0, gid: 0, mode: h.type === 'directory' ? 0o755 : 0o644, ...h, size: body?.length ?? 0 } as tarStream.Header, body ?? Buffer.alloc(0), (e) => (e ? reject(e) : resolve())));
  }
  pack.finalize();
  await done;
  const all = Buffer.concat(chunks);
  return opts.noEnd ? all.subarray(0, all.length - 1024) : all;
}
