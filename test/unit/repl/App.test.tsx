// The REPL app over its core (shell.ts), with a fake daemon and engine: help, commands and their
// output, Ctrl-C, the live pull bars, `show`/`hide` of the diagrams fed with event streams the
// real engine recorded (test/fixtures/events), and what it says against Docker or without root.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../../../src/cli/main.ts';
import type { EngineApi, StatsSample } from '../../../src/client/api.ts';
import type { Engine } from '../../../src/engine/engine.ts';
import { SkiffError } from '../../../src/engine/errors.ts';
import { EventBus, type EngineEvent } from '../../../src/engine/events.ts';
import { App } from '../../../src/repl/App.tsx';
import { History } from '../../../src/repl/history.ts';
import { drawPanel } from '../../../src/repl/panel.tsx';
import { type RunCommand, Shell } from '../../../src/repl/shell.ts';
import { initialState, Store } from '../../../src/repl/store.ts';
import type { ImageInfo, UsageSample } from '../../../src/visualize/index.ts';
import { DRAWING, events, images, json, samples } from '../visualize/fixtures.ts';

const wait = (ms = 250) => new Promise((r) => setTimeout(r, ms));

/** The store's image records as fetchImages reads them, made from the recorded images.json. */
function records(infos: ImageInfo[]) {
  return infos.map((i) => ({
    id: i.id, repoTags: [i.name], chainIds: i.layers.map((l) => l.chainId), layerSizes: i.layers.map((l) => l.size),
    manifest: { layers: i.layers.map((l) => ({ digest: l.digest })) },
    config: { rootfs: { diff_ids: i.layers.map((l) => l.diffId) }, history: i.layers.map((l) => ({ created_by: l.createdBy })) },
  }));
}

/** A usage sample as the Engine API's stats carries it. */
function stats(u: UsageSample, t0: number): StatsSample {
  const cpu = { cpu_usage: { total_usage: u.cpu.usageNs } };
  return {
    read: new Date(t0 + u.at).toISOString(), pids_stats: u.pids, cpu_stats: cpu, precpu_stats: cpu,
    memory_stats: { usage: u.memory.usage, ...(u.memory.limit ? { limit: u.memory.limit } : {}), ...(u.memory.peak ? { max_usage: u.memory.peak } : {}) },
    skiff: { oomKills: u.oomKills },
  };
}

interface Harness {
  shell: Shell;
  frame(): string;
  type(s: string): Promise<void>;
  bus: EventBus;
  emit(es: EngineEvent[]): void;
  signals: AbortSignal[];
  exited: () => boolean;
}

const open: (() => void)[] = [];
afterEach(() => {
  for (const close of open.splice(0)) close();
});

async function harness(o: { kind?: EngineApi['kind']; run?: RunCommand; connect?: () => Promise<EngineApi>; plain?: boolean; usage?: UsageSample[] } = {}): Promise<Harness> {
  const bus = new EventBus();
  const engine = {
    events: bus,
    images: { list: async () => records(images()) },
    volumes: { list: async () => [{ Name: 'greetings' }] },
  } as unknown as Engine;
  const usage = [...(o.usage ?? [])];
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const changes = json<{ container: string; changes: { kind: 'A' | 'C' | 'D'; path: string }[] }>('changes-volume.json');
  const api = {
    kind: o.kind ?? 'skiff-daemon',
    containerList: async () => [{ Names: ['/tty1'] }, { Names: ['/sleepy'] }],
    containerChanges: async (id: string) => (id === changes.container ? changes.changes.map((c) => ({ Path: c.path, Kind: { C: 0, A: 1, D: 2 }[c.kind] })) : []),
    containerStats: async () => stats(usage.length > 1 ? usage.shift()! : usage[0]!, t0),
    close: async () => {},
  } as unknown as EngineApi;
  const signals: AbortSignal[] = [];
  // The engine as a command in this process opened it: the shell follows its events from then.
  const session = { stdin: process.stdin, dataRoot: '/nonexistent', insecureRegistries: [], trace: false, engine: Promise.resolve(engine) } as unknown as Session;
  const store = new Store(initialState(o.plain ?? false), 10);
  const history = new History();
  let exited = false;
  const shell = new Shell({
    session, history, store,
    drawPanel: (input, width, done) => done(drawPanel(input, width)),
    run: o.run ?? (async (s, words, signal) => {
      signals.push(signal);
      s.out.write(`ran ${words.join(' ')}\n`);
      return 0;
    }),
    api: o.connect ?? (async () => api),
    engine: async () => engine,
    columns: () => 100,
    passthrough: () => undefined,
    clearScreen: () => {},
    exit: () => void (exited = true),
  });
  const r = render(<App shell={shell} history={history.entries} />);
  open.push(() => {
    shell.dispose();
    r.unmount();
  });
  await shell.connect();
  await wait(30);
  return {
    shell, bus, signals, exited: () => exited,
    frame: () => r.lastFrame() ?? '',
    type: async (s: string) => {
      r.stdin.write(s);
      await wait(60);
    },
    emit: (es) => es.forEach((e) => bus.emit(e)),
  };
}

