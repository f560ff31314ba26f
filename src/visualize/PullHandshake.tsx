// The pull handshake as a sequence diagram: the client's requests to the registry, the token
// service and any host a redirect named, one row per real exchange with its answer, notes on what
// each answer meant; every layer with its progress; and beside it the articles' older six-step
// story, each step tied to the exchanges that do its job today.
import { Box } from 'ink';
import { duration, shortId, shortenHex, size, wrapWords } from './model/format.ts';
import { type Exchange, type Party, type PullLayer, type PullModel, pullBytes, storySteps } from './model/pull.ts';
import { type SequenceRow, sequence, statusText } from './model/sequence.ts';
import { Bar } from './parts/Bar.tsx';
import { FRAME_SPACE, Frame, Nothing, Section } from './parts/Frame.tsx';
import { Mark, markWord } from './parts/Mark.tsx';
import { isPlain } from './parts/plain.ts';
import { Txt } from './parts/Txt.tsx';

export interface PullHandshakeProps {
  /** Folded from the events of one pull (reducePull / foldPull). */
  model: PullModel;
  /** No color, no drawing, words instead of symbols; default: on when NO_COLOR is set. */
  plain?: boolean;
  /** Columns to fill; default 80. At 120 and more the six-step story stands beside the diagram. */
  width?: number;
}

const LANE = 4; // columns between lifelines
const LANE_INDEX: Record<Party | 'client', number> = { client: 0, registry: 1, token: 2, other: 3 };
const PARTY_WORD: Record<Party | 'client', string> = { client: 'client', registry: 'registry', token: 'token service', other: 'other host' };

/** The lifelines with an arrow from the client to lane `to` (or none: -1). */
export function laneText(lanes: number, to: number): string {
  let s = '';
  for (let pos = 0; pos <= (lanes - 1) * LANE; pos++) {
    const lane = pos % LANE === 0 ? pos / LANE : -1;
    if (to < 0) s += lane >= 0 ? '│' : ' ';
    else if (lane === 0) s += '├';
    else if (lane > 0 && lane < to) s += '┼';
    else if (lane >= to) s += '│';
    else if (pos === to * LANE - 1) s += '▶';
    else s += pos < to * LANE ? '─' : ' ';
  }
  return s;
}

function statusColor(status: number): string {
  if (status >= 200 && status < 300) return 'green';
  if (status >= 300 && status < 400) return 'cyan';
  if (status >= 400 && status < 500) return 'yellow';
  return 'red';
}

const TONE = { info: 'gray', warn: 'yellow', bad: 'red' } as const;

function requestWords(x: Exchange, plain: boolean): string {
  return `${x.method} ${shortenHex(x.path, plain ? '' : '…')}`;
}

function ExchangeRow({ row, lanes, plain }: { row: Extract<SequenceRow, { kind: 'exchange' }>; lanes: number; plain: boolean }) {
  const { x, n } = row;
  if (plain) {
    const answer = x.status === 0 ? `no answer: ${x.error ?? 'the connection failed'}` : `${x.status} ${statusText(x.status)}`.trim();
    const extra = [x.auth ? `with ${x.auth === 'bearer' ? 'the Bearer token' : 'Basic credentials'}` : '', x.attempt > 1 ? `attempt ${x.attempt}` : ''].filter(Boolean).join(', ');
    return <Txt plain>{`${n}. Client to ${PARTY_WORD[x.party]} ${x.host}: ${requestWords(x, true)}${extra ? ` (${extra})` : ''}. Answer: ${answer}, in ${duration(x.ms)}.`}</Txt>;
  }
  return (
    <Box>
      <Box width={3} flexShrink={0}><Txt plain={false} dim>{String(n).padStart(2)}</Txt></Box>
      <Box flexShrink={0} marginRight={1}><Txt plain={false} color="gray">{laneText(lanes, LANE_INDEX[x.party])}</Txt></Box>
      <Box flexGrow={1} flexShrink={1}><Txt plain={false} wrap="truncate-middle">{requestWords(x, false)}</Txt></Box>
      <Box width={4} flexShrink={0} justifyContent="flex-end"><Txt plain={false} bold color={statusColor(x.status)}>{x.status === 0 ? '—' : String(x.status)}</Txt></Box>
      <Box width={8} flexShrink={0} justifyContent="flex-end"><Txt plain={false} dim>{duration(x.ms)}</Txt></Box>
    </Box>
  );
}

