// What a registry holds, page by page (distribution-spec "Listing Tags", distribution docs
// "Catalog"): `GET /v2/_catalog?n=&last=` and `GET /v2/<name>/tags/list?n=&last=`. A registry that
// has more answers with `Link: </v2/_catalog?last=x&n=100>; rel="next"` (RFC 8288), and the next
// page is exactly that URL.
import { SkiffError } from '../errors.ts';
import { parseErrorBody, scopeFor } from './challenge.ts';
import type { RegistryClient } from './client.ts';

/** The target of a `rel="next"` link, or undefined when this was the last page. */
export function nextLink(header: string | string[] | undefined): string | undefined {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  for (const v of values) {
    for (const part of v.split(/,(?=\s*<)/)) {
      const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
      if (m && /(?:^|;)\s*rel\s*=\s*"?next"?\s*(?:;|$)/i.test(m[2]!)) return m[1];
    }
  }
  return undefined;
}

async function pages<T>(client: RegistryClient, first: string, scope: string, key: 'repositories' | 'tags', limit: number, signal?: AbortSignal): Promise<T[]> {
  const out: T[] = [];
  let path: string | undefined = first;
  for (let n = 0; path && out.length < limit; n++) {
    if (n > 10_000) throw new SkiffError('REGISTRY_ERROR', `${client.host} keeps sending pages`, 'the registry\'s Link headers go round in circles');
    const res = await client.transport.send('catalog', 'GET', path, { scope, signal });
    const text = await res.body.text();
    if (res.statusCode === 404 || res.statusCode === 405 || (res.statusCode === 401 && key === 'repositories')) {
      const errors = parseErrorBody(text);
      throw new SkiffError('UNSUPPORTED', `${client.host} has no ${key === 'repositories' ? 'catalog' : 'tag list'} (GET ${new URL(path, client.transport.origin).pathname} answered ${res.statusCode}${errors[0] ? `: ${errors[0].message}` : ''})`,
        key === 'repositories' ? 'the registry does not list its repositories (Docker Hub\'s catalog is closed too); ask for a name you know: skiff pull HOST/NAME' : 'check the repository name');
    }
    if (res.statusCode !== 200) throw new SkiffError('REGISTRY_ERROR', `${client.host} answered ${res.statusCode} to GET ${path}`, 'try again later');
    const doc = JSON.parse(text) as Record<string, unknown>;
    const items = doc[key];
    if (Array.isArray(items)) out.push(...(items as T[]));
    path = nextLink(res.headers.link);
  }
  return out.slice(0, limit);
}

/** Every repository name, following the registry's pages of `pageSize`. */
export function catalog(client: RegistryClient, opts: { pageSize?: number; limit?: number; signal?: AbortSignal } = {}): Promise<string[]> {
  return pages<string>(client, `/v2/_catalog?n=${opts.pageSize ?? 100}`, 'registry:catalog:*', 'repositories', opts.limit ?? Infinity, opts.signal);
}

/** Every tag of a repository. */
export function tags(client: RegistryClient, repo: string, opts: { pageSize?: number; signal?: AbortSignal } = {}): Promise<string[]> {
  const q = opts.pageSize ? `?n=${opts.pageSize}` : '';
  return pages<string>(client, `/v2/${repo}/tags/list${q}`, scopeFor(repo, ['pull']), 'tags', Infinity, opts.signal);
}
