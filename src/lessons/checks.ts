// A lesson step's checks: typed predicates over what the engine really did (its events since the
// lesson was opened, folded into facts per container: facts.ts) and over its state now (images,
// containers, volumes, networks, a container's diff: a Snapshot). Never over printed text.
// Each predicate that does not hold says why, from the state — the hint the learner gets
// ("you ran it without -m") — as a code with parameters; hints.ts words it in each language.
import { ramInBytes } from '../engine/units.ts';
import { type ContainerFacts, cpusOf, type Facts } from './facts.ts';
import { normalRef } from './refs.ts';

export { normalRef };

export type ContainerState = 'running' | 'exited' | 'created' | 'gone';

export interface RanFilters {
  image?: string;
  name?: string;
  exit?: number;
  tty?: boolean;
  memory?: number;
  cpus?: number;
  pids?: number;
  oom?: boolean;
  hostname?: string;
  link?: string;
  publish?: string;
  volume?: string;
  network?: string;
  removed?: boolean;
  ns?: string[];
  cmd?: string;
  pulled?: boolean;
}

export type Check =
  | { kind: 'api'; path: string; method?: string }
  | { kind: 'image' | 'no-image'; ref: string }
  | { kind: 'pull'; ref: string; fresh?: boolean; shared?: boolean }
  | { kind: 'handshake' }
  | { kind: 'container'; name: string; state: ContainerState }
  | { kind: 'ran'; filters: RanFilters }
  | { kind: 'exec'; container: string; exit?: number }
  | { kind: 'signal'; container: string; action: 'stop' | 'kill' | 'restart' }
  | { kind: 'changed'; container: string; path: string; change?: 'A' | 'C' | 'D' }
  | { kind: 'volume' | 'no-volume' | 'volume-kept'; name: string }
  | { kind: 'network' | 'no-network'; name: string }
  | { kind: 'registry' | 'no-registry'; addr: string }
  | { kind: 'built'; ref: string; cached?: boolean }
  | { kind: 'committed'; ref?: string }
  | { kind: 'pushed'; ref: string };

/** The engine's state now, as much of it as the checks asked for. */
export interface Snapshot {
  /** Every image name, fully qualified (docker.io/library/busybox:latest). */
  images?: string[];
  containers?: { id: string; name: string; state: string }[];
  volumes?: string[];
  networks?: string[];
  /** Registries that answered GET /v2/ (by host:port), and those that did not. */
  registries?: Record<string, boolean>;
  /** A container's `diff` by the name the check gave; null: no such container. */
  changes?: Record<string, { path: string; kind: 'A' | 'C' | 'D' }[] | null>;
}

export interface Needs {
  images?: boolean;
  containers?: boolean;
  volumes?: boolean;
  networks?: boolean;
  changes?: string[];
  registries?: string[];
}

/** Why a check does not hold: a hint code and what fills it in (hints.ts). */
export interface Hint {
  code: string;
  params?: Record<string, string | number>;
}

export type Outcome = { ok: true } | { ok: false; hint: Hint };

// ---- parsing ----

const KEYS: Record<Check['kind'], string[]> = {
  api: ['path', 'method'],
  image: ['ref'],
  'no-image': ['ref'],
  pull: ['ref', 'fresh', 'shared'],
  handshake: [],
  container: ['name', 'state'],
  ran: ['image', 'name', 'exit', 'tty', 'memory', 'cpus', 'pids', 'oom', 'hostname', 'link', 'publish', 'volume', 'network', 'removed', 'ns', 'cmd', 'pulled'],
  exec: ['container', 'exit'],
  signal: ['container', 'action'],
  changed: ['container', 'path', 'kind'],
  volume: ['name'],
  'no-volume': ['name'],
  'volume-kept': ['name'],
  network: ['name'],
  'no-network': ['name'],
  registry: ['addr'],
  'no-registry': ['addr'],
  built: ['ref', 'cached'],
  committed: ['ref'],
  pushed: ['ref'],
};