function NoteRow({ row, lanes, plain, width }: { row: Extract<SequenceRow, { kind: 'note' }>; lanes: number; plain: boolean; width: number }) {
  if (plain) return <Txt plain>{`   Note, ${PARTY_WORD[row.party]}: ${shortenHex(row.text, '')}.`}</Txt>;
  const lifelines = laneText(lanes, -1);
  // Wrapped here rather than by the layout, so the lifelines run beside every line of the note.
  const lines = wrapWords(shortenHex(row.text), width - 3 - lifelines.length - 1);
  return (
    <Box flexDirection="column">
      {lines.map((line, i) => (
        <Box key={i}>
          <Box width={3} flexShrink={0} />
          <Box flexShrink={0} marginRight={1}><Txt plain={false} color="gray">{lifelines}</Txt></Box>
          <Txt plain={false} color={TONE[row.tone]}>{line}</Txt>
        </Box>
      ))}
    </Box>
  );
}

const PHASE_WORD: Record<PullLayer['phase'], string> = {
  waiting: 'waiting', downloading: 'downloading', verifying: 'verifying', extracting: 'extracting', complete: 'pulled', exists: 'already exists', failed: 'failed',
};

function LayerRow({ l, plain, width }: { l: PullLayer; plain: boolean; width: number }) {
  const notes = [
    l.resumedFrom !== undefined ? `resumed at ${size(l.resumedFrom)} (Range)` : '',
    l.redirectedTo ? `served by ${l.redirectedTo} (redirect)` : '',
    l.error ?? '',
  ].filter(Boolean);
  const fraction = l.phase === 'exists' ? 1 : l.total > 0 ? l.current / l.total : 0;
  if (plain) {
    const amount = l.phase === 'exists' ? `${size(l.total)}, shared with an image already stored` : `${size(l.current)} of ${size(l.total)}`;
    return <Txt plain>{`Layer ${shortId(l.digest)}: ${PHASE_WORD[l.phase]}, ${amount}${notes.length ? `; ${notes.join('; ')}` : ''}.`}</Txt>;
  }
  const barWidth = Math.max(8, Math.min(24, width - 50));
  const color = l.phase === 'exists' ? 'cyan' : l.phase === 'failed' ? 'red' : l.phase === 'complete' ? 'green' : 'yellow';
  return (
    <Box flexDirection="column">
      <Box>
        <Box width={13} flexShrink={0}><Txt plain={false}>{shortId(l.digest)}</Txt></Box>
        <Box flexShrink={0} marginRight={1}><Bar fraction={fraction} width={barWidth} plain={false} color={color} /></Box>
        <Box width={19} flexShrink={0}><Txt plain={false} dim>{l.phase === 'exists' ? size(l.total) : `${size(l.current)}/${size(l.total)}`}</Txt></Box>
        <Box flexShrink={1}><Txt plain={false} color={color} wrap="truncate-end">{PHASE_WORD[l.phase]}</Txt></Box>
      </Box>
      {notes.length ? <Box marginLeft={13}><Txt plain={false} color="yellow">{notes.join(' · ')}</Txt></Box> : null}
    </Box>
  );
}

function Story({ pull, plain }: { pull: PullModel; plain: boolean }) {
  const steps = storySteps(pull);
  const ended = pull.state === 'done' || pull.state === 'failed';
  return (
    <Box flexDirection="column">
      <Section plain={plain} title="The articles' six steps, and today's" />
      {steps.map((s) => {
        const refs = s.exchanges.length ? ` (exchange${s.exchanges.length > 1 ? 's' : ''} ${s.exchanges.map((i) => i + 1).join(', ')})` : '';
        const state = s.state === 'pending' && ended ? 'not reached' : markWord(s.state);
        if (plain) return <Txt key={s.n} plain>{`Step ${s.n}, ${state}: ${s.story}. Today: ${s.real}${refs}.`}</Txt>;
        return (
          <Box key={s.n} flexDirection="column">
            <Box>
              <Box width={2} flexShrink={0}><Mark state={s.state} plain={false} /></Box>
              <Txt plain={false} bold>{`${s.n} ${s.story}`}</Txt>
            </Box>
            <Box marginLeft={4}><Txt plain={false} dim>{`${s.real}${refs}`}</Txt></Box>
          </Box>
        );
      })}
    </Box>
  );
}

