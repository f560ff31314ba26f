// A client attached to a container's streams. Docker's `run` attaches *before* it starts the
// container, so nothing the command prints is missed: an attachment can wait for streams that do
// not exist yet, queue what the client types meanwhile, and is told when the output has ended.
import type { StreamName } from './logs.ts';

export interface Chunk {
  stream: StreamName;
  data: Buffer;
}

/** Where an attachment's input goes once the container runs. */
export interface InputSink {
  writeStdin(data: Buffer | string): void;
  endStdin(): void;
}

export class Attachment {
  private queue: Chunk[] = [];
  private waiters: (() => void)[] = [];
  private ended = false;
  private sink?: InputSink;
  private early: (Buffer | string | null)[] = [];
  /** Called when the client lets go (the hub forgets it). */
  onClose?: () => void;

  constructor(readonly want: { stdin: boolean; stdout: boolean; stderr: boolean }) {}

  /** Output from the container (only the streams asked for). */
  push(stream: StreamName, data: Buffer): void {
    if (this.ended || !(stream === 'stdout' ? this.want.stdout : this.want.stderr)) return;
    this.queue.push({ stream, data });
    this.wake();
  }

  /** The output has ended (the process exited and its pipes are drained). */
  finish(): void {
    this.ended = true;
    this.wake();
  }

  /** The container's streams exist now: send what was typed before. */
  connect(sink: InputSink): void {
    this.sink = sink;
    for (const d of this.early.splice(0)) d === null ? sink.endStdin() : sink.writeStdin(d);
  }

  write(data: Buffer | string): void {
    if (!this.want.stdin) return;
    if (this.sink) this.sink.writeStdin(data);
    else this.early.push(data);
  }

  end(): void {
    if (!this.want.stdin) return;
    if (this.sink) this.sink.endStdin();
    else this.early.push(null);
  }

  close(): void {
    this.finish();
    this.onClose?.();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async *output(): AsyncGenerator<Chunk> {
    for (;;) {
      while (this.queue.length > 0) yield this.queue.shift()!;
      if (this.ended) return;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
}
