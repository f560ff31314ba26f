// The worker thread that unpacks a layer: it reads the tar's bytes from the shared ring that
// unpack.ts fills (ring.ts), parses them (tar.ts) and makes the files (writer.ts). It has nothing
// else to do, so it blocks while it waits for bytes. It reports once: the counts, or the first error.
import { parentPort, workerData } from 'node:worker_threads';
import { SkiffError } from '../errors.ts';
import { type RingMemory, RingReader } from './ring.ts';
import { TarReader } from './tar.ts';
import { LayerWriter } from './writer.ts';

const { dest, startedEmpty, ring } = workerData as { dest: string; startedEmpty: boolean; ring: RingMemory };

function run(): void {
  const writer = new LayerWriter(dest, startedEmpty);
  const tar = new TarReader(writer);
  const input = new RingReader(ring);
  try {
    for (;;) {
      const bytes = input.next();
      if (bytes === 'aborted') return writer.abandon(); // the pull failed elsewhere: nobody waits for us
      if (bytes === null) break;
      tar.write(bytes);
      input.release(bytes.length);
    }
    tar.close();
    writer.finish();
    parentPort!.postMessage({ stats: writer.stats });
  } catch (e) {
    writer.abandon();
    const err = e as NodeJS.ErrnoException;
    parentPort!.postMessage({
      error: e instanceof SkiffError
        ? { code: e.code, message: e.message, hint: e.hint }
        : { code: 'ERRNO', errno: err.code, syscall: err.syscall, message: err.message ?? String(e) },
    });
  }
}

run();
