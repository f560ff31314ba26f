// Pull progress the way `docker pull` prints it, drawn from the engine's pull events: one line per
// layer, redrawn in place on a terminal, and one line per change of phase otherwise (logs, CI).
import { shortId } from '../engine/digest.ts';
import type { EngineEvent, LayerPhase } from '../engine/events.ts';
import type { Output } from './command.ts';
import { humanSize } from './format.ts';

const WORDS: Record<LayerPhase, string> = {
  waiting: 'Waiting',
  downloading: 'Downloading',
  verifying: 'Verifying Checksum',
  extracting: 'Extracting',
  complete: 'Pull complete',
  exists: 'Already exists',
  failed: 'Failed',
};

function bar(current: number, total: number, width = 50): string {
  const done = total > 0 ? Math.min(width, Math.floor((current / total) * width)) : 0;
  return `[${'='.repeat(Math.max(0, done - 1))}${done > 0 ? '>' : ''}${' '.repeat(width - done)}]`;
}

/**
 * One line per layer as `docker pull` and `docker push` draw them: on a terminal every line is
 * drawn again in place as it changes; elsewhere (logs, CI) a line is printed when a layer's phase
 * changes.
 */
export class LayerLines {
  private readonly order: string[] = [];
  private readonly lines = new Map<string, string>();
  private readonly phases = new Map<string, string>();
  private drawn = 0;

  constructor(private readonly out: Output) {}

  /** `line`: what a terminal shows for the layer now; `phase`: what a pipe prints once it changes
   *  (nothing with `announce` false). */
  set(id: string, phase: string, line: string, announce = true): void {
    if (!this.lines.has(id)) this.order.push(id);
    this.lines.set(id, line);
    const before = this.phases.get(id);
    this.phases.set(id, phase);
    if (this.out.isTTY) this.redraw();
    else if (before !== phase && announce) this.out.write(`${id}: ${phase}\n`);
  }

  /** A line that is not a layer's was printed: the layers are drawn anew below it. */
  printed(line: string): void {
    this.drawn = 0;
    this.out.write(`${line}\n`);
  }

  private redraw(): void {
    let s = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const id of this.order) s += `\r\x1b[2K${this.lines.get(id)}\n`;
    this.drawn = this.order.length;
    this.out.write(s);
  }
}

/** The amount a layer line shows while its bytes move (a bar, too, on a wide terminal). */
export function amount(out: Output, current: number, total: number): string {
  return `${out.columns >= 100 ? bar(current, total) + ' ' : ''}${humanSize(current)}/${humanSize(total)}`;
}

/** A pull's layers from the engine's pull events, in this process. */
export class PullProgress {
  private readonly board: LayerLines;

  constructor(private readonly out: Output) {
    this.board = new LayerLines(out);
  }

  /** Feed every engine event; those of other pulls or kinds are ignored by the caller's filter. */
  onEvent(e: EngineEvent): void {
    if (e.type !== 'pull.layer') return;
    const id = shortId(e.digest);
    const line = e.phase === 'downloading' ? `${id}: Downloading ${amount(this.out, e.current, e.total)}` : `${id}: ${WORDS[e.phase]}${e.error ? `: ${e.error}` : ''}`;
    this.board.set(id, WORDS[e.phase], line, e.phase !== 'waiting');
  }
}

/**
 * A pull's or a push's progress from Docker's JSON messages (a daemon's POST /images/create or
 * /images/NAME/push): a line per
 * layer, redrawn in place on a terminal (as `docker pull` draws them), one line per change of
 * phase otherwise; the lines without a layer (Pulling from, Digest, Status) as they come.
 */
export class JsonProgress {
  private readonly board: LayerLines;

  constructor(private readonly out: Output) {
    this.board = new LayerLines(out);
  }

  onMessage(m: { status?: string; id?: string; progressDetail?: { current?: number; total?: number } }): void {
    if (!m.status) return;
    // "latest: Pulling from library/busybox" has the tag as its id: a line of its own.
    if (!m.id || /^Pulling from /.test(m.status)) return this.board.printed(`${m.id ? `${m.id}: ` : ''}${m.status}`);
    const d = m.progressDetail;
    const moving = (m.status === 'Downloading' || m.status === 'Pushing') && d?.total;
    this.board.set(m.id, m.status, `${m.id}: ${m.status}${moving ? ` ${amount(this.out, d.current ?? 0, d.total!)}` : ''}`);
  }
}

/** One line per HTTP exchange, for `--trace`: the handshake as it happens. */
export function traceLine(e: EngineEvent): string | undefined {
  switch (e.type) {
    case 'http': {
      const u = new URL(e.url);
      const extra = [e.auth ? `auth=${e.auth}` : '', e.range ? `range=${e.range}` : '', e.location ? `→ ${e.location}` : '', e.attempt > 1 ? `attempt ${e.attempt}` : '', e.error ?? ''].filter(Boolean).join(' ');
      return `[${e.step}] ${e.method} ${u.host}${u.pathname}${u.search} → ${e.status || 'no answer'} (${Math.round(e.ms)} ms)${extra ? ' ' + extra : ''}`;
    }
    case 'auth.challenge':
      return `[auth] registry wants ${e.scheme === 'bearer' ? `a Bearer token from ${e.realm} (service ${e.service ?? '-'})` : 'Basic credentials'}`;
    case 'ratelimit':
      return `[rate limit] limit ${e.limit ?? '?'}, remaining ${e.remaining ?? '?'}${e.source ? ` for ${e.source}` : ''}`;
    case 'pull.manifest':
      return e.platforms ? `[manifest] list offers ${e.platforms.join(', ')}; chose ${e.chosen}` : `[manifest] ${e.mediaType} ${shortId(e.digest)}`;
    default:
      return undefined;
  }
}
