// The REPL opens no engine of its own: against a daemon (Skiff's or Docker's) the local store is
// left alone; when a command opens the engine in this process, its events reach the diagrams.
import { describe, expect, it } from 'vitest';
import type { Session } from '../../../src/cli/main.ts';
import type { EngineApi } from '../../../src/client/api.ts';
import type { Engine } from '../../../src/engine/engine.ts';
import { EventBus } from '../../../src/engine/events.ts';
import { History } from '../../../src/repl/history.ts';
import { Shell } from '../../../src/repl/shell.ts';
import { initialState, Store } from '../../../src/repl/store.ts';
import { events } from '../visualize/fixtures.ts';

describe('the REPL and the engine in its own process', () => {
  it('is not opened by the REPL; followed once a command opens it', async () => {
    let opened = 0;
    const bus = new EventBus();
    const engine = { events: bus } as unknown as Engine;
    const api = { kind: 'docker', close: async () => {} } as unknown as EngineApi;
    const session = { stdin: process.stdin, dataRoot: '/nonexistent', insecureRegistries: [], trace: false } as unknown as Session;
    const store = new Store(initialState(true), 1);
    const shell = new Shell({
      session, history: new History(), store, drawPanel: (_i, _w, done) => done([]), run: async () => 0,
      api: async () => api, engine: async () => (opened++, engine), columns: () => 80, passthrough: () => undefined, clearScreen: () => {}, exit: () => {},
    });
    try {
      await shell.connect();
      expect(opened).toBe(0);
      expect(session.onEngine).toBeTypeOf('function');
      // A command (import, base, a --trace pull) opened it: its events reach the diagrams now.
      session.onEngine!(engine);
      for (const e of events('pull-token')) bus.emit(e);
      await new Promise((r) => setTimeout(r, 20));
      store.flushSoon();
      expect(store.get().models.pull.state).toBe('done');
      expect(opened).toBe(0);
    } finally {
      shell.dispose();
    }
  });
});
