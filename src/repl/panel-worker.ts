// The panel worker: draws the diagrams (panel.tsx) on a thread of its own. Laying out a tall
// diagram takes 10-40 ms; on the main thread that is a keystroke waiting to be echoed while a pull
// draws. Built as dist/panel-worker.js (scripts/build.mjs); see drawer.ts.
import { parentPort } from 'node:worker_threads';
import { drawPanel, type PanelInput } from './panel.tsx';

export interface DrawRequest {
  input: PanelInput;
  columns: number;
}

parentPort?.on('message', ({ input, columns }: DrawRequest) => {
  let lines: string[];
  try {
    lines = drawPanel(input, columns);
  } catch (e) {
    lines = [`(the diagram could not be drawn: ${e instanceof Error ? e.message : String(e)})`];
  }
  parentPort!.postMessage(lines);
});
