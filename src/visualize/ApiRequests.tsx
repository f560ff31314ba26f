// The client/server view: every request the client (the REPL) sent the daemon over its unix
// socket, newest last — the method and path going to the daemon, the status and time coming back
// (green 2xx; yellow 1xx, an attach or exec turned into a stream, and 3xx; red 4xx and 5xx).
// The same request answered the same way again in a row (stats polled) is one row with a count.
import { Box } from 'ink';
import { type ApiModel, type ApiRow, apiStatusText, rowMs, shortQuery, statusClass } from './model/api.ts';
import { duration, shortenHex } from './model/format.ts';
import { FRAME_SPACE, Frame, Nothing } from './parts/Frame.tsx';
import { isPlain } from './parts/plain.ts';
import { Txt } from './parts/Txt.tsx';

export interface ApiRequestsProps {
  /** Folded from the daemon's events (reduceApi / foldApi). */
  model: ApiModel;
  /** No color, no drawing, sentences instead of rows; default: on when NO_COLOR is set. */
  plain?: boolean;
  /** Columns to fill; default 80. */
  width?: number;
  /** Lines to fit in (the rows shown are the newest that fit); default: the last 20 rows. */
  height?: number;
  /** The socket's path, when the caller knows it (e.g. /run/skiff/skiff.sock). */
  socket?: string;
}

const DEFAULT_ROWS = 20;
const METHOD = 7; // DELETE and a space
const ARROWS = 9; // ' ──▶│◀── '
const STATUS = 3;
const TIME = 8;
const COUNT = 5;

const COLOR = { ok: 'green', info: 'yellow', error: 'red' } as const;

export function statusColor(status: number): string {
  return COLOR[statusClass(status)];
}

/** What a row asked for, as the diagram writes it: IDs shortened, the query decoded and short.
 *  Given `fit` columns, the query is cut at its end first so that the path stays whole, then IDs
 *  are shortened further; only a path that still does not fit is left to be cut in its middle. */
export function requestText(r: ApiRow, plain: boolean, fit?: number): string {
  if (plain) return `${shortenHex(r.path, '')}${shortQuery(r.query, 64, '')}`;
  const query = shortQuery(r.query);
  const len = (s: string) => [...s].length;
  for (const digits of [12, 8, 4]) {
    const path = r.path.replace(/[0-9a-f]{64}/g, (h) => `${h.slice(0, digits)}…`);
    if (fit === undefined || len(path) + len(query) <= fit) return path + query;
    if (!query && len(path) <= fit) return path;
    if (query && len(path) + 1 <= fit) return `${path}${[...query].slice(0, fit - len(path) - 1).join('')}…`;
  }
  const shortest = r.path.replace(/[0-9a-f]{64}/g, (h) => `${h.slice(0, 4)}…`);
  return fit !== undefined && len(shortest) <= fit ? shortest : shortenHex(r.path) + query;
}

