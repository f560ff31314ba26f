// A build as the Engine API streams it (POST /build, moby api/server/router/build): JSON messages
//   {"stream":"Step 1/3 : FROM busybox\n"}   the classic builder's text
//   {"status":"Downloading",…,"id":"…"}      pull progress of a FROM image not in the store
//   {"aux":{"ID":"sha256:…"}}                the result, for `docker build -q` and --iidfile
//   {"errorDetail":{"code":3,"message":"…"},"error":"…"}   a failure once the stream has begun
// A failure before anything was said is thrown instead, so that the daemon can answer it with an
// HTTP error status (moby: "do not write the error in the http output if it's still empty").
// With `quiet`, the text is held back and shown only if the build fails; a build that worked says
// only its image ID (moby's build route with q=1).
import { describeError, SkiffError } from '../errors.ts';
import type { BuildSink } from './index.ts';

export interface BuildMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: { ID: string };
  error?: string;
  errorDetail?: { code?: number; message: string };
}

/** Where pull progress of a FROM image goes: into the same stream, when the sink has one. */
export type MessageSink = BuildSink & { message?(m: BuildMessage): void };

export async function* buildMessages(run: (sink: MessageSink) => Promise<unknown>, opts: { quiet?: boolean } = {}): AsyncGenerator<BuildMessage> {
  const queue: BuildMessage[] = [];
  let held = '';
  let wake: (() => void) | undefined;
  let done = false;
  let failure: unknown;
  const push = (m: BuildMessage) => {
    queue.push(m);
    wake?.();
  };
  let result: string | undefined;
  const sink: MessageSink = {
    stream: (text) => (opts.quiet ? (held += text) : push({ stream: text })),
    aux: (id) => {
      result = id;
      push({ aux: { ID: id } });
    },
    message: (m) => {
      if (!opts.quiet) push(m);
    },
  };
  void run(sink).then(
    () => {
      done = true;
      wake?.();
    },
    (e: unknown) => {
      failure = e ?? new Error('the build failed');
      done = true;
      wake?.();
    },
  );
  let said = false;
  for (;;) {
    while (queue.length > 0) {
      said = true;
      yield queue.shift()!;
    }
    if (done) break;
    await new Promise<void>((r) => (wake = r));
    wake = undefined;
  }
  // Quiet and successful: the image ID is all the output (the docker CLI prints the stream as is).
  if (failure === undefined) {
    if (opts.quiet && result) yield { stream: `${result}\n` };
    return;
  }
  if (held) {
    said = true;
    yield { stream: held };
  }
  if (!said) throw failure;
  const message = failure instanceof SkiffError ? failure.message : describeError(failure);
  const code = (failure as { exitCode?: unknown }).exitCode;
  yield { errorDetail: { ...(typeof code === 'number' ? { code } : {}), message }, error: message };
}
