// The worker thread that makes a layer's files (writer.ts), fed in order by unpack.ts. It answers
// each batch with how far it got (for back-pressure), and the first error ends its work.
import { parentPort, workerData } from 'node:worker_threads';
import { SkiffError } from '../errors.ts';
import type { WriterOp } from './unpack.ts';
import { LayerWriter } from './writer.ts';

const { dest, startedEmpty } = workerData as { dest: string; startedEmpty: boolean };
const writer = new LayerWriter(dest, startedEmpty);
let failed = false;

function report(e: unknown): void {
  failed = true;
  writer.abandon();
  const err = e as NodeJS.ErrnoException;
  parentPort!.postMessage({
    error: e instanceof SkiffError
      ? { code: e.code, message: e.message, hint: e.hint }
      : { code: 'ERRNO', errno: err.code, message: err.message ?? String(e) },
  });
}

parentPort!.on('message', (m: { ops?: WriterOp[]; upto?: number; finish?: boolean }) => {
  if (failed) return;
  try {
    for (const op of m.ops ?? []) {
      if (op.op === 'begin') writer.begin(op.h);
      else if (op.op === 'data') writer.data(op.b);
      else writer.end();
    }
    if (m.upto !== undefined) parentPort!.postMessage({ ack: m.upto });
    if (m.finish) {
      writer.finish();
      parentPort!.postMessage({ stats: writer.stats });
    }
  } catch (e) {
    report(e);
  }
});
