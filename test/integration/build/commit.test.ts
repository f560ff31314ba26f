// `commit` with the real engine, on both storage drivers: a container that added, changed and
// deleted files (and replaced a whole directory) becomes an image whose containers see exactly
// those changes — whiteouts and opaque directories honoured.
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ContainerService } from '../../../src/engine/containers/service.ts';
import { commitContainer, type CommitDeps } from '../../../src/engine/image/commit.ts';
import type { Store } from '../../../src/engine/store/store.ts';
import { canRunContainers, containerSuite, needsRoot, type TestEngine } from '../../helpers/runtime.ts';

/** The entries of a stored layer blob, as `tar -tz` lists them (name, type, link). */
async function layerEntries(store: Store, digest: `sha256:${string}`): Promise<string[]> {
  const ex = tarStream.extract();
  store.content.stream(digest).pipe(createGunzip()).pipe(ex as unknown as NodeJS.WritableStream);
  const out: string[] = [];
  for await (const e of ex) {
    out.push(`${e.header.type === 'directory' ? 'dir' : e.header.type} ${e.header.name}${e.header.linkname ? ` -> ${e.header.linkname}` : ''}`);
    e.resume();
  }
  return out;
}

const EDITS = [
  'echo new > /added',
  'echo changed >> /etc/passwd',
  'rm /etc/group',
  // A whole directory replaced: overlay makes it opaque, the layer says .wh..wh..opq.
  'rm -rf /usr/bin && mkdir /usr/bin && echo only > /usr/bin/only',
  'mkdir -p /var/new/deep && ln /added /added-link',
].join(' && ');

for (const driver of ['overlay', 'vfs'] as const) {
  describe.skipIf(!canRunContainers)(`commit on ${driver} (${needsRoot})`, () => {
    const s = containerSuite({ driver });
    let t: TestEngine;
    let c: ContainerService;
    let deps: CommitDeps;
    beforeAll(() => {
      t = s.t;
      c = s.rt.containers;
      deps = { store: t.engine.store, images: t.engine.images, containers: c, events: t.engine.events };
    });

    async function ran(image: string, cmd: string[]): Promise<{ id: string; out: string }> {
      const { Id } = await c.create({ Image: image, Cmd: cmd });
      await c.start(Id);
      expect((await c.wait(Id)).StatusCode).toBe(0);
      let out = '';
      for await (const e of c.logs(Id, {})) out += e.log;
      return { id: Id, out };
    }

    it('keeps additions, changes and deletions — and nothing of what the runtime mounted', async () => {
      const base = (await t.engine.images.resolve('busybox')).image;
      const edited = await ran('busybox', ['sh', '-c', EDITS]);
      const diff = await c.changes(edited.id);
      const r = await commitContainer(deps, edited.id, { name: 'learner/committed:1', comment: 'my edits', author: 'A Learner <l@example.com>', changes: ['CMD ["cat", "/added"]', 'ENV COMMITTED=yes'] });
      const img = (await t.engine.images.resolve('learner/committed:1')).image;
      expect(img.id).toBe(r.id);
      expect(img.config.rootfs.diff_ids).toEqual([...base.config.rootfs.diff_ids, r.layer!.diffId]);
      expect(img.config.history!.at(-1)).toMatchObject({ created_by: `sh -c ${EDITS}`, comment: 'my edits', author: 'A Learner <l@example.com>' });
      expect(img.config.author).toBe('A Learner <l@example.com>');
      expect(img.config.config).toMatchObject({ Cmd: ['cat', '/added'], Env: expect.arrayContaining(['COMMITTED=yes', expect.stringMatching(/^PATH=/)]) });
      expect(t.events.some((e) => e.type === 'image.commit' && e.imageId === r.id && e.container === edited.id && e.changes === diff.length)).toBe(true);

      const entries = await layerEntries(t.engine.store, r.layer!.descriptor.digest);
      expect(entries).toEqual(expect.arrayContaining(['file added', 'link added-link -> added', 'dir etc', 'file etc/passwd', 'file etc/.wh.group', 'file usr/bin/only', 'dir var/new/deep']));
      if (driver === 'overlay') expect(entries).toContain('file usr/bin/.wh..wh..opq');
      else expect(entries.filter((e) => e.startsWith('file usr/bin/.wh.')).length).toBeGreaterThan(10); // one whiteout per applet link
      // What the runtime put there (hosts, hostname, resolv.conf) is not the container's change.
      expect(entries.filter((e) => /etc\/(hosts|hostname|resolv\.conf)$/.test(e))).toEqual([]);

      // A container of the new image sees exactly those changes.
      const seen = await ran('learner/committed:1', ['sh', '-c', 'cat /added /added-link; tail -n 1 /etc/passwd; ls /etc/group 2>/dev/null || echo no-group; ls /usr/bin; ls -d /var/new/deep; echo $COMMITTED']);
      expect(seen.out).toBe('new\nnew\nchanged\nno-group\nonly\n/var/new/deep\nyes\n');
      expect(await c.changes(seen.id)).toEqual([]);
      // And the image it came from is as it was.
      expect((await ran('busybox', ['sh', '-c', 'ls /added 2>/dev/null || echo clean; ls /etc/group'])).out).toBe('clean\n/etc/group\n');
      await c.remove(seen.id);
      await c.remove(edited.id);
    });

    it('a container that changed nothing commits without a layer (an empty-layer history line)', async () => {
      const base = (await t.engine.images.resolve('busybox')).image;
      const quiet = await ran('busybox', ['true']);
      const r = await commitContainer(deps, quiet.id, {});
      expect(r.layer).toBeUndefined();
      expect(r.name).toBeUndefined();
      const { image } = await t.engine.images.resolve(r.id);
      expect(image.config.rootfs.diff_ids).toEqual(base.config.rootfs.diff_ids);
      expect(image.config.history!.at(-1)).toMatchObject({ created_by: 'true', empty_layer: true });
      // No name: a dangling image, as `docker commit CONTAINER` leaves.
      expect((await t.engine.images.list({ dangling: true })).map((i) => i.id)).toContain(r.id);
      await expect(commitContainer(deps, quiet.id, { name: 'x@sha256:' + '0'.repeat(64) })).rejects.toThrow(/digest/);
      await expect(commitContainer(deps, 'no-such-container', {})).rejects.toThrow(/No such container/);
      await c.remove(quiet.id);
    });
  });
}
