// A progress bar or gauge: blocks in color, a percentage in words in plain mode.
import { Txt } from './Txt.tsx';
import { percent } from '../model/format.ts';

export interface BarProps {
  /** 0 to 1; undefined: unknown (no limit to measure against). */
  fraction: number | undefined;
  width: number;
  plain: boolean;
  color?: string;
}

export function barText(fraction: number, width: number): { full: string; empty: string } {
  const f = Math.max(0, Math.min(1, fraction));
  const n = Math.round(f * width);
  return { full: '█'.repeat(n), empty: '░'.repeat(width - n) };
}

export function Bar({ fraction, width, plain, color = 'green' }: BarProps) {
  if (plain) return <Txt plain>{fraction === undefined ? 'no limit' : percent(fraction)}</Txt>;
  if (fraction === undefined) return <Txt plain={false} dim>{'·'.repeat(width)}</Txt>;
  const { full, empty } = barText(fraction, width);
  return (
    <Txt plain={false}>
      <Txt plain={false} color={color}>{full}</Txt>
      <Txt plain={false} dim>{empty}</Txt>
    </Txt>
  );
}
