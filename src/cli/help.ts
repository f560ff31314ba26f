import type { Command } from './command.ts';
import { commands } from './commands/index.ts';

export const GLOBAL_HELP = `Usage:  skiff [OPTIONS] COMMAND [ARGS...]
        skiff                      (no command: open the interactive shell)

A container engine you can watch: every command really happens, and Skiff shows how.

Options:
      --data-root DIR           Where images and layers are kept (default /var/lib/skiff)
  -H, --host ADDRESS            The daemon to use (unix:///path.sock, tcp://host:port; also
                                SKIFF_HOST, DOCKER_HOST). Without one, Skiff's own daemon for the
                                data root, started in the background when it is not running
      --storage-driver DRIVER   overlay (default where the kernel has it) or vfs (copies layers)
      --plain                   Plain text: no colours, boxes or redrawn lines (also NO_COLOR);
                                for screen readers
      --insecure-registry HOST  Allow plain HTTP to this registry (loopback ones always are)
      --trace                   Print each registry exchange (the pull handshake) as it happens
  -v, --version                 Print the version
  -h, --help                    Print this help

Commands:
`;

export function globalHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return GLOBAL_HELP + commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}\n`).join('') + "\nRun 'skiff COMMAND --help' for more about a command.\n";
}

export function commandHelp(c: Command): string {
  const flags = c.flags.map((f) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.kind === 'bool' ? '' : ` ${f.placeholder ?? (f.kind === 'list' ? 'list' : 'string')}`}`;
    return `  ${left.padEnd(30)}${f.help}\n`;
  });
  const aliases = c.aliases?.length ? `\nAliases:\n  ${[c.name, ...c.aliases].map((a) => `skiff ${a}`).join(', ')}\n` : '';
  return `\nUsage:  skiff ${c.name} ${c.usage}\n\n${c.summary}\n${aliases}${flags.length ? `\nOptions:\n${flags.join('')}` : ''}`;
}
