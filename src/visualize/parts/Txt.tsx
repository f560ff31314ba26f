// Text that drops its color and weight in plain mode: the one place styling is switched off.
import { Text } from 'ink';
import type { ReactNode } from 'react';

export type Wrap = 'wrap' | 'truncate' | 'truncate-start' | 'truncate-middle' | 'truncate-end';

export interface TxtProps {
  plain: boolean;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  wrap?: Wrap;
  children?: ReactNode;
}

export function Txt({ plain, color, bold, dim, wrap, children }: TxtProps) {
  if (plain) return <Text {...(wrap ? { wrap } : {})}>{children}</Text>;
  return (
    <Text {...(color ? { color } : {})} {...(bold ? { bold } : {})} {...(dim ? { dimColor: true } : {})} {...(wrap ? { wrap } : {})}>
      {children}
    </Text>
  );
}
