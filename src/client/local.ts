// The EngineApi answered by an engine inside this process — what a one-shot `skiff` command uses
// when no daemon is running. It calls the same services the daemon's HTTP handlers call, so the
// commands behave the same either way; only a daemon can keep collecting a detached container's
// output after the command has exited.
import type { Engine } from '../engine/engine.ts';
import { buildArchive, engineBuildDeps } from '../engine/build/index.ts';
import { buildMessages } from '../engine/build/stream.ts';
import { commitContainer } from '../engine/image/commit.ts';
import type { Attachment } from '../engine/containers/attach.ts';
import type { ContainerIO } from '../engine/containers/io.ts';
import type { AttachedStream, BuildMessage, BuildQuery, ChangeItem, CommitQuery, EndpointConfig, EngineApi, LogOptions, NetworkCreateRequest, OutputChunk, StatsSample, WaitResult } from './api.ts';
import type { CreateRequest } from '../engine/containers/types.ts';
import type { ExecConfig } from '../engine/containers/exec.ts';

function fromAttachment(a: Attachment): AttachedStream {
  return { output: a.output(), write: (d) => a.write(d), end: () => a.end(), close: () => a.close() };
}

/** An exec's streams as an AttachedStream: output until the process's pipes are drained. */
function fromIo(io: ContainerIO, exited: Promise<unknown>): AttachedStream {
  const queue: OutputChunk[] = [];
  let done = false;
  let wake: (() => void) | undefined;
  const stop = io.listen((stream, data) => {
    queue.push({ stream, data });
    wake?.();
  });
  void exited.then(() => {
    done = true;
    wake?.();
  });
  async function* output(): AsyncGenerator<OutputChunk> {
    for (;;) {
      while (queue.length) yield queue.shift()!;
      if (done) return;
      await new Promise<void>((r) => (wake = r));
    }
  }
  return { output: output(), write: (d) => io.writeStdin(d), end: () => io.endStdin(), close: () => stop() };
}

const KIND = { C: 0, A: 1, D: 2 } as const;

export class LocalEngineApi implements EngineApi {
  readonly kind = 'skiff-local' as const;

  constructor(readonly engine: Engine) {}

  private async rt() {
    return this.engine.runtime();
  }

  async containerCreate(body: CreateRequest, name?: string) {
    return (await this.rt()).containers.create(body, name ? { name } : {});
  }

  async containerStart(id: string, opts: { size?: { rows: number; cols: number } } = {}) {
    return (await this.rt()).containers.start(id, opts);
  }

  async containerAttach(id: string, opts: { stdin: boolean; stdout: boolean; stderr: boolean }) {
    return fromAttachment(await (await this.rt()).containers.attach(id, opts));
  }

  async containerWait(id: string, condition?: 'not-running' | 'next-exit' | 'removed'): Promise<WaitResult> {
    const r = await (await this.rt()).containers.wait(id, condition);
    return { StatusCode: r.StatusCode, ...(r.Error ? { Error: { Message: r.Error } } : {}) };
  }

  async containerStop(id: string, timeout?: number) {
    await (await this.rt()).containers.stop(id, timeout);
  }

  async containerKill(id: string, signal?: string) {
    await (await this.rt()).containers.kill(id, signal);
  }

  async containerRestart(id: string, timeout?: number) {
    await (await this.rt()).containers.restart(id, timeout);
  }

  async containerRemove(id: string, opts: { force?: boolean; volumes?: boolean } = {}) {
    await (await this.rt()).containers.remove(id, opts);
  }

  async containerList(opts: { all?: boolean; filters?: Record<string, string[]>; size?: boolean } = {}) {
    return (await this.rt()).containers.list(opts);
  }

  async containerInspect(id: string) {
    return (await this.rt()).containers.inspect(id);
  }

  async *containerLogs(id: string, opts: LogOptions, signal?: AbortSignal): AsyncGenerator<OutputChunk> {
    const c = (await this.rt()).containers;
    for await (const e of c.logs(id, { ...opts, ...(signal ? { signal } : {}) })) {
      yield { stream: e.stream, data: Buffer.from(opts.timestamps ? `${e.time} ${e.log}` : e.log) };
    }
  }

