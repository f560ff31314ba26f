// `skiff search [--limit N] REGISTRY/TERM`: repositories whose name contains TERM, from the
// registry's catalog (GET /v2/_catalog, page by page). Docker Hub's search service is another API
// on another host (index.docker.io/v1/search) that Skiff does not reach, so a term without a
// registry is refused with that said; a registry that keeps its catalog closed says so too.
import { SkiffError } from '../../engine/errors.ts';
import { EventBus } from '../../engine/events.ts';
import { RegistryClient } from '../../engine/registry/client.ts';
import { catalog, tags } from '../../engine/registry/listing.ts';
import { registryOrigin } from '../../engine/registry/login.ts';
import { type Command, str } from '../command.ts';
import { credentialsFor } from '../credentials.ts';
import { table } from '../format.ts';


/** `127.0.0.1:5000/busy` → registry and term; a term without a registry host is Docker Hub's. */
export function splitSearchTerm(input: string): { domain: string; term: string } {
  const slash = input.indexOf('/');
  const first = slash === -1 ? '' : input.slice(0, slash);
  if (first && (/[.:]/.test(first) || first === 'localhost')) return { domain: first, term: input.slice(slash + 1) };
  return { domain: 'docker.io', term: input };
}

export const search: Command = {
  name: 'search',
  usage: '[OPTIONS] REGISTRY/TERM',
  summary: 'Search a registry\'s catalog for repositories',
  flags: [
    { name: 'limit', kind: 'string', help: 'Max number of results (default 25)', placeholder: 'int' },
    { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
  ],
  args: { min: 1, max: 1 },
  async run(ctx, { flags, positionals }) {
    const { domain, term } = splitSearchTerm(positionals[0]!);
    const limit = str(flags.limit) === undefined ? 25 : Number(str(flags.limit));
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new SkiffError('USAGE', `invalid --limit ${str(flags.limit)}: must be between 1 and 100`, 'e.g. --limit 10');
    if (domain === 'docker.io') {
      throw new SkiffError('UNSUPPORTED', `Docker Hub's search service (index.docker.io/v1/search) is not reachable from Skiff`, `search a registry's catalog instead: skiff search 127.0.0.1:5000/${term}`);
    }
    const client = new RegistryClient({ origin: registryOrigin(domain, ctx.insecureRegistries), events: new EventBus(), credentials: credentialsFor(domain), attempts: 2 });
    const repos = (await catalog(client, { signal: ctx.signal })).filter((r) => r.toLowerCase().includes(term.toLowerCase())).slice(0, limit);
    const rows: string[][] = [];
    for (const r of repos) {
      const t = await tags(client, r, { signal: ctx.signal }).catch(() => [] as string[]);
      const desc = t.length ? `tags: ${t.join(', ')}` : '';
      rows.push([`${domain}/${r}`, flags['no-trunc'] === true || desc.length <= 45 ? desc : `${desc.slice(0, 44)}…`, '0', r.startsWith('library/') ? '[OK]' : '']);
    }
    ctx.out.write(table(['NAME', 'DESCRIPTION', 'STARS', 'OFFICIAL'], rows));
  },
};
