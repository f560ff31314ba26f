// `build` with the real engine: every step's layer and history, RUN in real containers, the cache,
// context escapes refused, a failing RUN that leaves nothing behind, FROM scratch.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDirectory, type BuildRequest, engineBuildDeps } from '../../../src/engine/build/index.ts';
import type { ContainerService } from '../../../src/engine/containers/service.ts';
import { chainIds } from '../../../src/engine/digest.ts';
import type { EngineEvent } from '../../../src/engine/events.ts';
import { canRunContainers, containerSuite, needsRoot, type TestEngine } from '../../helpers/runtime.ts';

/** A context directory from a map of relative path → content (a string, or a symlink target as {link}). */
export function makeContext(files: Record<string, string | { link: string } | { mode: number; data: string | Buffer }>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-ctx-'));
  for (const [rel, v] of Object.entries(files)) {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (typeof v === 'string') fs.writeFileSync(p, v);
    else if ('link' in v) fs.symlinkSync(v.link, p);
    else fs.writeFileSync(p, v.data, { mode: v.mode });
  }
  return dir;
}

describe.skipIf(!canRunContainers)(`build (${needsRoot})`, () => {
  const s = containerSuite();
  let t: TestEngine;
  let c: ContainerService;
  const dirs: string[] = [];
  beforeAll(() => {
    t = s.t;
    c = s.rt.containers;
  });
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  function context(files: Parameters<typeof makeContext>[0]): string {
    const d = makeContext(files);
    dirs.push(d);
    return d;
  }

  async function build(dir: string, req: BuildRequest = {}) {
    let text = '';
    let aux = '';
    const result = await buildDirectory(engineBuildDeps(t.engine), dir, req, { stream: (s) => (text += s), aux: (id) => (aux = id) });
    return { ...result, text, aux };
  }

  async function failing(dir: string, req: BuildRequest = {}) {
    let text = '';
    const err = await buildDirectory(engineBuildDeps(t.engine), dir, req, { stream: (s) => (text += s) }).then(() => undefined, (e: unknown) => e as Error & { exitCode?: number });
    if (!err) throw new Error(`the build succeeded:\n${text}`);
    return { err, text };
  }

  async function run(image: string, cmd?: string[]) {
    const { Id } = await c.create({ Image: image, ...(cmd ? { Cmd: cmd } : {}) });
    await c.start(Id);
    const exit = await c.wait(Id);
    let out = '';
    for await (const e of c.logs(Id, {})) out += e.log;
    await c.remove(Id, { force: true });
    return { code: exit.StatusCode, out };
  }

  const stepEvents = (from: number) => t.events.slice(from).filter((e): e is Extract<EngineEvent, { type: 'build.step' }> => e.type === 'build.step');

  it('makes one layer per file-changing instruction and an empty-layer history line for the others', async () => {
    const dir = context({
      Dockerfile: [
        'FROM busybox',
        'ENV GREETING=hello',
        'RUN echo "$GREETING from RUN" > /greeting.txt',
        'RUN true',
        'COPY app.txt /app/',
        'WORKDIR /app',
        'WORKDIR /srv/deep',
        'LABEL purpose=test',
        'CMD ["cat", "/greeting.txt", "/app/app.txt"]',
      ].join('\n'),
      'app.txt': 'from the context\n',
    });
    const base = (await t.engine.images.resolve('busybox')).image;
    const before = t.events.length;
    const r = await build(dir, { tags: ['learner/steps:1'] });
    const img = (await t.engine.images.resolve('learner/steps:1')).image;
    expect(img.id).toBe(r.imageId);
    expect(r.aux).toBe(r.imageId);
    // busybox's layer + RUN echo + COPY + WORKDIR /srv/deep (which had to be made).
    expect(img.config.rootfs.diff_ids).toHaveLength(base.config.rootfs.diff_ids.length + 3);
    const hist = img.config.history!.slice(base.config.history!.length);
    expect(hist.map((h) => [h.created_by, h.empty_layer === true])).toEqual([
      ['/bin/sh -c #(nop)  ENV GREETING=hello', true],
      ['/bin/sh -c echo "$GREETING from RUN" > /greeting.txt', false],
      ['/bin/sh -c true', true],
      [expect.stringMatching(/^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \/app\/ $/), false],
      ['/bin/sh -c #(nop) WORKDIR /app', true],
      ['/bin/sh -c #(nop) WORKDIR /srv/deep', false],
      ['/bin/sh -c #(nop)  LABEL purpose=test', true],
      ['/bin/sh -c #(nop)  CMD ["cat" "/greeting.txt" "/app/app.txt"]', true],
    ]);
    expect(img.config.config).toMatchObject({ Env: expect.arrayContaining(['GREETING=hello']), WorkingDir: '/srv/deep', Labels: { purpose: 'test' }, Cmd: ['cat', '/greeting.txt', '/app/app.txt'] });
    // The classic builder's words.
    expect(r.text).toMatch(/^Step 1\/9 : FROM busybox\n ---> [0-9a-f]{12}\nStep 2\/9 : ENV GREETING=hello\n ---> [0-9a-f]{12}\nStep 3\/9 : RUN echo "\$GREETING from RUN" > \/greeting.txt\n ---> Running in ([0-9a-f]{12})\nRemoving intermediate container \1\n ---> [0-9a-f]{12}\n/);
    expect(r.text).toContain(`Successfully built ${r.imageId.slice(7, 19)}\nSuccessfully tagged learner/steps:1\n`);
    // The events of the build diagram: one per step, the layer-making ones with their layer.
    const steps = stepEvents(before);
    expect(steps.map((e) => [e.keyword, e.cached, e.layer !== undefined])).toEqual([
      ['FROM', false, false], ['ENV', false, false], ['RUN', false, true], ['RUN', false, false], ['COPY', false, true],
      ['WORKDIR', false, false], ['WORKDIR', false, true], ['LABEL', false, false], ['CMD', false, false],
    ]);
    expect(steps[2]!.container).toMatch(/^[0-9a-f]{64}$/);
    expect(steps.at(-1)).toMatchObject({ step: 9, total: 9, imageId: r.imageId });
    // Every layer is unpacked under its ChainID already: a container starts from it at once.
    for (const chain of chainIds(img.config.rootfs.diff_ids)) expect(await t.engine.store.layers.has(chain)).toBe(true);
    expect(await run('learner/steps:1')).toEqual({ code: 0, out: 'hello from RUN\nfrom the context\n' });
    expect((await run('learner/steps:1', ['pwd'])).out).toBe('/srv/deep\n');
    // The step images are build cache: `images` shows the result only.
    const listed = (await t.engine.images.list()).map((i) => i.id);
    expect(listed).toContain(r.imageId);
    expect(listed).not.toContain(steps[2]!.imageId);
    expect((await t.engine.images.list({ all: true })).map((i) => i.id)).toContain(steps[2]!.imageId);
  });

  it('uses the cache on an unchanged rebuild, and misses from a changed file on', async () => {
    const dir = context({
      Dockerfile: 'FROM busybox\nRUN echo one > /one\nCOPY data.txt /data.txt\nRUN cat /data.txt > /copy\nENV DONE=1\n',
      'data.txt': 'version 1\n',
    });
    const first = await build(dir, { tags: ['learner/cache'] });
    expect(first.cached).toBe(0);
    const before = t.events.length;
    const again = await build(dir, { tags: ['learner/cache'] });
    expect(again.imageId).toBe(first.imageId);
    expect(again.text.match(/ ---> Using cache\n/g)).toHaveLength(4);
    expect(again.text).not.toContain('Running in');
    expect(stepEvents(before).map((e) => e.cached)).toEqual([false, true, true, true, true]);
    // touch without a change: COPY is cached by content, not by mtime.
    fs.utimesSync(path.join(dir, 'data.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect((await build(dir)).imageId).toBe(first.imageId);

    fs.writeFileSync(path.join(dir, 'data.txt'), 'version 2\n');
    const mark = t.events.length;
    const changed = await build(dir, { tags: ['learner/cache'] });
    expect(changed.imageId).not.toBe(first.imageId);
    expect(stepEvents(mark).map((e) => `${e.keyword}:${e.cached}`)).toEqual(['FROM:false', 'RUN:true', 'COPY:false', 'RUN:false', 'ENV:false']);
    expect((await run('learner/cache', ['cat', '/copy'])).out).toBe('version 2\n');
    // The old result lost its name: a dangling image now, as after a docker build.
    expect((await t.engine.images.list({ dangling: true })).map((i) => i.id)).toContain(first.imageId);

    const none = await build(dir, { noCache: true });
    expect(none.text).not.toContain('Using cache');
    expect(none.cached).toBe(0);
  });

  it('refuses to read outside the context: ../x, a symlink that leads out, an absolute path', async () => {
    const dir = context({
      Dockerfile: 'FROM busybox\n',
      'out-abs': { link: '/etc/passwd' },
      'out-rel': { link: '../../../../../../etc/passwd' },
      'sub/up': { link: '../in.txt' },
      'in.txt': 'inside\n',
      'tree/keep.txt': 'kept\n',
      'tree/link': { link: '/etc/shadow' },
    });
    const images = (await t.engine.images.list({ all: true })).length;
    const attempt = async (line: string) => {
      fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM busybox\n${line}\n`);
      return (await failing(dir, { tags: ['learner/escape'] })).err;
    };
    expect((await attempt('COPY ../x /x')).message).toBe('COPY failed: forbidden path outside the build context: ../x');
    expect((await attempt('COPY sub/../../x /x')).message).toMatch(/forbidden path outside the build context/);
    expect((await attempt('COPY out-abs /x')).message).toBe('COPY failed: forbidden path outside the build context: out-abs (the symlink /out-abs leads to /etc/passwd, outside the context)');
    expect((await attempt('ADD out-rel /x')).message).toMatch(/^ADD failed: forbidden path outside the build context: out-rel \(the symlink \/out-rel leads to/);
    const abs = await attempt('COPY /etc/passwd /x');
    expect(abs.message).toBe('COPY failed: file not found in build context or excluded by .dockerignore: /etc/passwd');
    expect((abs as { hint?: string }).hint).toContain(`never the host's /etc/passwd`);
    expect((await t.engine.images.list({ all: true })).length).toBe(images);
    await expect(t.engine.images.resolve('learner/escape')).rejects.toThrow(/No such image/);

    // Destinations the image cannot take fail clearly, halfway through a layer too, leaving nothing.
    expect((await attempt('COPY tree /etc/passwd')).message).toBe('COPY failed: cannot copy the directory tree to /etc/passwd, which is a file in the image');
    expect((await attempt('COPY in.txt tree/keep.txt /many')).message).toMatch(/more than one source file, the destination must be a directory and end with a \//);
    expect((await attempt('COPY in.txt /etc/passwd/x')).message).toMatch(/cannot write \/etc\/passwd\/x: \/etc\/passwd in the image is a file, not a directory/);
    expect(fs.readdirSync(path.join(t.root, 'ingest'))).toEqual([]);
    expect(fs.readdirSync(path.join(t.root, 'layers')).filter((n) => n.startsWith('.tmp-'))).toEqual([]);

    // Inside the context a symlink is followed; inside a copied directory it is copied as a link.
    // A symlink of the image on the way to the destination is followed as the container would
    // (the way /bin → usr/bin is in many images); the symlink itself stays.
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\nCOPY sub/up /followed.txt\nCOPY tree /tree/\nRUN ln -s /var /linked\nCOPY in.txt /linked/\nCOPY in.txt /linked/deeper/\n');
    await build(dir, { tags: ['learner/links'] });
    expect((await run('learner/links', ['sh', '-c', 'cat /followed.txt; readlink /tree/link; cat /tree/keep.txt; readlink /linked; cat /var/in.txt /var/deeper/in.txt'])).out)
      .toBe('inside\n/etc/shadow\nkept\n/var\ninside\ninside\n');
  });

  it('a failing RUN stops the build with Docker\'s message and code, leaving no image and no container', async () => {
    const dir = context({ Dockerfile: 'FROM busybox\nRUN echo ok > /ok\nRUN echo partial > /p && echo said-before-failing && exit 3\nRUN echo never\n' });
    const containersBefore = (await c.list({ all: true })).length;
    const visibleBefore = (await t.engine.images.list()).map((i) => i.id).sort();
    const layersBefore = (await t.engine.store.layers.list()).length;
    const { err, text } = await failing(dir, { tags: ['learner/broken'] });
    expect(err.message).toBe("The command '/bin/sh -c echo partial > /p && echo said-before-failing && exit 3' returned a non-zero code: 3");
    expect(err.exitCode).toBe(3);
    expect(text).toContain('said-before-failing\n');
    expect(text).toMatch(/Removing intermediate container [0-9a-f]{12}\n$/);
    expect(text).not.toContain('never');
    expect((await c.list({ all: true })).length).toBe(containersBefore);
    // The step that succeeded is build cache (hidden, as Docker keeps it); the failed one left nothing.
    expect((await t.engine.images.list()).map((i) => i.id).sort()).toEqual(visibleBefore);
    expect((await t.engine.store.layers.list()).length).toBe(layersBefore + 1);
    expect(fs.readdirSync(path.join(t.root, 'ingest'))).toEqual([]);
    expect(fs.readdirSync(path.join(t.root, 'layers')).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    await expect(t.engine.images.resolve('learner/broken')).rejects.toThrow(/No such image/);
    // A command that does not exist: 127, as the shell says.
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\nRUN no-such-command\n');
    expect((await failing(dir)).err.exitCode).toBe(127);
  });

  it('FROM scratch + COPY of a static busybox makes a runnable image; RUN works in it', async () => {
    const dir = context({
      Dockerfile: 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "/bin/busybox mkdir -p /usr/bin && /bin/busybox --install -s && echo made > /made"]\nCMD ["/bin/busybox", "sh", "-c", "cat /made; echo from scratch"]\n',
      busybox: { mode: 0o755, data: fs.readFileSync('/bin/busybox') },
    });
    const r = await build(dir, { tags: ['learner/scratch'] });
    const img = (await t.engine.images.resolve('learner/scratch')).image;
    expect(img.config.rootfs.diff_ids).toHaveLength(2);
    expect(img.config.history).toHaveLength(3);
    expect(r.text).toMatch(/^Step 1\/4 : FROM scratch\n ---> \n/);
    expect(await run('learner/scratch')).toEqual({ code: 0, out: 'made\nfrom scratch\n' });
    expect((await run('learner/scratch', ['ls', '/bin/busybox'])).out).toBe('/bin/busybox\n');
  });

  it('ARG and --build-arg, .dockerignore, ADD of a local tar.gz, COPY --chown, wildcards, FROM an earlier stage', async () => {
    const tgzDir = context({ 'pkg/readme.txt': 'unpacked by ADD\n', 'pkg/bin/tool': 'tool\n' });
    const tgz = path.join(tgzDir, 'pkg.tar.gz');
    execFileSync('tar', ['-czf', tgz, '-C', tgzDir, 'pkg']);
    const dir = context({
      Dockerfile: [
        'ARG BASE=busybox',
        'FROM ${BASE} AS first',
        'ARG WHO=nobody',
        'RUN echo "built for $WHO" > /who',
        'ADD pkg.tar.gz /opt/',
        'ADD plain.txt /opt/plain.txt',
        'COPY --chown=nobody:nogroup *.conf /etc/app/',
        'COPY . /ctx/',
        'FROM first',
        'RUN cat /who /opt/pkg/readme.txt /opt/plain.txt && ls /etc/app /ctx && stat -c "%u:%g %a" /etc/app/a.conf',
      ].join('\n'),
      'pkg.tar.gz': { mode: 0o644, data: fs.readFileSync(tgz) },
      'plain.txt': 'copied as is\n',
      'a.conf': 'a\n',
      'b.conf': 'b\n',
      'secret.key': 'do not send\n',
      '.dockerignore': 'secret.*\n*.gz\n!pkg.tar.gz\n',
    });
    const r = await build(dir, { tags: ['learner/args'], buildArgs: { WHO: 'learners', UNUSED: 'x' } });
    expect(r.text).toContain('built for learners');
    expect(r.text).toContain('unpacked by ADD\ncopied as is\n');
    expect(r.text).toContain('a.conf\nb.conf\n');
    expect(r.text).not.toContain('secret.key');
    expect(r.text).toContain('65534:65534 644\n');
    expect(r.text).toContain('[Warning] One or more build-args [UNUSED] were not consumed\n');
    const img = (await t.engine.images.resolve('learner/args')).image;
    expect(img.config.history!.map((h) => h.created_by)).toContain('|1 WHO=learners /bin/sh -c echo "built for $WHO" > /who');
    // The ARG's value is the RUN's, not the image's.
    expect(img.config.config!.Env!.some((e) => e.startsWith('WHO='))).toBe(false);
    // An ignored file does not exist for COPY.
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM busybox\nCOPY secret.key /\n');
    expect((await failing(dir)).err.message).toMatch(/not found in build context or excluded by .dockerignore: secret.key/);
  });
});
