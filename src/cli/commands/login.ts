// `skiff login [-u USER] [-p PASSWORD | --password-stdin] [SERVER]`: checks the credentials
// against the registry's own /v2/ challenge (Basic or a token from its token service, as
// `docker login` does), then keeps them in ~/.docker/config.json — where docker and Skiff both
// look for them — base64-encoded, in a file only its owner can read.
import { SkiffError } from '../../engine/errors.ts';
import { checkLogin, registryOrigin } from '../../engine/registry/login.ts';
import { type Command, type CommandContext, str } from '../command.ts';
import { dockerConfigPath, storeCredentials } from '../credentials.ts';

/** `127.0.0.1:5000`, `http://127.0.0.1:5000/`, `docker.io` → the registry's domain as references name it. */
export function serverDomain(server: string | undefined): string {
  if (!server) return 'docker.io';
  const s = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return s === 'index.docker.io' || s === 'registry-1.docker.io' ? 'docker.io' : s;
}

/** The first line of standard input (a password given with --password-stdin). */
export async function readLine(ctx: CommandContext): Promise<string> {
  let text = '';
  for await (const c of ctx.stdin as AsyncIterable<Buffer | string>) {
    text += c.toString();
    if (text.includes('\n')) break;
  }
  return text.replace(/\r?\n[\s\S]*$/, '');
}

export const login: Command = {
  name: 'login',
  usage: '[OPTIONS] [SERVER]',
  summary: 'Log in to a registry',
  flags: [
    { name: 'username', short: 'u', kind: 'string', help: 'Username', placeholder: 'user' },
    { name: 'password', short: 'p', kind: 'string', help: 'Password (visible in ps and shell history: prefer --password-stdin)', placeholder: 'password' },
    { name: 'password-stdin', kind: 'bool', help: 'Take the password from standard input' },
  ],
  args: { min: 0, max: 1 },
  async run(ctx, { flags, positionals }) {
    const given = positionals[0];
    const domain = serverDomain(given);
    const username = str(flags.username);
    if (!username) throw new SkiffError('USAGE', 'login needs a username: -u USER', 'e.g. skiff login -u learner --password-stdin 127.0.0.1:5000');
    let password = str(flags.password);
    if (flags['password-stdin'] === true) {
      if (password) throw new SkiffError('USAGE', '--password and --password-stdin are mutually exclusive', 'give the password one way');
      password = await readLine(ctx);
    } else if (password) {
      ctx.err.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    } else {
      ctx.err.write('Password: ');
      password = await readLine(ctx);
    }
    if (!password) throw new SkiffError('USAGE', 'the password is empty', 'give it with --password-stdin');
    const credentials = { username, password };
    await checkLogin(registryOrigin(domain, ctx.insecureRegistries, given?.startsWith('http://')), credentials);
    storeCredentials(domain, credentials);
    ctx.err.write(`WARNING! Your password will be stored unencrypted in ${dockerConfigPath()}.\n`);
    ctx.out.write('Login Succeeded\n');
  },
};
