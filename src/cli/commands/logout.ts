// `skiff logout [SERVER]`: forgets the credentials `login` kept in ~/.docker/config.json.
import type { Command } from '../command.ts';
import { configKey, removeCredentials } from '../credentials.ts';
import { serverDomain } from './login.ts';

export const logout: Command = {
  name: 'logout',
  usage: '[SERVER]',
  summary: 'Log out from a registry',
  flags: [],
  args: { min: 0, max: 1 },
  async run(ctx, { positionals }) {
    const domain = serverDomain(positionals[0]);
    const key = configKey(domain);
    ctx.out.write(removeCredentials(domain) ? `Removing login credentials for ${key}\n` : `Not logged in to ${key}\n`);
  },
};
