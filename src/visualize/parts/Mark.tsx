// The state of a step as a symbol in color, or as a word in plain mode.
import { Txt } from './Txt.tsx';

export type MarkState = 'pending' | 'active' | 'done' | 'skipped' | 'not-in-skiff' | 'failed';

const SYMBOL: Record<MarkState, { symbol: string; word: string; color: string }> = {
  pending: { symbol: '○', word: 'pending', color: 'gray' },
  active: { symbol: '◐', word: 'in progress', color: 'yellow' },
  done: { symbol: '✓', word: 'done', color: 'green' },
  skipped: { symbol: '–', word: 'not needed', color: 'gray' },
  'not-in-skiff': { symbol: '✗', word: 'not yet in Skiff', color: 'magenta' },
  failed: { symbol: '✗', word: 'failed', color: 'red' },
};

export function markWord(state: MarkState): string {
  return SYMBOL[state].word;
}

export function markColor(state: MarkState): string {
  return SYMBOL[state].color;
}

export function Mark({ state, plain }: { state: MarkState; plain: boolean }) {
  const s = SYMBOL[state];
  return <Txt plain={plain} color={s.color}>{plain ? s.word : s.symbol}</Txt>;
}
