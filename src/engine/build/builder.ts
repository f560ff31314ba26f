// `build`, Docker's classic builder: every instruction of the Dockerfile is a step; every step's
// result is an image; a step that changes files (RUN, COPY, ADD, a WORKDIR that makes its
// directory) adds one layer, the others only change the config and leave an empty-layer history
// line. The output is the classic builder's, line for line:
//   Step 2/4 : RUN echo hi
//    ---> Running in 4f1c2a9b8e7d
//   hi
//   Removing intermediate container 4f1c2a9b8e7d
//    ---> 8e0f3c1d2b4a
// and `---> Using cache` when an earlier build already made that step on that parent (cache.ts).
import { randomBytes } from 'node:crypto';
import type { ContainerService } from '../containers/service.ts';
import { chainIds, type Digest, shortId } from '../digest.ts';
import { isSkiffError, SkiffError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import { childConfig, containerLayer, layerInfo, type NewLayer, packTar, type ParentImage, parentOfRecord, saveImage, storeLayer } from '../image/commit.ts';
import type { ImageService } from '../image/service.ts';
import { hostPlatform } from '../registry/platform.ts';
import { formatReference, parseReference } from '../reference.ts';
import { DEFAULT_PATH } from '../runtime/defaults.ts';
import type { Store } from '../store/store.ts';
import { cacheKey, findCached, publishBuilt, stepAnnotations } from './cache.ts';
import { applyConfig, argvOf, type ConfigState, DEFAULT_SHELL, workdirOf } from './config.ts';
import type { BuildContext } from './context.ts';
import { copyItems, mkdirItems } from './copy.ts';
import { ImageView } from './image-view.ts';
import { CONFIG_ONLY, type Instruction, planDockerfile } from './instructions.ts';
import { runFailed, runInContainer } from './run.ts';
import { envLookup, expand, type Lookup } from './words.ts';

export interface BuildOptions {
  /** `-t`: names for the result (any number). */
  tags?: string[];
  /** `--build-arg`: a null value means "declared, take the Dockerfile's default". */
  buildArgs?: Record<string, string | null>;
  /** `--label`: added to the last stage as LABEL steps (Docker does the same). */
  labels?: Record<string, string>;
  noCache?: boolean;
  /** `--pull`: pull FROM images even when they are in the store. */
  pull?: boolean;
  /** The network of RUN containers (`--network`); the engine's default otherwise. */
  networkMode?: string;
  signal?: AbortSignal;
}

/** Where the build's progress goes: the classic builder's text, and pull progress for FROM. */
export interface BuildOutput {
  stream(text: string): void;
}

export interface BuildDeps {
  store: Store;
  images: ImageService;
  events: EventBus;
  containers(): Promise<ContainerService>;
  /** Gets an image FROM names that is not in the store (the engine's pull, with progress). */
  pull(ref: string, out: BuildOutput): Promise<void>;
}

export interface BuildResult {
  imageId: Digest;
  tags: string[];
  /** How many steps the cache answered, and how many ran. */
  cached: number;
  steps: number;
}

interface Stage {
  name?: string;
  image: ParentImage;
  chains: Digest[];
  cfg: ConfigState;
  /** ARGs declared in this stage, with their values. */
  args: Map<string, string | undefined>;
}

const short = (id: string | undefined) => (id ? shortId(id) : '');

function scratch(): ParentImage {
  const p = hostPlatform();
  return { config: { architecture: p.architecture, os: 'linux', ...(p.variant ? { variant: p.variant } : {}), config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] }, layers: [] };
}

function withDefaultPath(env: string[] | undefined): string[] {
  // moby dispatchState.setDefaultPath: a build's images always say where programs are.
  return env?.some((e) => e.startsWith('PATH=')) ? env : [...(env ?? []), `PATH=${DEFAULT_PATH}`];
}

export class Builder {
  private readonly buildId = randomBytes(6).toString('hex');
  private readonly metaArgs = new Map<string, string | undefined>();
  private readonly usedArgs = new Set<string>();
  private readonly stages: Stage[] = [];
  private step = 0;
  private total = 0;
  private cachedSteps = 0;

  constructor(
    private readonly d: BuildDeps,
    private readonly ctx: BuildContext,
    private readonly opts: BuildOptions,
    private readonly out: BuildOutput,
  ) {}

