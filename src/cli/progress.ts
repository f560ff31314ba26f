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

export class PullProgress {
  private readonly order: string[] = [];
  private readonly lines = new Map<string, string>();
  private readonly phases = new Map<string, LayerPhase>();
  private drawn = 0;

  constructor(private readonly out: Output) {}

  /** Feed every engine event; those of other pulls or kinds are ignored by the caller's filter. */
  onEvent(e: EngineEvent): void {
    if (e.type !== 'pull.layer') return;
    const id = shortId(e.digest);
    if (!this.lines.has(id)) this.order.push(id);
    const text = e.phase === 'downloading'
      ? `${id}: Downloading ${this.out.columns >= 100 ? bar(e.current, e.total) + ' ' : ''}${humanSize(e.current)}/${humanSize(e.total)}`
      : `${id}: ${WORDS[e.phase]}${e.error ? `: ${e.error}` : ''}`;
    this.lines.set(id, text);
    const before = this.phases.get(id);
    this.phases.set(id, e.phase);
    if (this.out.isTTY) this.redraw();
    else if (before !== e.phase && e.phase !== 'waiting') this.out.write(`${id}: ${WORDS[e.phase]}\n`);
  }

  private redraw(): void {
    let s = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const id of this.order) s += `\r\x1b[2K${this.lines.get(id)}\n`;
    this.drawn = this.order.length;
    this.out.write(s);
  }
}

/**
 * A pull's or a push's progress from Docker's JSON messages (a daemon's POST /images/create or
 * /images/NAME/push): a line per
 * layer, redrawn in place on a terminal (as `docker pull` draws them), one line per change of
 * phase otherwise; the lines without a layer (Pulling from, Digest, Status) as they come.
 */
export class JsonProgress {
  private readonly order: string[] = [];
  private readonly lines = new Map<string, string>();
  private readonly statuses = new Map<string, string>();
  private drawn = 0;

  constructor(private readonly out: Output) {}

  onMessage(m: { status?: string; id?: string; progressDetail?: { current?: number; total?: number } }): void {
    if (!m.status) return;
    // "latest: Pulling from library/busybox" has the tag as its id: a line of its own.
    if (!m.id || /^Pulling from /.test(m.status)) {
      this.drawn = 0;
      this.out.write(`${m.id ? `${m.id}: ` : ''}${m.status}\n`);
      return;
    }
    const d = m.progressDetail;
    const amount = (m.status === 'Downloading' || m.status === 'Pushing') && d?.total ? ` ${this.out.columns >= 100 ? bar(d.current ?? 0, d.total) + ' ' : ''}${humanSize(d.current ?? 0)}/${humanSize(d.total)}` : '';
    if (!this.lines.has(m.id)) this.order.push(m.id);
    this.lines.set(m.id, `${m.id}: ${m.status}${amount}`);
    const before = this.statuses.get(m.id);
    this.statuses.set(m.id, m.status);
    if (this.out.isTTY) this.redraw();
    else if (before !== m.status) this.out.write(`${m.id}: ${m.status}\n`);
  }

  private redraw(): void {
    let s = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const id of this.order) s += `\r\x1b[2K${this.lines.get(id)}\n`;
    this.drawn = this.order.length;
    this.out.write(s);
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
