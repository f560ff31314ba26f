// The pull handshake's sequence diagram as rows: each exchange in order, and notes in words on
// what its answer meant (the challenge, the token's scope, the platform chosen from a manifest
// list, a redirect that leaves the token behind, a retry, a resumed download).
import type { Exchange, Party, PullModel } from './pull.ts';

export type SequenceRow =
  | { kind: 'exchange'; n: number; x: Exchange }
  | { kind: 'note'; party: Party | 'client'; text: string; tone: 'info' | 'warn' | 'bad' };

const MEDIA: Record<string, string> = {
  'application/vnd.oci.image.index.v1+json': 'OCI image index',
  'application/vnd.docker.distribution.manifest.list.v2+json': 'Docker manifest list',
  'application/vnd.oci.image.manifest.v1+json': 'OCI image manifest',
  'application/vnd.docker.distribution.manifest.v2+json': 'Docker image manifest, schema 2',
};

export function mediaTypeName(mediaType: string): string {
  return MEDIA[mediaType] ?? mediaType;
}

/** The reason phrase of a status (RFC 9110), for the words of plain mode. */
export function statusText(status: number): string {
  const t: Record<number, string> = {
    0: 'no answer', 200: 'OK', 206: 'Partial Content', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 307: 'Temporary Redirect',
    308: 'Permanent Redirect', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 416: 'Range Not Satisfiable', 429: 'Too Many Requests',
    500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
  };
  return t[status] ?? '';
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function sequence(m: PullModel): SequenceRow[] {
  const rows: SequenceRow[] = [];
  let tokenNoted = false;
  let indexNoted = false;
  m.exchanges.forEach((x, i) => {
    const later = m.exchanges.slice(i + 1);
    if (x.range) rows.push({ kind: 'note', party: 'client', tone: 'warn', text: `resume: the last answer broke off; Range ${x.range.replace(/^bytes=/, 'bytes ')} asks for the rest` });
    rows.push({ kind: 'exchange', n: i + 1, x });
    if (x.auth === 'bearer' && !tokenNoted) {
      tokenNoted = true;
      rows.push({ kind: 'note', party: 'client', tone: 'info', text: 'from here on, every request to the registry carries the token in its Authorization header' });
    }
    if (x.step === 'ping') {
      if (x.status === 401 && m.challenge) {
        rows.push({
          kind: 'note', party: 'registry', tone: 'info',
          text: m.challenge.scheme === 'bearer'
            ? `challenge: Bearer — get a token from ${m.challenge.realm}${m.challenge.service ? ` for service ${m.challenge.service}` : ''}`
            : 'challenge: Basic — send a user name and password with each request',
        });
      } else if (x.status === 200) rows.push({ kind: 'note', party: 'registry', tone: 'info', text: 'the registry speaks v2 and asks for no login' });
    }
    if (x.step === 'token' && x.status === 200) {
      const scope = new URL(x.url).searchParams.get('scope');
      rows.push({ kind: 'note', party: 'token', tone: 'info', text: `a signed token (JWT)${scope ? ` for ${scope}` : ''}` });
    }
    if (x.step === 'manifest' && x.status === 200) {
      if (m.index && !indexNoted && (x.target === m.index.digest || !x.target?.startsWith('sha256:'))) {
        indexNoted = true;
        const attestation = m.index.platforms.includes('unknown/unknown') ? ' (unknown/unknown is an attestation, not an image)' : '';
        rows.push({ kind: 'note', party: 'registry', tone: 'info', text: `${mediaTypeName(m.index.mediaType)} offers ${m.index.platforms.join(', ')}${attestation}; this host takes ${m.index.chosen ?? '?'}` });
      } else if (m.manifest && (x.target === m.manifest.digest || !m.index)) {
        rows.push({ kind: 'note', party: 'registry', tone: 'info', text: `${mediaTypeName(m.manifest.mediaType)}: a config and ${m.layers.length || 'its'} layer${m.layers.length === 1 ? '' : 's'}` });
      }
    }
    if (x.step === 'config' && x.status === 200) rows.push({ kind: 'note', party: 'registry', tone: 'info', text: 'config: the command, environment and the layers\' diff IDs' });
    if (x.location) rows.push({ kind: 'note', party: x.party, tone: 'info', text: `redirect to ${hostOf(x.location)}: the token stays here, it is not sent to another host` });
    if (x.status === 0 || x.status >= 500 || x.status === 429) {
      const retried = later.some((y) => y.url === x.url && y.attempt > x.attempt);
      rows.push({ kind: 'note', party: 'client', tone: 'bad', text: `${x.status === 0 ? x.error ?? 'no answer' : `${x.status} ${statusText(x.status)}`.trim()}${retried ? ': tried again after a pause' : ''}` });
    }
  });
  const existing = m.layers.filter((l) => l.phase === 'exists').length;
  if (existing) rows.push({ kind: 'note', party: 'client', tone: 'info', text: `${existing} layer${existing === 1 ? ' was' : 's were'} already in the store: not downloaded again` });
  if (m.rateLimit) {
    const r = m.rateLimit;
    rows.push({ kind: 'note', party: 'registry', tone: 'warn', text: `rate limit: ${r.remaining ?? '?'} left of ${r.limit ?? '?'}${r.source ? ` (counted as ${r.source})` : ''}` });
  }
  return rows;
}