  private say(text: string): void {
    this.out.stream(text.endsWith('\n') ? text : `${text}\n`);
  }

  private buildArg(name: string): string | null | undefined {
    return Object.hasOwn(this.opts.buildArgs ?? {}, name) ? this.opts.buildArgs![name] : undefined;
  }

  async run(dockerfile: string): Promise<BuildResult> {
    const plan = planDockerfile(dockerfile);
    const labels = Object.entries(this.opts.labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
    const last = plan.stages.at(-1)!;
    for (const [k, v] of labels) last.steps.push({ kind: 'LABEL', pairs: [[JSON.stringify(k), `'${v.replace(/'/g, "'\\''")}'`]], line: 0, original: `LABEL ${JSON.stringify(k)}='${v}'` });
    this.total = plan.metaArgs.length + plan.stages.reduce((n, s) => n + 1 + s.steps.length, 0);
    const esc = plan.escape;

    for (const a of plan.metaArgs) {
      const t0 = performance.now();
      this.say(`Step ${++this.step}/${this.total} : ${a.original}`);
      for (const { name, value } of a.args) {
        const given = this.buildArg(name);
        this.usedArgs.add(name);
        this.metaArgs.set(name, given ?? (value === undefined ? undefined : expand(value, envLookup(this.metaArgs), esc)));
      }
      this.emit(a, false, undefined, t0);
    }
    let stage: Stage | undefined;
    for (const s of plan.stages) {
      stage = await this.from(s.from, esc);
      for (const ins of s.steps) {
        if (this.opts.signal?.aborted) throw new SkiffError('RUNTIME', 'Build cancelled', 'nothing half-made was kept');
        this.say(`Step ${++this.step}/${this.total} : ${ins.original}`);
        await this.dispatch(stage, ins, esc);
      }
      this.stages.push(stage);
    }
    const final = stage!.image.id;
    if (!final) throw new SkiffError('USAGE', 'No image was generated. Is your Dockerfile empty?', 'a build FROM scratch needs at least one more instruction');
    const unused = Object.keys(this.opts.buildArgs ?? {}).filter((a) => !this.usedArgs.has(a)).sort();
    if (unused.length) this.say(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed`);
    const tags = (this.opts.tags ?? []).map((t) => formatReference(parseReference(t)));
    await publishBuilt(this.d.store, this.d.events, final, tags);
    return { imageId: final, tags, cached: this.cachedSteps, steps: this.step };
  }

  private emit(ins: Instruction, cached: boolean, imageId: string | undefined, t0: number, extra: { layer?: NewLayer; container?: string } = {}): void {
    this.d.events.emit({
      type: 'build.step', buildId: this.buildId, step: this.step, total: this.total, instruction: ins.original, keyword: ins.kind, cached,
      ...(imageId ? { imageId } : {}), ...(extra.layer ? { layer: layerInfo(extra.layer) } : {}), ...(extra.container ? { container: extra.container } : {}),
      ms: performance.now() - t0,
    });
  }

  private async from(ins: Extract<Instruction, { kind: 'FROM' }>, esc: string): Promise<Stage> {
    const t0 = performance.now();
    this.say(`Step ${++this.step}/${this.total} : ${ins.original}`);
    const name = expand(ins.image, envLookup(this.metaArgs), esc);
    if (ins.platform) {
      const want = expand(ins.platform, envLookup(this.metaArgs), esc);
      const host = hostPlatform();
      if (!want.startsWith(`linux/${host.architecture}`)) throw new SkiffError('UNSUPPORTED', `FROM --platform=${want}: this host runs linux/${host.architecture} containers only`, 'remove --platform, or build on a host of that platform');
    }
    let image: ParentImage;
    const earlier = this.stages.find((s) => s.name === name.toLowerCase());
    if (name.toLowerCase() === 'scratch') image = scratch();
    else if (earlier) image = earlier.image;
    else image = parentOfRecord(await this.baseImage(name));
    const stage: Stage = {
      ...(ins.stage ? { name: ins.stage } : {}),
      image,
      chains: chainIds(image.config.rootfs.diff_ids),
      cfg: { config: { ...structuredClone(image.config.config ?? {}), Env: withDefaultPath(image.config.config?.Env) }, cmdSet: false, ...(image.config.author ? { author: image.config.author } : {}) },
      args: new Map(),
    };
    this.say(` ---> ${short(image.id)}`);
    this.emit(ins, false, image.id, t0);
    return stage;
  }

  private async baseImage(name: string) {
    const ref = formatReference(parseReference(name));
    if (!this.opts.pull) {
      try {
        return (await this.d.images.resolve(name)).image;
      } catch (e) {
        if (!isSkiffError(e, 'IMAGE_NOT_FOUND')) throw e;
      }
    }
    await this.d.pull(ref, this.out);
    return (await this.d.images.resolve(ref)).image;
  }

  /** `${VAR}` in a stage: its ARGs, then its ENV (which wins). */
  private lookup(s: Stage): Lookup {
    return envLookup(s.args, s.cfg.config.Env ?? []);
  }

  private async dispatch(s: Stage, ins: Instruction, esc: string): Promise<void> {
    const t0 = performance.now();
    if (ins.kind === 'ARG') {
      for (const { name, value } of ins.args) {
        this.usedArgs.add(name);
        const given = this.buildArg(name);
        s.args.set(name, given ?? (value !== undefined ? expand(value, this.lookup(s), esc) : this.metaArgs.get(name)));
      }
    }
    if (CONFIG_ONLY.has(ins.kind) || ins.kind === 'WORKDIR') return this.configStep(s, ins, esc, t0);
    if (ins.kind === 'RUN') return this.runStep(s, ins, t0);
    if (ins.kind === 'COPY' || ins.kind === 'ADD') return this.copyStep(s, ins, esc, t0);
    throw new SkiffError('USAGE', `${ins.kind} cannot be used here (line ${ins.line})`, 'FROM starts a new stage');
  }

  /**
   * The end of every step: the cache answers, or `make` produces the step's layer (or none) and
   * the step's image is stored. `next` is the config after the step.
   */
  private async commitStep(s: Stage, ins: Instruction, createdBy: string, next: ConfigState, t0: number, make?: () => Promise<{ layer?: NewLayer; container?: string }>): Promise<void> {
    const key = cacheKey(s.image.id, createdBy);
    const hit = this.opts.noCache ? undefined : await findCached(this.d.store, this.d.images, key);
    if (hit) {
      this.cachedSteps++;
      this.say(' ---> Using cache');
      this.adopt(s, parentOfRecord(hit), next);
      this.say(` ---> ${short(hit.id)}`);
      this.emit(ins, true, hit.id, t0);
      return;
    }
    const made = make ? await make() : {};
    let saved = false;
    try {
      const config = childConfig(s.image, { config: next.config, history: { created_by: createdBy }, ...(made.layer ? { layer: made.layer } : {}), ...(next.author ? { author: next.author } : {}) });
      const layers = [...s.image.layers, ...(made.layer ? [made.layer.descriptor] : [])];
      const id = await saveImage(this.d.store, config, layers, { annotations: stepAnnotations(key) });
      saved = true;
      this.adopt(s, { id, config, layers }, next);
      this.say(` ---> ${short(id)}`);
      this.emit(ins, false, id, t0, made);
    } finally {
      await (saved ? made.layer?.release() : made.layer?.discard());
    }
  }

  private adopt(s: Stage, image: ParentImage, next: ConfigState): void {
    s.image = image;
    s.chains = chainIds(image.config.rootfs.diff_ids);
    s.cfg = { ...next, config: structuredClone(image.config.config ?? {}) };
  }

  private view(s: Stage): ImageView {
    return new ImageView(s.chains.map((c) => this.d.store.layers.diffDir(c)).reverse());
  }

  private shell(s: Stage): string[] {
    return s.cfg.config.Shell?.length ? s.cfg.config.Shell : DEFAULT_SHELL;
  }

  private async configStep(s: Stage, ins: Instruction, esc: string, t0: number): Promise<void> {
    const next: ConfigState = { ...s.cfg, config: structuredClone(s.cfg.config) };
    const text = applyConfig(ins, next, this.lookup(s), esc);
    const createdBy = `${this.shell(s).join(' ')} #(nop) ${text}`;
    // WORKDIR makes its directory when the image does not have it: a layer with that directory.
    const dir = ins.kind === 'WORKDIR' ? next.config.WorkingDir! : undefined;
    const view = dir ? this.view(s) : undefined;
    const missing = dir !== undefined && view!.entry(view!.resolve(dir)) === undefined;
    await this.commitStep(s, ins, createdBy, next, t0, missing ? async () => ({
      layer: await storeLayer(this.d.store, packTar(mkdirItems(view!, dir!)), s.chains.at(-1)),
    }) : undefined);
  }

  private async copyStep(s: Stage, ins: Extract<Instruction, { kind: 'COPY' | 'ADD' }>, esc: string, t0: number): Promise<void> {
    if (ins.from) throw new SkiffError('UNSUPPORTED', `${ins.kind} --from is not supported by Skiff's builder yet (line ${ins.line})`, 'copy from the build context instead');
    const x = (w: string) => expand(w, this.lookup(s), esc);
    for (const src of ins.sources) {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(src)) throw new SkiffError('UNSUPPORTED', `${ins.kind} from a URL (${src}) is not supported: a Skiff build reads only its context`, 'download the file into the context first');
    }
    const sources = ins.sources.map(x).flatMap((src) => this.ctx.resolve(ins.kind, src));
    const dest = x(ins.dest);
    const chown = ins.chown ? x(ins.chown) : undefined;
    const view = this.view(s);
    const owner = chown ? view.owner(chown) : undefined;
    const createdBy = `${this.shell(s).join(' ')} #(nop) ${ins.kind} ${chown ? `--chown=${chown} ` : ''}${this.ctx.hash(sources)} in ${dest} `;
    const next: ConfigState = { ...s.cfg, config: structuredClone(s.cfg.config) };
    await this.commitStep(s, ins, createdBy, next, t0, async () => ({
      layer: await storeLayer(this.d.store, packTar(copyItems(this.ctx, view, { instr: ins.kind, sources, dest, workdir: s.cfg.config.WorkingDir ?? '/', ...(owner ? { owner } : {}) })), s.chains.at(-1)),
    }));
  }

  private async runStep(s: Stage, ins: Extract<Instruction, { kind: 'RUN' }>, t0: number): Promise<void> {
    const argv = argvOf(ins.command, s.cfg.config.Shell);
    const env = s.cfg.config.Env ?? [];
    // Build args are in the RUN's environment (not the image's) and in its cache key, as
    // Docker writes them: `|2 A=1 B=2 /bin/sh -c …`.
    const args = [...s.args].filter(([k, v]) => v !== undefined && !env.some((e) => e.startsWith(`${k}=`))).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
    const createdBy = `${args.length ? `|${args.length} ${args.join(' ')} ` : ''}${argv.join(' ')}`;
    const next: ConfigState = { ...s.cfg, config: structuredClone(s.cfg.config) };
    const imageId = s.image.id;
    if (!imageId) throw new SkiffError('USAGE', `RUN needs an image with files to run in; this stage is still empty (line ${ins.line})`, 'COPY a program (e.g. a static busybox) first, or start FROM an image');
    await this.commitStep(s, ins, createdBy, next, t0, async () => {
      const containers = await this.d.containers();
      let id: string | undefined;
      try {
        const ran = await runInContainer(containers, {
          imageId, argv, env: [...env, ...args], ...(next.config.WorkingDir ? { workdir: next.config.WorkingDir } : {}),
          ...(next.config.User ? { user: next.config.User } : {}), ...(this.opts.networkMode ? { networkMode: this.opts.networkMode } : {}),
        }, (chunk) => this.out.stream(chunk.toString('utf8')), (cid) => {
          id = cid;
          this.say(` ---> Running in ${short(cid)}`);
        }, this.opts.signal);
        if (ran.exitCode !== 0) throw runFailed(argv, ran.exitCode);
        const { layer } = await containerLayer({ store: this.d.store, containers }, ran.info, s.chains.at(-1));
        return { ...(layer ? { layer } : {}), container: ran.id };
      } finally {
        if (id) {
          await containers.remove(id, { force: true, volumes: true }).catch(() => {});
          this.say(`Removing intermediate container ${short(id)}`);
        }
      }
    });
  }
}
