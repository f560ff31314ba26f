// The lessons in the REPL: the runner (src/lessons) given what it needs from here — the engine's
// state through the daemon's API and the image and volume stores (the same ones `images` and
// `volume ls` read), the registry address for {registry}, the terminal for a quiz
// (@inquirer/prompts, while the Ink app lets go of it, as for `run -it`), and the status line.
import type { Session } from '../cli/main.ts';
import type { EngineApi } from '../client/api.ts';
import { HttpEngineApi } from '../client/http.ts';
import type { Engine } from '../engine/engine.ts';
import { offlineRegistries } from '../engine/image/offline.ts';
import type { Needs, Snapshot } from '../lessons/checks.ts';
import { normalRef } from '../lessons/checks.ts';
import type { Quiz } from '../lessons/format.ts';
import { loadLessons, pickLang } from '../lessons/load.ts';
import { Progress, progressFile, type Made } from '../lessons/progress.ts';
import { type Capabilities, LessonRunner, type LessonStatus } from '../lessons/runner.ts';
import { imageNames, volumeNames } from './data.ts';
import type { LogKind, PanelName } from './store.ts';

export interface LessonHost {
  session: Session;
  api(): Promise<EngineApi>;
  engine(): Promise<Engine>;
  print(kind: LogKind, text: string): void;
  showPanel(name: PanelName): void;
  status(s: LessonStatus | undefined): void;
  columns(): number;
  plain: boolean;
}

const KIND = ['C', 'A', 'D'] as const;

/** How long what the host can do is taken as known. */
const CAPS_MS = 60_000;

/** The runner, or why there is none (a content folder that will not parse is a bug to report). */
export function makeLessonRunner(h: LessonHost): LessonRunner | Error {
  let lessons;
  try {
    lessons = loadLessons();
  } catch (e) {
    return e as Error;
  }
  const progress = new Progress(progressFile());
  let caps: { at: number; value: Promise<Capabilities> } | undefined;
  return new LessonRunner({
    lessons, progress, lang: pickLang(h.session.lang), plain: h.plain, columns: h.columns,
    print: (kind, text) => h.print(kind, text),
    showPanel: (name) => h.showPanel(name as PanelName),
    status: h.status,
    snapshot: (needs) => snapshot(h, needs),
    vars: async () => {
      const url = offlineRegistries(h.session.dataRoot)[0];
      return url ? { registry: url.replace(/^https?:\/\//, '') } : ({} as Record<string, string>);
    },
    capabilities: () => {
      // Asked once in a while, not at every `lessons`: each asking is a request in the api diagram.
      if (!caps || Date.now() - caps.at > CAPS_MS) caps = { at: Date.now(), value: capabilities(h) };
      const asked = caps;
      asked.value.catch(() => {
        if (caps === asked) caps = undefined;
      });
      return asked.value;
    },
    remove: (made) => remove(h, made),
    askQuiz: (quiz) => askQuiz(h.session, quiz),
  });
}

async function snapshot(h: LessonHost, needs: Needs): Promise<Snapshot> {
  const snap: Snapshot = {};
  const jobs: Promise<void>[] = [];
  // Asked of the daemon, as `images` and `volume ls` ask it; of the engine in this process without one.
  if (needs.images) {
    jobs.push(h.api().then(async (api) => {
      snap.images = (await imageNames(api, h.engine)).map(normalRef);
    }));
  }
  if (needs.volumes) {
    jobs.push(h.api().then(async (api) => {
      snap.volumes = await volumeNames(api, h.engine);
    }));
  }
  if (needs.containers) {
    jobs.push(h.api().then(async (api) => {
      snap.containers = (await api.containerList({ all: true })).map((c) => ({ id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, ''), state: c.State }));
    }));
  }
  if (needs.networks) {
    jobs.push(h.api().then(async (api) => {
      snap.networks = (await api.networkList()).map((n) => n.Name);
    }));
  }
  for (const name of needs.changes ?? []) {
    jobs.push(h.api().then(async (api) => {
      const list = await api.containerChanges(name).catch(() => null);
      (snap.changes ??= {})[name] = list ? list.map((c) => ({ path: c.Path, kind: KIND[c.Kind] ?? 'C' })) : null;
    }));
  }
  for (const addr of needs.registries ?? []) {
    jobs.push(fetch(`http://${addr}/v2/`, { signal: AbortSignal.timeout(2000) }).then((r) => {
      void r.body?.cancel();
      // 200, or 401 with a challenge: a registry speaks there.
      (snap.registries ??= {})[addr] = r.status === 200 || r.status === 401;
    }, () => {
      (snap.registries ??= {})[addr] = false;
    }));
  }
  await Promise.all(jobs);
  return snap;
}

async function capabilities(h: LessonHost): Promise<Capabilities> {
  const api = await h.api();
  if (api.kind === 'docker') return { skiff: false, containers: true, network: true };
  const containers = api.kind === 'skiff-daemon' || process.getuid?.() === 0;
  const network = await api.networkList().then((l) => l.some((n) => n.Name === 'bridge'), () => false);
  return { skiff: true, containers, network };
}

/** `reset`: containers first (they hold images and volumes), then images, volumes, networks. */
async function remove(h: LessonHost, made: Made): Promise<number> {
  let n = 0;
  const count = (p: Promise<unknown>) => p.then(() => void n++, () => {});
  if (made.containers.length || made.networks.length) {
    const api = await h.api();
    for (const id of made.containers) await count(api.containerRemove(id, { force: true, volumes: true }));
  }
  if (made.images.length || made.volumes.length) {
    const api = await h.api();
    const daemon = api instanceof HttpEngineApi ? api : undefined;
    const engine = daemon ? undefined : await h.engine();
    for (const ref of made.images) await count(daemon ? daemon.imageRemove(ref, { force: true }) : engine!.images.remove(ref, { force: true }));
    for (const name of made.volumes) await count(daemon ? daemon.volumeRemove(name, { force: true }) : engine!.volumes.remove(name, { force: true }));
  }
  if (made.networks.length) {
    const api = await h.api();
    for (const name of made.networks) await count(api.networkRemove(name));
  }
  return n;
}

/** A quiz on the whole terminal: the Ink app lets go of it (as for `run -it`) and takes it back. */
async function askQuiz(session: Session, quiz: Quiz): Promise<number | undefined> {
  const give = session.terminal?.take?.();
  try {
    const { select } = await import('@inquirer/prompts');
    return await select({ message: quiz.question, choices: quiz.options.map((o, i) => ({ name: o, value: i })) });
  } catch {
    return undefined; // Ctrl-C: no answer
  } finally {
    give?.();
  }
}