function headline(p: PullModel): { right: string; color: string } {
  switch (p.state) {
    case 'done':
      return { right: p.result?.upToDate ? `up to date, ${duration(p.result.ms)}` : `done in ${duration(p.result?.ms ?? 0)}`, color: 'green' };
    case 'failed':
      return { right: `failed: ${p.error?.code ?? 'error'}`, color: 'red' };
    case 'pulling': {
      const b = pullBytes(p);
      return { right: b.toFetch ? `pulling: ${size(b.current)} of ${size(b.toFetch)}` : 'pulling', color: 'yellow' };
    }
    default:
      return { right: 'waiting for a pull', color: 'gray' };
  }
}

export function PullHandshake({ model: pull, plain: plainProp, width = 80 }: PullHandshakeProps) {
  const plain = isPlain(plainProp);
  const rows = sequence(pull);
  const lanes = pull.exchanges.some((x) => x.party === 'other') ? 4 : 3;
  const hosts: Record<Party, string | undefined> = {
    registry: pull.registryHost,
    token: pull.challenge?.realm ? new URL(pull.challenge.realm).host : pull.exchanges.find((x) => x.party === 'token')?.host,
    other: pull.exchanges.find((x) => x.party === 'other')?.host,
  };
  const { right, color } = headline(pull);
  const inner = width - (plain ? 0 : FRAME_SPACE);
  const beside = !plain && width >= 120;
  const storyWidth = beside ? 44 : inner;
  const mainWidth = beside ? inner - storyWidth - 2 : inner;
  const legend = (['registry', 'token', 'other'] as const).slice(0, lanes - 1).map((p, i) => `${'RTX'[i]} ${PARTY_WORD[p]}${hosts[p] ? ` ${hosts[p]}` : ''}`);

  const diagram = (
    <Box flexDirection="column" width={mainWidth}>
      {plain ? (
        <Txt plain>{`The client talks to the registry ${hosts.registry ?? '(not yet known)'}${hosts.token ? `, the token service ${hosts.token}` : ''}${hosts.other ? ` and another host ${hosts.other}` : ''}.`}</Txt>
      ) : (
        <Box flexWrap="wrap" columnGap={3}>{['C client', ...legend].map((l) => <Txt key={l} plain={false} dim>{l}</Txt>)}</Box>
      )}
      {!plain ? (
        <Box>
          <Box width={3} flexShrink={0} />
          <Txt plain={false} bold>{['C', 'R', 'T', 'X'].slice(0, lanes).join('   ')}</Txt>
        </Box>
      ) : null}
      {rows.length === 0 ? <Nothing text="no exchange yet" plain={plain} /> : null}
      {rows.map((r, i) => (r.kind === 'exchange' ? <ExchangeRow key={i} row={r} lanes={lanes} plain={plain} /> : <NoteRow key={i} row={r} lanes={lanes} plain={plain} width={mainWidth} />))}
      {pull.layers.length ? <Section plain={plain} title="Layers" /> : null}
      {pull.layers.map((l) => <LayerRow key={l.digest} l={l} plain={plain} width={mainWidth} />)}
      {pull.error ? <Box marginTop={1}><Txt plain={plain} color="red">{`${pull.error.code}: ${pull.error.message}`}</Txt></Box> : null}
    </Box>
  );
  return (
    <Frame title={`pull ${pull.ref ?? ''}`.trim()} right={right} rightColor={color} plain={plain} width={width}>
      {beside ? (
        <Box>
          {diagram}
          <Box width={storyWidth} marginLeft={2} flexDirection="column"><Story pull={pull} plain={plain} /></Box>
        </Box>
      ) : (
        <>
          {diagram}
          <Story pull={pull} plain={plain} />
        </>
      )}
    </Frame>
  );
}
