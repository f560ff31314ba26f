// Command history kept across sessions in ~/.skiff_history (SKIFF_HISTORY names another file),
// one command per line, as bash keeps ~/.bash_history. The file is the user's alone (0600):
// command lines can hold secrets (`-e PASSWORD=...`).
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function historyFile(env: Record<string, string | undefined> = process.env): string {
  return env.SKIFF_HISTORY ?? path.join(os.homedir(), '.skiff_history');
}

export class History {
  /** Oldest first. */
  readonly entries: string[] = [];

  /** `file` undefined: kept in memory only (tests, a home that cannot be written). */
  constructor(private readonly file?: string, private readonly max = 1000) {
    if (!file) return;
    try {
      const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
      this.entries.push(...lines.slice(-max));
      // Keep the file from growing without end: rewrite it when it is twice the limit.
      if (lines.length > 2 * max) writeFileSync(file, this.entries.join('\n') + '\n', { mode: 0o600 });
    } catch {
      // no history yet, or none we may read: start empty
    }
  }

  /** Remembers a line the user ran; a repeat of the line before is kept once (HISTCONTROL=ignoredups). */
  add(line: string): void {
    const l = line.trim();
    if (!l || this.entries.at(-1) === l) return;
    this.entries.push(l);
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
    if (!this.file) return;
    try {
      appendFileSync(this.file, l + '\n', { mode: 0o600 });
    } catch {
      // A read-only home is no reason to stop the shell.
    }
  }
}
