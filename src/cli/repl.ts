// The shell when standard input or output is not a terminal (`echo images | skiff`, a script, a
// pipe): a plain readline loop over the same commands as the one-shot CLI, one command per line.
// On a terminal, `skiff` opens the Ink REPL instead (src/repl). Ctrl-C interrupts the running
// command, never the shell; Ctrl-D or `exit` leaves; history is kept in ~/.skiff_history.
import readline from 'node:readline';
import { describeError } from '../engine/errors.ts';
import { History, historyFile } from '../repl/history.ts';
import { splitCommandLine } from './args.ts';
import { allNames } from './commands/index.ts';
import { globalHelp } from './help.ts';
import type { Session } from './main.ts';

export async function repl(s: Session, run: (s: Session, words: string[], signal: AbortSignal) => Promise<number>): Promise<number> {
  const names = [...allNames(), 'help', 'exit'];
  const history = new History(historyFile(), 500);
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: 'skiff> ',
    history: [...history.entries].reverse(), // readline wants the newest first
    historySize: 500,
    completer: (line: string) => {
      const hits = names.filter((n) => n.startsWith(line.trimStart()));
      return [hits.length ? hits : names, line.trimStart()];
    },
  });
  if (process.stdin.isTTY) s.out.write("Skiff: type Docker-style commands (pull busybox, images, ...). 'help' lists them, 'exit' leaves.\n");
  let running: AbortController | undefined;
  rl.on('SIGINT', () => {
    if (running) running.abort();
    else {
      s.out.write('^C\n');
      rl.prompt();
    }
  });
  rl.prompt();
  for await (const line of rl) {
    const trimmed = line.trim();
    if (trimmed === 'exit' || trimmed === 'quit') break;
    if (trimmed !== '') {
      history.add(trimmed);
      try {
        let words = splitCommandLine(trimmed);
        if (words[0] === 'docker' || words[0] === 'skiff') words = words.slice(1);
        if (words[0] === 'help') {
          s.out.write(words.length > 1 ? '' : globalHelp());
          if (words.length > 1) await run(s, [...words.slice(1), '--help'], new AbortController().signal);
        } else {
          running = new AbortController();
          await run(s, words, running.signal);
        }
      } catch (e) {
        s.err.write(`Error: ${describeError(e)}\n`);
      } finally {
        running = undefined;
      }
    }
    rl.prompt();
  }
  rl.close();
  return 0;
}
