// A build as the Engine API streams it: messages as they come, an error before any message thrown
// (the daemon answers it with an HTTP status), an error after them as an errorDetail line.
import { describe, expect, it } from 'vitest';
import { buildMessages, type BuildMessage } from '../../../src/engine/build/stream.ts';
import { buildArgs } from '../../../src/cli/commands/build.ts';
import { SkiffError } from '../../../src/engine/errors.ts';

async function all(gen: AsyncIterable<BuildMessage>): Promise<BuildMessage[]> {
  const out: BuildMessage[] = [];
  for await (const m of gen) out.push(m);
  return out;
}

describe('buildMessages', () => {
  it('streams text and the result', async () => {
    const msgs = await all(buildMessages(async (sink) => {
      sink.stream('Step 1/1 : FROM busybox\n');
      sink.message?.({ status: 'Pulling from library/busybox', id: 'latest' });
      sink.aux?.('sha256:abc');
    }));
    expect(msgs).toEqual([{ stream: 'Step 1/1 : FROM busybox\n' }, { status: 'Pulling from library/busybox', id: 'latest' }, { aux: { ID: 'sha256:abc' } }]);
  });

  it('throws a failure that comes before anything was said; streams a later one with its exit code', async () => {
    await expect(all(buildMessages(async () => {
      throw new SkiffError('USAGE', 'dockerfile parse error on line 1: unknown instruction: X');
    }))).rejects.toThrow(/unknown instruction/);
    const msgs = await all(buildMessages(async (sink) => {
      sink.stream('Step 2/2 : RUN exit 3\n');
      throw Object.assign(new SkiffError('RUNTIME', "The command '/bin/sh -c exit 3' returned a non-zero code: 3"), { exitCode: 3 });
    }));
    expect(msgs.at(-1)).toEqual({ errorDetail: { code: 3, message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" }, error: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" });
  });

  it('quiet: only the image ID when it worked; the held-back text before the error when it did not', async () => {
    const ok = await all(buildMessages(async (sink) => {
      sink.stream('Step 1/1 : FROM busybox\n');
      sink.message?.({ status: 'Downloading' });
      sink.aux?.('sha256:abc');
    }, { quiet: true }));
    expect(ok).toEqual([{ aux: { ID: 'sha256:abc' } }, { stream: 'sha256:abc\n' }]);
    const bad = await all(buildMessages(async (sink) => {
      sink.stream('Step 1/1 : RUN false\n');
      throw new SkiffError('RUNTIME', 'failed');
    }, { quiet: true }));
    expect(bad).toEqual([{ stream: 'Step 1/1 : RUN false\n' }, { errorDetail: { message: 'failed' }, error: 'failed' }]);
  });
});

describe('build --build-arg', () => {
  it('K=V, or K alone taken from the environment (null when unset)', () => {
    expect(buildArgs(['A=1', 'B=x=y', 'HOME', 'NOPE'], { HOME: '/root' })).toEqual({ A: '1', B: 'x=y', HOME: '/root', NOPE: null });
    expect(() => buildArgs(['=v'])).toThrow(/invalid --build-arg/);
  });
});