describe('the REPL', () => {
  it('help lists every command and its own; help COMMAND gives the options; a wrong one is one line', async () => {
    const h = await harness();
    await h.type('help\r');
    const f = h.frame();
    expect(f).toMatch(/^skiff> help$/m);
    expect(f).toMatch(/^Containers:$/m);
    expect(f).toMatch(/^ {2}run +Create and run a new container from an image$/m);
    expect(f).toMatch(/^ {2}volume ls +/m);
    expect(f).toMatch(/^ {2}show pull\|layers\|ns\|cgroups\|run\|net\|api +Draw a live diagram/m);
    await h.type('help run\r');
    expect(h.frame()).toMatch(/^Usage: {2}skiff run \[OPTIONS\] IMAGE \[COMMAND\] \[ARG\.\.\.\]$/m);
    expect(h.frame()).toMatch(/^ {2}-i, --interactive/m);
    await h.type('help frobnicate\r');
    expect(h.frame()).toMatch(/^Error: 'frobnicate' is not a Skiff command; type help to list them$/m);
  });

  it('runs a command (a leading docker is fine): its output above the prompt, the prompt back', async () => {
    const h = await harness();
    await h.type('docker images\r');
    expect(h.frame()).toMatch(/^skiff> docker images\nran images$/m);
    expect(h.frame().trimEnd().split('\n').at(-1)).toBe('skiff>'); // the prompt is the last line
  });

  it('says a failing command\'s exit code, and its error stays one line', async () => {
    const h = await harness({
      run: async (s) => {
        s.err.write('Error: no such image: nope (pull it first: skiff pull nope)\n');
        return 125;
      },
    });
    await h.type('run nope\r');
    expect(h.frame()).toMatch(/^Error: no such image: nope \(pull it first: skiff pull nope\)\nexit code 125$/m);
  });

  it('Ctrl-C aborts the running command\'s signal, and the REPL goes on', async () => {
    let release: () => void = () => {};
    const h = await harness({
      run: async (s, words, signal) => {
        await new Promise<void>((r) => {
          release = r;
          signal.addEventListener('abort', () => r(), { once: true });
        });
        s.err.write(signal.aborted ? 'Interrupted: nothing half-done was kept.\n' : 'done\n');
        return signal.aborted ? 130 : 0;
      },
    });
    await h.type('run busybox sleep 30\r');
    expect(h.frame()).toMatch(/^⋯ \ds, Ctrl-C interrupts: run busybox sleep 30$/m);
    // Enter on another command meanwhile: not now, the line stays.
    await h.type('images\r');
    expect(h.frame()).toMatch(/a command is running: wait for it, or press Ctrl-C to interrupt it/);
    await h.type('\x03');
    expect(h.frame()).toMatch(/^Interrupted: nothing half-done was kept\.$/m);
    expect(h.frame()).not.toMatch(/^⋯/m);
    expect(h.frame()).toMatch(/^skiff> images$/m); // the line typed ahead waits
    release();
    await h.type('\x15exit\r');
    expect(h.exited()).toBe(true);
  });

  it('draws a pull\'s layers as live bars under the running command, from the pull events', async () => {
    const pull = events('pull-token');
    const half = pull.findIndex((e) => e.type === 'pull.layer' && e.phase === 'downloading' && e.current > 0);
    let finish: () => void = () => {};
    const h = await harness({
      run: async (s) => {
        h.emit(pull.slice(0, half + 1));
        await new Promise<void>((r) => (finish = r));
        h.emit(pull.slice(half + 1));
        s.out.write('Status: Downloaded newer image for learn/busybox:1\n');
        return 0;
      },
    });
    await h.type('pull learn/busybox:1\r');
    await wait(300); // the engine's news waits while keys come (store.ts)
    const live = h.frame();
    expect(live).toMatch(/^[0-9a-f]{12} +[█░]+ +[\d.]+ \w?B\/[\d.]+ \w?B +Downloading$/m);
    expect(live).toMatch(/^⋯ \ds, Ctrl-C interrupts: pull learn\/busybox:1$/m);
    finish();
    await wait();
    expect(h.frame()).not.toMatch(/[█░]/);
    expect(h.frame()).toMatch(/^Status: Downloaded newer image/m);
  });

  it('show run draws the run typed last from its events; hide closes it', async () => {
    const h = await harness({
      run: async () => {
        h.emit(events('run-volume'));
        return 0;
      },
    });
    await h.type('run learn/tools:1\r');
    await h.type('show run\r');
    await wait();
    const f = h.frame();
    expect(f).toMatch(/docker run, step by step: fixture-volume [0-9a-f]{12}/);
    expect(f).toMatch(/✓ 6 Start the process/);
    expect(f).toMatch(/showing run \(hide closes\)/);
    await h.type('hide\r');
    const live = h.frame().slice(h.frame().lastIndexOf('skiff> hide'));
    expect(live).not.toMatch(/step by step/);
  });

  it('show pull, ns, layers, cgroups: each diagram from recorded events and fetched data, cut to the screen', async () => {
    const h = await harness({ usage: samples('usage-burn') });
    h.emit(events('pull-token'));
    await h.type('show pull\r');
    await wait();
    expect(h.frame()).toMatch(/pull .*learn\/busybox:1/);
    // A 24-row screen: the diagram is cut, and says how to see the rest.
    expect(h.frame()).toMatch(/lines 1–\d+ of \d+: PgUp\/PgDn to scroll, hide to close/);
    await h.type('\x1b[6~');
    expect(h.frame()).toMatch(/lines \d+–\d+ of \d+: PgUp/);

    h.emit(events('run-volume'));
    await h.type('show ns\r');
    await wait();
    expect(h.frame()).toMatch(/namespaces/i);
    expect(h.frame()).toMatch(/\bpid\b/);

    await h.type('show layers\r');
    await wait(400);
    expect(h.frame()).toMatch(/fixture layer 2/);
    // What the container changed (`diff` from the API) is further down the diagram.
    const whole = h.shell.store.get().panelLines.join('\n');
    expect(whole).toMatch(/\/etc\/hostname/);
    expect(whole).toMatch(/\/etc\/shadow/);

    h.emit(events('run-burn').filter((e) => e.type !== 'container.exit'));
    await h.type('show cgroups\r');
    await wait(1300); // two samples, read ~2/s
    expect(h.frame()).toMatch(/memory +[█░]+ +[\d.]+ MiB of 64 MiB/);
    expect(h.frame()).toMatch(/cpu +[█░·]+/);
  });

  it('show net: the bridges, each container\'s address, links and published ports', async () => {
    const h = await harness({});
    // The recording up to the moment `web` runs (its port published, its link made); later it is all taken down.
    const all = events('network');
    const web = all.find((e) => e.type === 'container.create' && e.name === 'web');
    const webId = web?.type === 'container.create' ? web.id : '';
    h.emit(all.slice(0, all.findIndex((e) => e.type === 'runtime.process' && e.id === webId && !e.execId) + 1));
    await h.type('show net\r');
    await wait();
    const whole = h.shell.store.get().panelLines.join('\n');
    expect(whole).toMatch(/skiff0/);
    expect(whole).toMatch(/172\.18\.0\.\d+/);
    expect(whole).toMatch(/dbapp/);
    expect(whole).toMatch(/8080/);
  });

  it('plain text: no drawing, no color, for a screen reader', async () => {
    const h = await harness({ plain: true, run: async () => (h.emit(events('run-volume')), 0) });
    await h.type('run learn/tools:1\r');
    await h.type('show run\r');
    await wait();
    const f = h.frame();
    expect(f).toMatch(/Step 6 of 7, done in/);
    expect(f).not.toMatch(DRAWING);
    // eslint-disable-next-line no-control-regex
    expect(f).not.toMatch(/\x1b\[/);
  });

  it('against a Docker daemon: the commands run, and show says the diagrams need Skiff\'s engine', async () => {
    const h = await harness({ kind: 'docker' });
    expect(h.frame()).toMatch(/connected to a Docker daemon: every command works; the diagrams need Skiff's daemon/);
    await h.type('show pull\r');
    expect(h.frame()).toMatch(/^Error: 'show pull' is drawn from Skiff's engine trace, and this daemon is Docker's: the diagrams \(pull, layers, ns, cgroups, run\) need Skiff's daemon/m);
    await h.type('ps\r');
    expect(h.frame()).toMatch(/^ran ps$/m);
  });

  it('without root and without a daemon: the status line says what to do', async () => {
    const h = await harness({
      connect: async () => {
        throw new SkiffError('PERMISSION', 'no Skiff daemon is running for /var/lib/skiff, and only root can start one', 'start it as root: sudo skiff daemon');
      },
    });
    expect(h.frame()).toMatch(/no Skiff daemon is running for \/var\/lib\/skiff, and only root can start one/);
    expect(h.frame()).toMatch(/start it as root: sudo\s+skiff daemon/);
    await h.type('ima\t');
    expect(h.frame()).toMatch(/^skiff> image/m);
  });

  it('completes container names from the daemon', async () => {
    const h = await harness();
    await h.type('stop sl\t');
    expect(h.frame()).toMatch(/^skiff> stop sleepy$/m);
  });
});