/** Times as measured: whole milliseconds as the daemon reports them, an average to a tenth. */
export function time(ms: number): string {
  if (ms >= 1 && ms < 1000 && Number.isInteger(ms)) return `${ms} ms`;
  return duration(ms);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function Sentence({ r }: { r: ApiRow }) {
  const status = `${r.status} ${apiStatusText(r.status)}`.trim();
  const what = `${r.method} ${requestText(r, true)}`;
  const stream = r.status === 101 ? ': the connection became the stream, open' : '';
  if (r.count > 1) {
    return <Txt plain>{`The client sent ${what} ${r.count} times; the daemon answered ${status} each time${stream}, in ${time(rowMs(r))} on average.`}</Txt>;
  }
  return <Txt plain>{`The client sent ${what}; the daemon answered ${status}${stream}${stream ? ' for' : ', in'} ${time(r.ms)}.`}</Txt>;
}

function Row({ r, fit }: { r: ApiRow; fit: number }) {
  const color = statusColor(r.status);
  return (
    <Box>
      <Box width={METHOD} flexShrink={0}><Txt plain={false} bold>{r.method}</Txt></Box>
      <Box flexGrow={1} flexShrink={1}><Txt plain={false} wrap="truncate-middle">{requestText(r, false, fit)}</Txt></Box>
      <Box width={ARROWS} flexShrink={0}>
        <Txt plain={false}>
          <Txt plain={false} color="gray">{' ──▶│'}</Txt>
          <Txt plain={false} color={color}>{'◀── '}</Txt>
        </Txt>
      </Box>
      <Box width={STATUS} flexShrink={0}><Txt plain={false} bold color={color}>{String(r.status)}</Txt></Box>
      <Box width={TIME} flexShrink={0} justifyContent="flex-end"><Txt plain={false} dim>{time(rowMs(r))}</Txt></Box>
      <Box width={COUNT} flexShrink={0} justifyContent="flex-end"><Txt plain={false} color="cyan">{r.count > 1 ? `×${r.count}` : ''}</Txt></Box>
    </Box>
  );
}

export function ApiRequests({ model, plain: plainProp, width = 80, height, socket }: ApiRequestsProps) {
  const plain = isPlain(plainProp);
  const inner = width - (plain ? 0 : FRAME_SPACE);
  // Lines besides the rows: the frame's border and title, the header, the column heads (drawn);
  // the title and the header (plain).
  const where = `over the unix socket${socket ? ` ${socket}` : ''}`;
  const header = `client (skiff REPL) ⇄ daemon (skiffd) ${where}`;
  const overhead = plain ? 2 : [...header].length > inner ? 6 : 5;
  let room = height === undefined ? DEFAULT_ROWS : Math.max(1, height - overhead);
  if (height !== undefined && model.rows.length > room) room = Math.max(1, room - 1); // a line says how many are not shown
  const shown = model.rows.slice(-room);
  const hidden = model.dropped + model.rows.slice(0, model.rows.length - shown.length).reduce((n, r) => n + r.count, 0);
  const right = `${plural(model.total, 'request')}${model.failed ? `, ${model.failed} failed` : ''}${model.version ? `, API ${model.version}` : ''}`;
  const fit = inner - METHOD - ARROWS - STATUS - TIME - COUNT;
  return (
    <Frame title={plain ? 'Client and daemon' : 'client ⇄ daemon'} right={right} {...(model.failed ? { rightColor: 'yellow' } : {})} plain={plain} width={width}>
      <Box flexDirection="column" width={inner}>
        {plain ? (
          <Txt plain>{`The client (the skiff REPL) sends requests to the daemon (skiffd) ${where}; each one it sent, newest last${model.version ? `, paths without their /v${model.version} prefix` : ''}.`}</Txt>
        ) : (
          <Txt plain={false}>
            <Txt plain={false} bold color="cyan">client</Txt>
            {' (skiff REPL) ⇄ '}
            <Txt plain={false} bold color="magenta">daemon</Txt>
            {` (skiffd) ${where}`}
          </Txt>
        )}
        {!plain ? (
          <Box>
            <Box flexGrow={1} flexShrink={1}><Txt plain={false} dim wrap="truncate-end">{`request${model.version ? ` (without /v${model.version})` : ''}`}</Txt></Box>
            <Box width={ARROWS} flexShrink={0} justifyContent="center"><Txt plain={false} bold color="magenta">daemon</Txt></Box>
            <Box width={STATUS + TIME + COUNT} flexShrink={0}><Txt plain={false} dim>answer</Txt></Box>
          </Box>
        ) : null}
        {model.rows.length === 0 ? <Nothing text="no request yet" plain={plain} /> : null}
        {hidden > 0 ? <Txt plain={plain} dim>{plain ? `${plural(hidden, 'earlier request')} not shown.` : `… ${plural(hidden, 'earlier request')}`}</Txt> : null}
        {shown.map((r, i) => (plain ? <Sentence key={i} r={r} /> : <Row key={i} r={r} fit={fit} />))}
      </Box>
    </Frame>
  );
}
