// `volume ls --filter` (Docker's GET /volumes?filters=): dangling=true|false, name=, label=KEY or
// label=KEY=VALUE, driver=. Values of one key are alternatives (any may match), except label,
// where every one must; different keys must all match (moby volume/service/convert.go).
import { SkiffError } from '../errors.ts';

/** The API's form: `{"dangling": ["true"], "label": ["env=dev"]}`. */
export type VolumeFilters = Record<string, string[]>;

const KEYS = new Set(['dangling', 'name', 'label', 'driver']);
const HINT = 'volume filters are dangling=true|false, name=NAME, label=KEY[=VALUE] and driver=local';

/** `--filter k=v` flags into the API's map. */
export function parseFilterFlags(values: readonly string[]): VolumeFilters {
  const out: VolumeFilters = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new SkiffError('USAGE', `bad format of filter (expected name=value)`, HINT);
    (out[v.slice(0, eq).toLowerCase()] ??= []).push(v.slice(eq + 1));
  }
  return out;
}

function dangling(values: readonly string[]): boolean {
  const v = values.at(-1)!;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new SkiffError('USAGE', `invalid filter 'dangling=${v}'`, 'use dangling=true or dangling=false');
}

/** Throws Docker's error for a key the volume list does not know. */
export function checkFilters(filters: VolumeFilters): void {
  for (const [key, values] of Object.entries(filters)) {
    if (!KEYS.has(key)) throw new SkiffError('USAGE', `invalid filter '${key}'`, HINT);
    if (key === 'dangling' && values.length > 0) dangling(values);
  }
}

export interface FilterSubject {
  Name: string;
  Driver: string;
  Labels: Record<string, string>;
}

function labelMatches(labels: Record<string, string>, want: string): boolean {
  const eq = want.indexOf('=');
  if (eq === -1) return want in labels;
  return labels[want.slice(0, eq)] === want.slice(eq + 1);
}

/** Whether a volume passes the filters; `inUse` says whether any container mounts it. */
export function matchesFilters(v: FilterSubject, inUse: boolean, filters: VolumeFilters): boolean {
  const f = (k: string) => filters[k] ?? [];
  if (f('dangling').length > 0 && dangling(f('dangling')) === inUse) return false;
  if (f('name').length > 0 && !f('name').some((n) => v.Name.includes(n))) return false;
  if (f('driver').length > 0 && !f('driver').includes(v.Driver)) return false;
  return f('label').every((l) => labelMatches(v.Labels, l));
}