  async containerResize(id: string, rows: number, cols: number) {
    await (await this.rt()).containers.resize(id, rows, cols);
  }

  async containerTop(id: string) {
    return (await this.rt()).containers.top(id);
  }

  async containerChanges(id: string): Promise<ChangeItem[]> {
    return (await (await this.rt()).containers.changes(id)).map((c) => ({ Path: c.path, Kind: KIND[c.kind] }));
  }

  async containerStats(id: string): Promise<StatsSample> {
    const u = await (await this.rt()).containers.usage(id);
    const cpus = (await import('node:os')).availableParallelism();
    return {
      read: new Date().toISOString(),
      pids_stats: u ? { current: u.pids.current, ...(u.pids.limit !== undefined ? { limit: u.pids.limit } : {}) } : {},
      memory_stats: u ? { usage: u.memory.usage, ...(u.memory.limit !== undefined ? { limit: u.memory.limit } : {}), ...(u.memory.peak !== undefined ? { max_usage: u.memory.peak } : {}) } : {},
      cpu_stats: { cpu_usage: { total_usage: u?.cpu.usageNs ?? 0 }, online_cpus: cpus },
      precpu_stats: { cpu_usage: { total_usage: 0 } },
      ...(u ? { skiff: { oomKills: u.oomKills } } : {}),
    };
  }

  async execCreate(id: string, config: ExecConfig) {
    const rt = await this.rt();
    return rt.exec.create(rt.containers.resolve(id), config);
  }

  async execStart(execId: string, opts: { tty: boolean; detach?: boolean; size?: { rows: number; cols: number } }) {
    const { io, exited } = await (await this.rt()).exec.start(execId, opts.size ? { size: opts.size } : {});
    if (opts.detach) return undefined;
    return fromIo(io, exited);
  }

  async execResize(execId: string, rows: number, cols: number) {
    (await this.rt()).exec.resize(execId, rows, cols);
  }

  async execInspect(execId: string) {
    return (await this.rt()).exec.inspect(execId);
  }

  // ---- networks ----

  networkCreate(body: NetworkCreateRequest) {
    return this.engine.networks.create(body);
  }

  async networkList(filters?: Record<string, string[]>) {
    return this.engine.networks.list(filters);
  }

  async networkInspect(id: string) {
    return this.engine.networks.inspect(id);
  }

  async networkRemove(id: string) {
    await this.engine.networks.remove(id);
  }

  async networkConnect(network: string, container: string, config: EndpointConfig = {}) {
    await this.rt(); // a running container's namespace is reached through the runtime's engine
    await this.engine.networks.endpoints.connect(this.engine.networks.find(network), container, config);
  }

  async networkDisconnect(network: string, container: string) {
    await this.engine.networks.endpoints.disconnect(this.engine.networks.find(network), container);
  }

  networkPrune() {
    return this.engine.networks.prune();
  }

  async *trace(signal: AbortSignal) {
    const queue: Parameters<Parameters<Engine['events']['on']>[0]>[0][] = [];
    let wake: (() => void) | undefined;
    const off = this.engine.events.on((e) => {
      queue.push(e);
      wake?.();
    });
    signal.addEventListener('abort', () => wake?.());
    try {
      while (!signal.aborted) {
        while (queue.length) yield queue.shift()!;
        await new Promise<void>((r) => (wake = r));
      }
    } finally {
      off();
    }
  }

  imageBuild(context: AsyncIterable<Uint8Array>, q: BuildQuery, signal?: AbortSignal): AsyncIterable<BuildMessage> {
    const { quiet, ...req } = q;
    return buildMessages((sink) => buildArchive(engineBuildDeps(this.engine), this.engine.store.root, context, { ...req, ...(signal ? { signal } : {}) }, sink), { quiet: quiet === true });
  }

  async containerCommit(container: string, q: CommitQuery): Promise<{ Id: string }> {
    const rt = await this.rt();
    const r = await commitContainer({ store: this.engine.store, images: this.engine.images, containers: rt.containers, events: this.engine.events }, container, q);
    return { Id: r.id };
  }

  async close() {
    await this.engine.close();
  }
}
