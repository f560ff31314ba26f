// What the screen shows besides the prompt: finished output (one log item), the running command
// with its unfinished line and a pull's layers as live bars, the diagram's visible part, and the
// status line (the daemon connection).
import { Box, Text } from 'ink';
import { memo, useEffect, useState } from 'react';
import { shortId, size } from '../visualize/model/format.ts';
import type { PullModel } from '../visualize/index.ts';
import { Bar } from '../visualize/parts/Bar.tsx';
import { PROMPT } from './Prompt.tsx';
import type { LessonStatus } from '../lessons/runner.ts';
import type { Connection, LogItem } from './store.ts';

const ERRORISH = /^(Error|skiff:|Interrupted)/;

/** The widest a log item is laid out (Ink makes a grid as wide as its box): wider lines wrap. */
const WIDEST = 1000;

/** Columns a line takes at most (wide characters count two: an overestimate costs nothing). */
function widest(text: string): number {
  let max = 0;
  // eslint-disable-next-line no-control-regex
  for (const line of text.replace(/\x1b\[[0-9;]*m/g, '').split('\n')) max = Math.max(max, /[^\x00-\x7f]/.test(line) ? 2 * line.length : line.length);
  return max;
}

/**
 * One finished piece of output, as <Static> prints it into the scrollback. Its lines are not
 * wrapped by Ink (its box is as wide as its widest line): the terminal wraps them, as it wraps
 * any program's output, so they re-flow on a resize and copy as the lines they are.
 */
export const LogLine = memo(function LogLine({ item, plain, columns }: { item: LogItem; plain: boolean; columns: number }) {
  return <Box width={Math.max(columns, Math.min(WIDEST, widest(item.text)))}><LogText item={item} plain={plain} /></Box>;
});

function LogText({ item, plain }: { item: LogItem; plain: boolean }) {
  // An empty line still takes a row (Ink draws nothing for an empty text).
  const text = item.text === '' ? ' ' : item.text;
  switch (item.kind) {
    case 'input':
      return plain ? <Text>{PROMPT + text}</Text> : <Text><Text color="green" bold>{PROMPT}</Text>{text}</Text>;
    case 'error':
      return <Text {...(plain ? {} : { color: 'red' })}>{text}</Text>;
    case 'info':
      return <Text {...(plain ? {} : { color: 'cyan' })}>{text}</Text>;
    case 'err': {
      if (plain || !text.split('\n').some((l) => ERRORISH.test(l))) return <Text>{text}</Text>;
      const lines = text.split('\n');
      return <Text>{lines.map((l, i) => <Text key={i} {...(ERRORISH.test(l) ? { color: 'red' } : {})}>{l + (i < lines.length - 1 ? '\n' : '')}</Text>)}</Text>;
    }
    default:
      return <Text>{text}</Text>;
  }
}

/** Layers shown as bars at most; more are summed up on one line. */
export const PULL_ROWS = 6;

const PHASE: Record<string, string> = {
  waiting: 'Waiting', downloading: 'Downloading', verifying: 'Verifying', extracting: 'Extracting', complete: 'Pull complete', exists: 'Already exists', failed: 'Failed',
};

/** A pull's layers as they arrive, one bar each: the live part of `pull` (and of a `run` that pulls). */
export const PullBars = memo(function PullBars({ pull, plain, width }: { pull: PullModel; plain: boolean; width: number }) {
  const layers = pull.layers;
  const shown = layers.length > PULL_ROWS ? layers.slice(0, PULL_ROWS - 1) : layers;
  const barWidth = Math.max(10, Math.min(30, width - 50));
  return (
    <Box flexDirection="column">
      {shown.map((l) => {
        const fraction = l.phase === 'exists' || l.phase === 'complete' ? 1 : l.total > 0 ? l.current / l.total : 0;
        const amount = l.phase === 'downloading' ? `${size(l.current)}/${size(l.total)}` : size(l.total);
        if (plain) return <Text key={l.digest}>{`${shortId(l.digest)}: ${PHASE[l.phase]}, ${Math.round(fraction * 100)}%, ${amount}`}</Text>;
        return (
          <Box key={l.digest}>
            <Box width={14} flexShrink={0}><Text>{shortId(l.digest)}</Text></Box>
            <Box flexShrink={0} marginRight={1}><Bar fraction={fraction} width={barWidth} plain={false} color={l.phase === 'failed' ? 'red' : l.phase === 'exists' ? 'cyan' : 'green'} /></Box>
            <Box width={20} flexShrink={0}><Text dimColor>{amount}</Text></Box>
            <Text wrap="truncate-end">{PHASE[l.phase]}</Text>
          </Box>
        );
      })}
      {layers.length > shown.length ? <Text dimColor={!plain}>{`… ${layers.length - shown.length} more layers`}</Text> : null}
    </Box>
  );
});

/** The command that runs, how long it has, and how to stop it; redrawn once a second. */
export function Running({ line, since, interrupted, plain }: { line: string; since: number; interrupted: boolean; plain: boolean }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);
  const secs = Math.floor((Date.now() - since) / 1000);
  // What to do first: the line itself may be cut at the screen's edge.
  const state = interrupted ? 'interrupting' : 'Ctrl-C interrupts';
  return <Text dimColor={!plain} wrap="truncate-end">{`${plain ? 'Running' : '⋯'} ${secs}s, ${state}: ${line}`}</Text>;
}

/** The visible part of the diagram, and where it is in the whole. */
export const PanelView = memo(function PanelView({ lines, scroll, height, plain }: { lines: readonly string[]; scroll: number; height: number; plain: boolean }) {
  if (height < 3) return <Text dimColor={!plain}>(the diagram needs a taller terminal: make it taller, or type hide)</Text>;
  const clipped = lines.length > height;
  const rows = clipped ? height - 1 : height;
  const top = Math.max(0, Math.min(scroll, lines.length - rows));
  const visible = lines.slice(top, top + rows);
  return (
    <Box flexDirection="column">
      {/* One text, not a node per line: the layout is redone on every keystroke. The lines
          were drawn at the screen's width, so nothing wraps. */}
      <Text>{visible.join('\n')}</Text>
      {clipped ? <Text dimColor={!plain}>{`lines ${top + 1}–${top + visible.length} of ${lines.length}: PgUp/PgDn to scroll, hide to close`}</Text> : null}
    </Box>
  );
});

export function StatusLine({ conn, panel, plain, lesson }: { conn: Connection; panel?: string; plain: boolean; lesson?: LessonStatus }) {
  const color = conn.state === 'failed' ? 'red' : conn.state === 'connecting' ? 'yellow' : 'gray';
  const sep = plain ? '. ' : ' · ';
  const hint = panel ? `${sep}showing ${panel} (hide closes)` : `${sep}help lists commands`;
  return (
    <Text {...(plain ? {} : { color })} wrap="wrap">
      {lesson ? <Text {...(plain ? {} : { color: lesson.done ? 'green' : 'magenta' })}>{lessonText(lesson)}{sep}</Text> : null}
      {conn.text}{conn.state === 'failed' ? '' : hint}
    </Text>
  );
}

/** The status line's part for the lesson open: "lesson 3 · step 2/5" (✓ when finished). */
export function lessonText(l: LessonStatus): string {
  return l.done ? `lesson ${l.number} ✓` : `lesson ${l.number} · step ${l.step}/${l.steps}`;
}

/** Rows a text takes at `width` columns (it wraps). */
export function rowsOf(text: string, width: number): number {
  return text.split('\n').reduce((n, l) => n + Math.max(1, Math.ceil([...l].length / Math.max(1, width))), 0);
}