const REQUIRED: Partial<Record<Check['kind'], string[]>> = {
  api: ['path'], image: ['ref'], 'no-image': ['ref'], pull: ['ref'], container: ['name', 'state'], exec: ['container'],
  signal: ['container', 'action'], changed: ['container', 'path'], volume: ['name'], 'no-volume': ['name'], 'volume-kept': ['name'],
  network: ['name'], 'no-network': ['name'], registry: ['addr'], 'no-registry': ['addr'], built: ['ref'], pushed: ['ref'],
};

/** `name key=value key="a value"` → its words. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /(\S+?=)?("([^"]*)"|'([^']*)'|\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push((m[1] ?? '') + (m[3] ?? m[4] ?? (m[1] ? m[2]! : m[0])));
  return out;
}

function bool(k: string, v: string): boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new Error(`${k}= takes true or false, not "${v}"`);
}

function int(k: string, v: string): number {
  if (!/^-?\d+$/.test(v)) throw new Error(`${k}= takes a whole number, not "${v}"`);
  return Number(v);
}

export function parseCheck(line: string): Check {
  const [name, ...rest] = words(line);
  if (!name || !(name in KEYS)) throw new Error(`unknown check "${name ?? ''}": use one of ${Object.keys(KEYS).join(', ')}`);
  const kind = name as Check['kind'];
  const args: Record<string, string> = {};
  for (const w of rest) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new Error(`check arguments are key=value, not "${w}"`);
    const k = w.slice(0, eq);
    if (!KEYS[kind].includes(k)) throw new Error(`${kind} takes ${KEYS[kind].length ? KEYS[kind].map((x) => `${x}=`).join(', ') : 'no arguments'}, not ${k}=`);
    args[k] = w.slice(eq + 1);
  }
  for (const k of REQUIRED[kind] ?? []) if (!args[k]) throw new Error(`${kind} needs ${k}=`);
  switch (kind) {
    case 'api':
      return { kind, path: args.path!, ...(args.method ? { method: args.method.toUpperCase() } : {}) };
    case 'image':
    case 'no-image':
      return { kind, ref: args.ref! };
    case 'pull':
      return { kind, ref: args.ref!, ...(args.fresh ? { fresh: bool('fresh', args.fresh) } : {}), ...(args.shared ? { shared: bool('shared', args.shared) } : {}) };
    case 'handshake':
      return { kind };
    case 'container': {
      const state = args.state!;
      if (!['running', 'exited', 'created', 'gone'].includes(state)) throw new Error(`state= is running, exited, created or gone, not "${state}"`);
      return { kind, name: args.name!, state: state as ContainerState };
    }
    case 'ran': {
      const f: RanFilters = {};
      for (const [k, v] of Object.entries(args)) {
        switch (k) {
          case 'exit': f.exit = int(k, v); break;
          case 'pids': f.pids = int(k, v); break;
          case 'tty': f.tty = bool(k, v); break;
          case 'oom': f.oom = bool(k, v); break;
          case 'removed': f.removed = bool(k, v); break;
          case 'pulled': f.pulled = bool(k, v); break;
          case 'memory': {
            const b = ramInBytes(v);
            if (b === undefined) throw new Error(`memory= takes a size such as 64m, not "${v}"`);
            f.memory = b;
            break;
          }
          case 'cpus':
            if (!(Number(v) > 0)) throw new Error(`cpus= takes a number of CPUs such as 0.5, not "${v}"`);
            f.cpus = Number(v);
            break;
          case 'ns': {
            const types = v.split(',');
            const bad = types.find((t) => !['pid', 'net', 'ipc', 'mnt', 'uts', 'cgroup', 'user'].includes(t));
            if (bad) throw new Error(`ns= lists namespace types (pid,net,ipc,mnt,uts), not "${bad}"`);
            f.ns = types;
            break;
          }
          case 'link':
            if (!/^[^:]+:[^:]+$/.test(v)) throw new Error(`link= is name:alias, not "${v}"`);
            f.link = v;
            break;
          case 'publish':
            if (!/^\d+:\d+(\/(tcp|udp))?$/.test(v)) throw new Error(`publish= is hostPort:containerPort, not "${v}"`);
            f.publish = v;
            break;
          default:
            (f as Record<string, string>)[k] = v;
        }
      }
      return { kind, filters: f };
    }
    case 'exec':
      return { kind, container: args.container!, ...(args.exit !== undefined ? { exit: int('exit', args.exit) } : {}) };
    case 'signal': {
      const action = args.action!;
      if (!['stop', 'kill', 'restart'].includes(action)) throw new Error(`action= is stop, kill or restart, not "${action}"`);
      return { kind, container: args.container!, action: action as 'stop' | 'kill' | 'restart' };
    }
    case 'changed': {
      const c = args.kind;
      if (c !== undefined && !['A', 'C', 'D'].includes(c)) throw new Error(`kind= is A, C or D, not "${c}"`);
      return { kind, container: args.container!, path: args.path!, ...(c ? { change: c as 'A' | 'C' | 'D' } : {}) };
    }
    case 'volume':
    case 'no-volume':
    case 'volume-kept':
      return { kind, name: args.name! };
    case 'network':
    case 'no-network':
      return { kind, name: args.name! };
    case 'registry':
    case 'no-registry':
      return { kind, addr: args.addr! };
    case 'built':
      return { kind, ref: args.ref!, ...(args.cached ? { cached: bool('cached', args.cached) } : {}) };
    case 'committed':
      return { kind, ...(args.ref ? { ref: args.ref } : {}) };
    case 'pushed':
      return { kind, ref: args.ref! };
  }
}

// ---- evaluation ----

/** Placeholders ({registry}) filled in. */
export type Vars = Record<string, string>;

