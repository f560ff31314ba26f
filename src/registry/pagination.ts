// Paged lists (distribution-spec "Listing Tags", distribution docs/spec/api.md "Catalog"): the
// client asks for `n` entries after `last`; entries are in lexical order, so `last` is a name, not
// a page number, and a list that changes between pages still pages correctly. When more remain,
// the answer carries `Link: <…?last=<the last sent>&n=<n>>; rel="next"`.
import { RegistryError } from './errors.ts';

export interface PageRequest {
  n?: number;
  last?: string;
}

/** Reads `n` and `last` from a query; a bad `n` is PAGINATION_NUMBER_INVALID. */
export function pageRequest(query: URLSearchParams, max: number): PageRequest {
  const out: PageRequest = {};
  const n = query.get('n');
  if (n !== null && n !== '') {
    if (!/^\d+$/.test(n)) throw new RegistryError('PAGINATION_NUMBER_INVALID', `invalid number of results requested: n=${JSON.stringify(n)}`, { n });
    out.n = Math.min(Number(n), max);
  }
  const last = query.get('last');
  if (last) out.last = last;
  return out;
}

/** One page of a sorted list, and the Link header for the next one (when there is a next one). */
export function paginate(sorted: readonly string[], req: PageRequest, path: string): { items: string[]; link?: string } {
  const after = req.last === undefined ? sorted : sorted.filter((s) => s > req.last!);
  if (req.n === undefined) return { items: [...after] };
  const items = after.slice(0, req.n);
  if (items.length === 0 || after.length <= req.n) return { items };
  const q = new URLSearchParams({ last: items[items.length - 1]!, n: String(req.n) });
  return { items, link: `<${path}?${q}>; rel="next"` };
}

/** Byte-wise order, as Go's sort.Strings (and so distribution) sorts names. */
export function lexical(list: Iterable<string>): string[] {
  return [...list].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
