// A worker for the ring tests: reads everything from the ring (ring.ts) and reports its sha256 and
// length, or that the writer aborted — the way the unpack worker reads its tar.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { type RingMemory, RingReader } from '../../src/engine/unpack/ring.ts';

const input = new RingReader(workerData.ring as RingMemory, workerData.maxPiece as number | undefined);
const hash = createHash('sha256');
let n = 0;
for (;;) {
  const b = input.next();
  if (b === 'aborted') {
    parentPort!.postMessage({ aborted: true, n });
    break;
  }
  if (b === null) {
    parentPort!.postMessage({ sha: hash.digest('hex'), n });
    break;
  }
  hash.update(b);
  n += b.length;
  input.release(b.length);
}