export function fill(text: string, vars: Vars): string {
  return text.replace(/\{(\w+)\}/g, (all, k: string) => vars[k] ?? all);
}

export function needsOf(checks: Check[], vars: Vars): Needs {
  const n: Needs = {};
  for (const c of checks) {
    if (c.kind === 'image' || c.kind === 'no-image' || c.kind === 'built') n.images = true;
    if (c.kind === 'container' || c.kind === 'exec' || c.kind === 'signal' || c.kind === 'changed') n.containers = true;
    if (c.kind === 'volume' || c.kind === 'no-volume') n.volumes = true;
    if (c.kind === 'network' || c.kind === 'no-network') n.networks = true;
    if (c.kind === 'changed') (n.changes ??= []).push(fill(c.container, vars));
    if (c.kind === 'registry' || c.kind === 'no-registry') (n.registries ??= []).push(fill(c.addr, vars));
  }
  return n;
}

/** The API path without its version prefix and query: /v1.45/info?x=1 → /info. */
export function apiPath(p: string): string {
  return p.replace(/^\/v[\d.]+(?=\/)/, '').replace(/\?.*$/, '');
}

const mib = (b: number) => `${Math.round(b / 1048576)}m`;

/** How a container's facts differ from a `ran` check: hint codes, most telling first. */
export function ranMismatches(c: ContainerFacts, f: RanFilters): Hint[] {
  const out: Hint[] = [];
  const who = { name: c.name };
  if (f.image && normalRef(c.image) !== normalRef(f.image)) out.push({ code: 'ran.image', params: { ...who, want: f.image, got: c.image } });
  if (f.name && c.name !== f.name) out.push({ code: 'ran.name', params: { ...who, want: f.name } });
  if (f.cmd !== undefined && c.argv && c.argv.join(' ') !== f.cmd && c.argv[0] !== f.cmd) out.push({ code: 'ran.cmd', params: { ...who, want: f.cmd, got: c.argv.join(' ') } });
  if (!c.started) out.push({ code: 'ran.not-started', params: who });
  if (f.tty !== undefined && c.tty !== f.tty) out.push({ code: f.tty ? 'ran.no-tty' : 'ran.tty', params: who });
  if (f.memory !== undefined && c.memory !== f.memory) {
    out.push(c.memory === undefined ? { code: 'ran.no-memory', params: { ...who, want: mib(f.memory) } } : { code: 'ran.memory', params: { ...who, want: mib(f.memory), got: mib(c.memory) } });
  }
  const cpus = cpusOf(c);
  if (f.cpus !== undefined && (cpus === undefined || Math.abs(cpus - f.cpus) > 0.001)) {
    out.push(cpus === undefined ? { code: 'ran.no-cpus', params: { ...who, want: f.cpus } } : { code: 'ran.cpus', params: { ...who, want: f.cpus, got: cpus } });
  }
  if (f.pids !== undefined && c.pids !== f.pids) {
    out.push(c.pids === undefined ? { code: 'ran.no-pids', params: { ...who, want: f.pids } } : { code: 'ran.pids', params: { ...who, want: f.pids, got: c.pids } });
  }
  if (f.hostname !== undefined && c.hostname !== f.hostname) out.push({ code: 'ran.hostname', params: { ...who, want: f.hostname, got: c.hostname ?? '' } });
  if (f.link !== undefined) {
    const [target, alias] = f.link.split(':') as [string, string];
    if (!c.links.some((l) => l.name === target && l.alias === alias)) out.push({ code: 'ran.no-link', params: { ...who, target, alias } });
  }
  if (f.publish !== undefined) {
    const [hp, rest] = f.publish.split(':') as [string, string];
    const [cp, proto = 'tcp'] = rest.split('/') as [string, string?];
    if (!c.ports.some((p) => p.hostPort === Number(hp) && p.containerPort === Number(cp) && p.proto === proto)) {
      out.push({ code: 'ran.no-publish', params: { ...who, host: hp, port: `${cp}/${proto}` } });
    }
  }
  if (f.volume !== undefined && !c.volumes.includes(f.volume)) out.push({ code: 'ran.no-volume', params: { ...who, want: f.volume } });
  if (f.network !== undefined) {
    const nets = c.networks.length ? c.networks : [c.networkMode ?? 'default'];
    const ok = f.network === 'none' ? c.networkMode === 'none' || (c.networks.length === 0 && c.ns.net === 'new' && c.networkMode !== 'host') : nets.includes(f.network) || c.networkMode === f.network;
    if (!ok) out.push({ code: 'ran.network', params: { ...who, want: f.network, got: nets.join(', ') } });
  }
  if (f.ns) {
    const missing = f.ns.filter((t) => c.ns[t] !== 'new');
    if (missing.length) out.push({ code: 'ran.ns', params: { ...who, types: missing.join(', ') } });
  }
  if (f.oom !== undefined && c.started) {
    if (f.oom && c.exit && !c.exit.oom) out.push({ code: 'ran.not-oom', params: { ...who, exit: c.exit.code } });
    if (f.oom && !c.exit) out.push({ code: 'ran.running', params: who });
    if (!f.oom && c.exit?.oom) out.push({ code: 'ran.oom', params: who });
  }
  if (f.exit !== undefined && c.started) {
    if (!c.exit) out.push({ code: 'ran.running', params: who });
    else if (c.exit.code !== f.exit && !(f.oom && !c.exit.oom)) out.push({ code: 'ran.exit', params: { ...who, want: f.exit, got: c.exit.code } });
  }
  if (f.pulled !== undefined && c.pulledFirst !== f.pulled) out.push({ code: f.pulled ? 'ran.not-pulled' : 'ran.pulled', params: { ...who, image: c.image } });
  if (f.removed !== undefined && c.destroyed !== f.removed) out.push({ code: f.removed ? 'ran.not-removed' : 'ran.removed', params: who });
  return out;
}

