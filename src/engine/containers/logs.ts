// A container's output, kept the way Docker's default `json-file` log driver keeps it: one JSON
// object per line of output, with the stream it came from and when it arrived —
//   {"log":"hello\n","stream":"stdout","time":"2026-11-24T20:00:00.123456789Z"}
// so `logs` can show stdout and stderr apart, with timestamps, and follow new lines.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export type StreamName = 'stdout' | 'stderr';

export interface LogEntry {
  log: string;
  stream: StreamName;
  time: string;
}

/** Docker splits partial lines at 16 KiB so one long line cannot grow without bound. */
const MAX_LINE = 16 * 1024;

/** RFC 3339 with nanoseconds (Date has milliseconds; the rest comes from the monotonic clock). */
export function nanoTime(now = new Date()): string {
  const ns = String(process.hrtime.bigint() % 1_000_000n).padStart(6, '0');
  return now.toISOString().replace(/\.(\d{3})Z$/, `.$1${ns}Z`);
}

export class LogWriter {
  private fd: number | undefined;
  private partial: Record<StreamName, string> = { stdout: '', stderr: '' };

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a', 0o640);
  }

  write(stream: StreamName, chunk: Buffer | string): void {
    let text = this.partial[stream] + chunk.toString('utf8');
    let nl: number;
    const lines: string[] = [];
    while ((nl = text.indexOf('\n')) >= 0) {
      lines.push(text.slice(0, nl + 1));
      text = text.slice(nl + 1);
    }
    while (text.length >= MAX_LINE) {
      lines.push(text.slice(0, MAX_LINE));
      text = text.slice(MAX_LINE);
    }
    this.partial[stream] = text;
    if (lines.length === 0) return;
    if (this.fd === undefined) return;
    const time = nanoTime();
    fs.writeSync(this.fd, lines.map((log) => JSON.stringify({ log, stream, time }) + '\n').join(''));
  }

  /** Writes what is left of unfinished lines, then closes (once). */
  close(): void {
    if (this.fd === undefined) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) fs.writeSync(this.fd, JSON.stringify({ log: this.partial[stream], stream, time: nanoTime() }) + '\n');
      this.partial[stream] = '';
    }
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface LogQuery {
  stdout?: boolean;
  stderr?: boolean;
  /** Last N lines only ("all" or undefined for everything). */
  tail?: number;
  /** Only entries at or after / before these times (unix seconds, or RFC 3339). */
  since?: number;
  until?: number;
  follow?: boolean;
  /** For follow: stop when this resolves (the container stopped, or the reader went away). */
  stopped?: Promise<unknown>;
  signal?: AbortSignal;
}

function parseEntries(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch {
      // a line cut by a crash: skip it
    }
  }
  return out;
}

/** The log, filtered as asked; with `follow`, keeps yielding new entries until stopped. */
export async function* readLogs(file: string, q: LogQuery): AsyncGenerator<LogEntry> {
  const stream = (e: LogEntry) => !(e.stream === 'stdout' ? q.stdout === false : q.stderr === false);
  const when = (e: LogEntry) => {
    const t = Date.parse(e.time) / 1000;
    if (q.since !== undefined && t < q.since) return false;
    if (q.until !== undefined && t > q.until) return false;
    return true;
  };
  let offset = 0;
  let carry = '';
  const readNew = (): LogEntry[] => {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return [];
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= offset) return [];
      const buf = Buffer.alloc(size - offset);
      fs.readSync(fd, buf, 0, buf.length, offset);
      offset = size;
      const text = carry + buf.toString('utf8');
      const cut = text.lastIndexOf('\n') + 1;
      carry = text.slice(cut);
      return parseEntries(text.slice(0, cut));
    } finally {
      fs.closeSync(fd);
    }
  };
  // As dockerd: the last N lines of the log, then only the streams asked for.
  let first = readNew().filter(when);
  if (q.tail !== undefined && q.tail >= 0) first = q.tail === 0 ? [] : first.slice(-q.tail);
  yield* first.filter(stream);
  if (!q.follow) return;
  let stopped = false;
  void q.stopped?.then(() => (stopped = true));
  // Poll rather than fs.watch: it works the same on every file system, and 100 ms is well below
  // what a person notices in `logs -f`.
  while (!q.signal?.aborted) {
    const wasStopped = stopped;
    for (const e of readNew()) if (when(e) && stream(e)) yield e;
    if (wasStopped) return; // one last read after the container stopped, then done
    await sleep(100);
  }
}
