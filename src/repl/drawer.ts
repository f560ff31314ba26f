// Draws the diagram shown — in the panel worker when it is built (dist/panel-worker.js beside
// this chunk), else here (the TypeScript sources under test). One drawing at a time: asked again
// meanwhile, it draws once more when the first is done, from the newest state.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { drawPanel, type PanelInput } from './panel.tsx';
import type { DrawRequest } from './panel-worker.ts';

function builtWorker(): string | undefined {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.js')) return undefined;
  const script = fileURLToPath(new URL('./panel-worker.js', import.meta.url));
  return fs.existsSync(script) ? script : undefined;
}

/** chalk in the worker sees no terminal: it is told the color depth this terminal has. */
function forceColor(out: NodeJS.WriteStream, plain: boolean): string {
  if (plain) return '0';
  const depth = out.isTTY ? out.getColorDepth() : 1;
  return depth >= 24 ? '3' : depth >= 8 ? '2' : depth >= 4 ? '1' : '0';
}

interface Job {
  request: DrawRequest;
  done(lines: string[]): void;
}

export class PanelDrawer {
  private worker: Worker | undefined;
  private script: string | undefined;
  /** The drawing the worker is doing, if any, and the one to do after it (the newest asked). */
  private inFlight: Job | undefined;
  private next: Job | undefined;

  constructor(private readonly out: NodeJS.WriteStream, private readonly plain: boolean, script = builtWorker()) {
    this.script = script;
  }

  /** Started on the first `show`, not with the REPL: loading Ink on a second thread at start-up
   *  would take a core from the first prompt. */
  private start(): Worker | undefined {
    if (this.worker || !this.script) return this.worker;
    const worker = new Worker(this.script, { env: { ...process.env, FORCE_COLOR: forceColor(this.out, this.plain) } });
    worker.unref();
    worker.on('message', (lines: string[]) => this.finished(lines));
    // A worker that fails (out of memory, a bug) leaves the drawing to this thread.
    worker.on('error', () => {
      this.worker = undefined;
      this.script = undefined;
      const again = this.next ?? this.inFlight;
      this.inFlight = this.next = undefined;
      if (again) this.run(again);
    });
    this.worker = worker;
    return worker;
  }

  /** Whether drawings are made on the worker's thread (false before the first, or without one). */
  get threaded(): boolean {
    return this.worker !== undefined;
  }

  /** Draws `input`, then calls `done` with the lines — unless a newer drawing is asked for first. */
  draw(input: PanelInput, columns: number, done: (lines: string[]) => void): void {
    this.run({ request: { input, columns }, done });
  }

  private run(job: Job): void {
    const worker = this.start();
    if (!worker) return job.done(drawPanel(job.request.input, job.request.columns));
    if (this.inFlight) {
      this.next = job;
      return;
    }
    this.inFlight = job;
    worker.postMessage(job.request);
  }

  private finished(lines: string[]): void {
    const job = this.inFlight;
    const next = this.next;
    this.inFlight = this.next = undefined;
    job?.done(lines);
    if (next) this.run(next);
  }

  close(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
