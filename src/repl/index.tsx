// `skiff` with no command, on a terminal: the Ink REPL. The prompt is drawn at once; the daemon
// connection is made behind it (the status line tells). This module and Ink are a chunk of the
// bundle of their own (scripts/build.mjs): main.ts imports it only here.
//
// The terminal changes hands: `run -it` (and `exec -it`, `start -ai`) give it to the container's
// pseudo-terminal. The attach session asks for it (Terminal.take): the app is unmounted — it
// stops drawing, lets go of raw mode and of stdin — and mounted again when the session ends
// (exit, or the detach keys), with the history and all state kept outside React.
import { type Instance, render } from 'ink';
import type { Session } from '../cli/main.ts';
import type { EngineApi } from '../client/api.ts';
import type { Engine } from '../engine/engine.ts';
import { isPlain } from '../visualize/index.ts';
import { App } from './App.tsx';
import { History, historyFile } from './history.ts';
import { PanelDrawer } from './drawer.ts';
import { type RunCommand, Shell } from './shell.ts';
import { initialState, Store } from './store.ts';

export interface ReplDeps {
  run: RunCommand;
  api(): Promise<EngineApi>;
  engine(): Promise<Engine>;
}

/** ED 2 (the screen) and ED 3 (the scrollback, xterm), then home. */
const CLEAR_TERMINAL = '\x1b[2J\x1b[3J\x1b[H';
/** Log items printed again after a resize cleared the screen. */
const REPRINT = 500;

export const WELCOME = "Skiff: type Docker-style commands (pull busybox, images, run -it busybox sh). lessons lists the guided lessons, help the commands, Tab completes, exit leaves.";

export async function startRepl(session: Session, deps: ReplDeps): Promise<number> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const plain = session.plain === true || isPlain();
  const store = new Store(initialState(plain));
  const history = new History(historyFile());
  let instance: Instance | undefined;
  let handedOff = false;
  let columns = stdout.columns;
  let leave: () => void = () => {};
  const left = new Promise<void>((resolve) => (leave = resolve));

  const clearScreen = (reprint: number) => {
    instance?.clear();
    stdout.write(CLEAR_TERMINAL);
    store.set((s) => ({ logStart: Math.max(0, s.log.length - reprint), staticKey: s.staticKey + 1 }));
  };

  const drawer = new PanelDrawer(stdout, plain);
  const shell = new Shell({
    session, run: deps.run, api: deps.api, engine: deps.engine, history, store,
    columns: () => stdout.columns || 80,
    drawPanel: (input, width, done) => drawer.draw(input, width, done),
    passthrough: (stream) => (handedOff ? (stream === 'err' ? process.stderr : stdout) : undefined),
    clearScreen: () => clearScreen(0),
    exit: () => leave(),
  });

  const app = () => <App shell={shell} history={history.entries} />;
  const mount = () => {
    instance = render(app(), {
      stdin, stdout, exitOnCtrlC: false,
      // A key's echo does not wait for a frame (Prompt.tsx writes it first); what the engine and
      // the commands produce is gathered into a frame every 100 ms, later while keys come
      // (store.ts). Ink's incremental rendering is not used: it leaves lines behind when
      // <Static> grows.
      maxFps: 60,
    });
  };

  session.terminal = {
    stdin, stdout,
    take: () => {
      if (handedOff || !instance) return () => {};
      // The live part goes (drawn now, synchronously: the next thing on the screen is the
      // container's); what is in the scrollback stays.
      store.set({ suspended: true });
      instance.rerender(app());
      instance.unmount();
      instance = undefined;
      handedOff = true;
      return () => {
        if (!handedOff) return;
        handedOff = false;
        columns = stdout.columns; // the app is drawn anew at the width the terminal has now
        // The screen has the container's output now: the log is not printed again.
        store.set((s) => ({ suspended: false, logStart: s.log.length, staticKey: s.staticKey + 1, promptKey: s.promptKey + 1 }));
        mount();
        // The session paused stdin when it let go (readStop on the TTY), and Ink's 'readable'
        // listener does not start a stopped handle again: resume() does (net.Socket), while the
        // listener keeps the stream out of flowing mode.
        stdin.resume();
        shell.drawPanelNow();
      };
    },
  };

  // A narrower or wider terminal re-wraps what is on it, and Ink cannot know where its live part
  // went: clear the screen and draw the recent log and the live part again, once it settles.
  let resizeTimer: NodeJS.Timeout | undefined;
  const onResize = () => {
    if (resizeTimer) clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      resizeTimer = undefined;
      if (handedOff || stdout.columns === columns) return;
      columns = stdout.columns;
      clearScreen(REPRINT);
      shell.drawPanelNow();
    }, 150);
  };
  stdout.on('resize', onResize);
  // Raw mode makes Ctrl-C a key (Prompt.tsx); SIGINT comes only while a container with -t but
  // without -i has the terminal (cooked mode): it interrupts that command, never the REPL.
  const onSigint = () => void shell.interrupt();
  process.on('SIGINT', onSigint);

  shell.print('info', WELCOME);
  shell.resumeLesson();
  mount();
  void shell.connect();
  try {
    await left;
  } finally {
    store.set({ suspended: true });
    instance?.rerender(app());
    instance?.unmount();
    stdout.off('resize', onResize);
    if (resizeTimer) clearTimeout(resizeTimer);
    process.off('SIGINT', onSigint);
    shell.dispose();
    drawer.close();
  }
  return 0;
}
