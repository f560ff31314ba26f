// The Ink app: finished output in <Static> (Ink prints it once, above everything, and it stays in
// the terminal's scrollback), then what is live — the running command with a pull's bars, the
// diagram, the status line, the prompt — kept shorter than the screen: Ink redraws the live part
// on every change, and a live part as tall as the screen makes it clear the whole terminal.
import { Box, Static, Text, useStdout } from 'ink';
import { useEffect, useLayoutEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { pulling } from './feed.ts';
import { lessonText, LogLine, PanelView, PULL_ROWS, PullBars, Running, StatusLine, rowsOf } from './live.tsx';
import { Prompt } from './Prompt.tsx';
import type { Shell } from './shell.ts';

export interface AppProps {
  shell: Shell;
  history: readonly string[];
}

/** The terminal, and its size as it changes. */
function useTerminal(): { stdout: NodeJS.WriteStream; columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const on = () => setSize(read());
    stdout.on('resize', on);
    return () => void stdout.off('resize', on);
  }, [stdout]); // eslint-disable-line react-hooks/exhaustive-deps
  return { stdout, ...size };
}

export function App({ shell, history }: AppProps) {
  const s = useSyncExternalStore(shell.store.subscribe, shell.store.get);
  const { stdout, columns, rows } = useTerminal();
  const [promptHeight, setPromptHeight] = useState(1);
  const items = useMemo(() => s.log.slice(s.logStart), [s.log, s.logStart]);
  useLayoutEffect(() => {
    shell.shownId = s.log.at(-1)?.id ?? 0;
  }, [s.log, shell]);

  const showBars = s.running !== undefined && pulling(s.models) && s.models.pull.layers.length > 0;
  const barRows = showBars ? Math.min(PULL_ROWS, s.models.pull.layers.length) : 0;
  const statusRows = rowsOf((s.lesson ? `${lessonText(s.lesson)} · ` : '') + s.conn.text + ' · showing cgroups (hide closes)', columns);
  const used = promptHeight + statusRows + (s.notice ? rowsOf(s.notice, columns) : 0) + (s.running ? 1 + barRows + (s.partial ? rowsOf(s.partial, columns) : 0) : 0);
  // One row spare: a live part exactly as tall as the screen scrolls it by one.
  const panelHeight = rows - used - 1;

  return (
    <>
      <Static key={s.staticKey} items={items}>{(item) => <LogLine key={item.id} item={item} plain={s.plain} columns={columns} />}</Static>
      {s.suspended ? null : <Box flexDirection="column" width={columns}>
        {s.running && s.partial ? <Text>{s.partial}</Text> : null}
        {showBars ? <PullBars pull={s.models.pull} plain={s.plain} width={columns} /> : null}
        {s.running ? <Running line={s.running.line} since={s.running.since} interrupted={s.running.interrupted} plain={s.plain} /> : null}
        {s.panel ? <PanelView lines={s.panelLines} scroll={s.scroll} height={panelHeight} plain={s.plain} /> : null}
        {s.notice ? <Text {...(s.plain ? {} : { color: 'yellow' })}>{s.notice}</Text> : null}
        <StatusLine conn={s.conn} {...(s.panel ? { panel: s.panel } : {})} {...(s.lesson ? { lesson: s.lesson } : {})} plain={s.plain} />
        {/* The prompt last, as in a shell: where Ink leaves the cursor is the line below it. */}
        <Prompt
          key={s.promptKey}
          history={history}
          busy={s.running !== undefined}
          plain={s.plain}
          width={columns}
          onSubmit={(line) => shell.submit(line)}
          onInterrupt={() => shell.interrupt()}
          onExit={() => shell.exit()}
          onComplete={(text, cursor) => shell.complete(text, cursor)}
          onClearScreen={() => shell.clearScreen()}
          onScroll={(d) => shell.scrollPanel(d * Math.max(1, panelHeight - 2), panelHeight - 1)}
          onNotice={(t) => shell.notice(t)}
          onHeight={setPromptHeight}
          onKeyPressed={() => shell.store.typed()}
          {...(stdout.isTTY ? { echo: (text: string) => void stdout.write(text) } : {})}
        />
      </Box>}
    </>
  );
}
