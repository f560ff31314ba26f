// "What happens when you `docker run`": the seven steps the articles list, each with the timing
// the engine really measured, or its honest state — pending until an event says otherwise, and
// "not needed" for a step that did not apply (no interface with --network none).
import { Box } from 'ink';
import { duration, shortId } from './model/format.ts';
import { type RunModel, type RunStep, runSteps, runTotal } from './model/run.ts';
import { FRAME_SPACE, Frame } from './parts/Frame.tsx';
import { Mark, markColor, markWord } from './parts/Mark.tsx';
import { isPlain } from './parts/plain.ts';
import { Txt } from './parts/Txt.tsx';

export interface ExplainRunProps {
  /** Folded from the events (reduceRun / foldRun). */
  model: RunModel;
  /** What the container printed (its log), shown under step 7; a few lines at most. */
  output?: string;
  plain?: boolean;
  width?: number;
}

const OUTPUT_LINES = 3;

/** A detail as a sentence of its own, for plain text. */
function sentence(s: string): string {
  const t = `${s[0]?.toUpperCase() ?? ''}${s.slice(1)}`.replace(/…$/, '');
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function StepLine({ s, plain }: { s: RunStep; plain: boolean }) {
  const when = s.state === 'done' && s.ms !== undefined ? duration(s.ms) : markWord(s.state);
  if (plain) return <Txt plain>{`Step ${s.n} of 7, ${s.state === 'done' && s.ms !== undefined ? `done in ${when}` : when}: ${s.title}.${s.detail ? ` ${sentence(s.detail)}` : ''}`}</Txt>;
  return (
    <Box flexDirection="column">
      <Box>
        <Box width={2} flexShrink={0}><Mark state={s.state} plain={false} /></Box>
        <Box flexGrow={1} flexShrink={1}><Txt plain={false} bold={s.state === 'done' || s.state === 'active'} dim={s.state === 'pending'} wrap="truncate-end">{`${s.n} ${s.title}`}</Txt></Box>
        <Box flexShrink={0} marginLeft={1}><Txt plain={false} color={s.state === 'done' ? 'cyan' : markColor(s.state)}>{when}</Txt></Box>
      </Box>
      {s.detail ? <Box marginLeft={4}><Txt plain={false} dim>{s.detail}</Txt></Box> : null}
    </Box>
  );
}

function exitWords(m: RunModel): { text: string; color: string } | undefined {
  const e = m.exit;
  if (!e) return undefined;
  if (e.reason === 'oom') return { text: `was ended by the OOM killer (exit ${e.exitCode})`, color: 'red' };
  if (e.reason === 'start-failed') return { text: `could not start: ${e.error ?? `exit ${e.exitCode}`}`, color: 'red' };
  if (e.reason === 'signaled') return { text: `was ended by ${e.signal ?? 'a signal'} (exit ${e.exitCode})`, color: 'yellow' };
  return { text: `exited with code ${e.exitCode}`, color: e.exitCode === 0 ? 'green' : 'yellow' };
}

export function ExplainRun({ model, output, plain: plainProp, width = 80 }: ExplainRunProps) {
  const plain = isPlain(plainProp);
  const steps = runSteps(model);
  const total = runTotal(steps);
  const who = model.container ? `${model.container.name} ${shortId(model.container.id)}` : model.pull ? model.pull.ref : '';
  const inner = width - (plain ? 0 : FRAME_SPACE);
  const exit = exitWords(model);
  const lines = output === undefined ? [] : output.replace(/\n$/, '').split('\n');
  return (
    <Frame title={`docker run, step by step${who ? `: ${who}` : ''}`} {...(total ? { right: `${duration(total)} measured` } : {})} plain={plain} width={width}>
      <Box flexDirection="column" width={inner}>
        {steps.map((s) => <StepLine key={s.key} s={s} plain={plain} />)}
        {output !== undefined && model.steps.attach ? (
          <Box flexDirection="column" marginLeft={plain ? 0 : 4}>
            {plain ? <Txt plain>{`Its output${lines.length > OUTPUT_LINES ? `, first ${OUTPUT_LINES} lines` : ''}:`}</Txt> : null}
            {lines.slice(0, OUTPUT_LINES).map((l, i) => <Txt key={i} plain={plain} wrap="truncate-end">{plain ? l : `│ ${l}`}</Txt>)}
          </Box>
        ) : null}
        {exit ? <Box marginTop={1}><Txt plain={plain} color={exit.color}>{`Then the container ${exit.text}${plain ? '.' : ''}`}</Txt></Box> : null}
      </Box>
    </Frame>
  );
}