/** Pulls a step counts: those begun since it opened (a pull of an earlier step is not this one's). */
function stepPulls(facts: Facts) {
  return facts.pulls.filter((p) => p.seq > facts.stepStart);
}

/** The container a name means: the newest one the events saw by that name, or one that exists now. */
function idOf(name: string, facts: Facts, snap: Snapshot): string | undefined {
  const now = snap.containers?.find((c) => c.name === name || c.id === name || (name.length >= 4 && c.id.startsWith(name)));
  if (now) return now.id;
  const seen = [...facts.containers.values()].filter((c) => c.name === name);
  return seen[seen.length - 1]?.id;
}

export function evaluate(check: Check, facts: Facts, snap: Snapshot, vars: Vars = {}): Outcome {
  const no = (code: string, params?: Hint['params']): Outcome => ({ ok: false, hint: { code, ...(params ? { params } : {}) } });
  const yes: Outcome = { ok: true };
  switch (check.kind) {
    case 'api': {
      const p = fill(check.path, vars);
      const hit = facts.requests.find((r) => r.seq > facts.stepStart && (!check.method || r.method === check.method) && r.status < 400 && (apiPath(r.path) === p || apiPath(r.path).startsWith(`${p}/`)));
      return hit ? yes : no('api.none', { path: `${check.method ?? ''} ${p}`.trim() });
    }
    case 'image': {
      const ref = normalRef(fill(check.ref, vars));
      return snap.images?.includes(ref) ? yes : no('image.missing', { ref: fill(check.ref, vars) });
    }
    case 'no-image': {
      const ref = normalRef(fill(check.ref, vars));
      return snap.images?.includes(ref) ? no('image.present', { ref: fill(check.ref, vars) }) : yes;
    }
    case 'pull': {
      const want = normalRef(fill(check.ref, vars));
      const pulls = stepPulls(facts).filter((p) => normalRef(p.ref) === want);
      const done = pulls.filter((p) => p.done);
      if (done.length === 0) {
        const failed = pulls.find((p) => p.error);
        return failed ? no('pull.failed', { ref: fill(check.ref, vars), error: failed.error! }) : no('pull.none', { ref: fill(check.ref, vars) });
      }
      const good = done.filter((p) => (check.fresh === undefined || (p.downloaded > 0) === check.fresh) && (check.shared === undefined || (p.shared > 0) === check.shared));
      if (good.length) return yes;
      const last = done[done.length - 1]!;
      if (check.fresh && last.downloaded === 0) return no('pull.nothing-new', { ref: fill(check.ref, vars) });
      if (check.shared && last.shared === 0) return no('pull.nothing-shared', { ref: fill(check.ref, vars) });
      return no('pull.none', { ref: fill(check.ref, vars) });
    }
    case 'handshake': {
      const pulls = stepPulls(facts);
      if (pulls.length === 0) return no('handshake.no-pull');
      const full = pulls.find((p) => p.steps.has('ping') && p.steps.has('manifest') && p.steps.has('config') && p.steps.has('blob'));
      if (full) return yes;
      if (pulls.some((p) => p.done && !p.steps.has('blob'))) return no('handshake.no-blob');
      return no('handshake.partial');
    }
    case 'container': {
      const name = fill(check.name, vars);
      const c = snap.containers?.find((x) => x.name === name);
      const state = c ? (['running', 'exited', 'created'].includes(c.state) ? c.state : c.state === 'restarting' ? 'running' : 'exited') : 'gone';
      if (state === check.state) return yes;
      return no(c ? `container.${check.state}` : 'container.missing', { name, state });
    }
    case 'ran': {
      const f = check.filters;
      const filled: RanFilters = { ...f, ...(f.image ? { image: fill(f.image, vars) } : {}), ...(f.volume ? { volume: fill(f.volume, vars) } : {}) };
      const all = [...facts.containers.values()];
      if (all.length === 0) return no('ran.none');
      if (all.some((c) => ranMismatches(c, filled).length === 0)) return yes;
      // The hint is about the container the learner made last (by the name asked, if there is one):
      // what they just did.
      const named = filled.name ? all.filter((c) => c.name === filled.name) : [];
      const last = (named.length ? named : all)[(named.length ? named : all).length - 1]!;
      return { ok: false, hint: ranMismatches(last, filled)[0]! };
    }
    case 'exec': {
      const name = fill(check.container, vars);
      const id = idOf(name, facts, snap);
      if (!id) return no('container.missing', { name, state: 'gone' });
      const execs = facts.execs.filter((e) => e.container === id);
      if (execs.length === 0) return no('exec.none', { name });
      if (check.exit === undefined) return yes;
      if (execs.some((e) => e.exitCode === check.exit)) return yes;
      const last = execs[execs.length - 1]!;
      return last.exitCode === undefined ? no('exec.running', { name }) : no('exec.exit', { name, want: check.exit, got: last.exitCode });
    }
    case 'signal': {
      const name = fill(check.container, vars);
      const id = idOf(name, facts, snap);
      if (!id) return no('container.missing', { name, state: 'gone' });
      return facts.signals.some((s) => s.container === id && s.action === check.action) ? yes : no('signal.none', { name, action: check.action });
    }
    case 'changed': {
      const name = fill(check.container, vars);
      const list = snap.changes?.[name];
      if (!list) return no('container.missing', { name, state: 'gone' });
      const p = fill(check.path, vars);
      const hit = list.find((x) => x.path === p);
      if (!hit) return no('changed.none', { name, path: p });
      if (check.change && hit.kind !== check.change) return no('changed.kind', { name, path: p, want: check.change, got: hit.kind });
      return yes;
    }
    case 'volume': {
      const name = fill(check.name, vars);
      return snap.volumes?.includes(name) ? yes : no('volume.missing', { name });
    }
    case 'no-volume': {
      const name = fill(check.name, vars);
      return snap.volumes?.includes(name) ? no('volume.present', { name }) : yes;
    }
    case 'volume-kept': {
      const name = fill(check.name, vars);
      const uses = facts.volumeUses.filter((u) => u.volume === name);
      if (uses.length === 0) return no('volume.unused', { name });
      const removed = uses.find((u) => u.removedAt !== undefined);
      if (!removed) return no('volume.not-removed', { name });
      return uses.some((u) => u.container !== removed.container && u.at > removed.removedAt!) ? yes : no('volume.not-reused', { name });
    }
    case 'network': {
      const name = fill(check.name, vars);
      return snap.networks?.includes(name) ? yes : no('network.missing', { name });
    }
    case 'no-network': {
      const name = fill(check.name, vars);
      return snap.networks?.includes(name) ? no('network.present', { name }) : yes;
    }
    case 'registry': {
      const addr = fill(check.addr, vars);
      return snap.registries?.[addr] ? yes : no('registry.down', { addr });
    }
    case 'no-registry': {
      const addr = fill(check.addr, vars);
      return snap.registries?.[addr] ? no('registry.up', { addr }) : yes;
    }
    case 'built': {
      const ref = normalRef(fill(check.ref, vars));
      const builds = facts.builds.filter((b) => b.tags.includes(ref));
      if (builds.length === 0) return no('built.none', { ref: fill(check.ref, vars) });
      if (snap.images && !snap.images.includes(ref)) return no('image.missing', { ref: fill(check.ref, vars) });
      if (check.cached && !builds.some((b) => b.cached > 0)) return no('built.no-cache', { ref: fill(check.ref, vars) });
      return yes;
    }
    case 'committed': {
      if (facts.commits.length === 0) return no('committed.none');
      if (!check.ref) return yes;
      const ref = normalRef(fill(check.ref, vars));
      return facts.commits.some((c) => c.ref !== undefined && normalRef(c.ref) === ref) ? yes : no('committed.other', { ref: fill(check.ref, vars) });
    }
    case 'pushed': {
      const ref = normalRef(fill(check.ref, vars));
      if (facts.pushes.some((p) => p.done && normalRef(p.ref) === ref)) return yes;
      const failed = facts.pushes.find((p) => p.error && normalRef(p.ref) === ref);
      return failed ? no('pushed.failed', { ref: fill(check.ref, vars), error: failed.error! }) : no('pushed.none', { ref: fill(check.ref, vars) });
    }
  }
}
