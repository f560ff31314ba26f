// A diagram's frame: a rounded box with a title line in color; in plain mode a heading line and
// the content, nothing drawn around it.
import { Box } from 'ink';
import type { ReactNode } from 'react';
import { Txt } from './Txt.tsx';

export interface FrameProps {
  title: string;
  /** Shown at the right of the title line (a state, a total time). */
  right?: string;
  rightColor?: string;
  plain: boolean;
  width: number;
  children?: ReactNode;
}

/** Columns the frame itself takes (border and padding), so content can size itself. */
export const FRAME_SPACE = 4;

export function Frame({ title, right, rightColor, plain, width, children }: FrameProps) {
  if (plain) {
    return (
      <Box flexDirection="column" width={width}>
        <Txt plain>{right ? `${title}. ${right}.` : `${title}.`}</Txt>
        {children}
      </Box>
    );
  }
  return (
    <Box flexDirection="column" width={width} borderStyle="round" borderColor="gray" paddingX={1}>
      <Box justifyContent="space-between">
        <Box flexShrink={1}>
          <Txt plain={false} bold wrap="truncate-end">{title}</Txt>
        </Box>
        {right ? (
          <Box flexShrink={0} marginLeft={1}>
            <Txt plain={false} {...(rightColor ? { color: rightColor } : {})}>{right}</Txt>
          </Box>
        ) : null}
      </Box>
      {children}
    </Box>
  );
}

/** A sub-heading inside a frame. */
export function Section({ title, plain }: { title: string; plain: boolean }) {
  return (
    <Box marginTop={1}>
      <Txt plain={plain} bold color="cyan">{plain ? `${title}:` : title}</Txt>
    </Box>
  );
}

/** What a diagram says while there is nothing to draw yet: never an invented placeholder. */
export function Nothing({ text, plain }: { text: string; plain: boolean }) {
  return <Txt plain={plain} dim>{plain ? `${text[0]!.toUpperCase()}${text.slice(1)}.` : text}</Txt>;
}

/** A whole diagram with nothing to draw yet. */
export function EmptyFrame({ title, text, plain, width }: { title: string; text: string; plain: boolean; width: number }) {
  return (
    <Frame title={title} plain={plain} width={width}>
      <Nothing text={text} plain={plain} />
    </Frame>
  );
}
