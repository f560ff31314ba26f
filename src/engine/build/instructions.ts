// What each line of a Dockerfile asks for, checked the way Docker's builder checks it (moby/buildkit
// frontend/dockerfile/instructions/parse.go). Words stay unexpanded here: `${VAR}` is substituted
// when the instruction runs, with the variables of that moment (builder.ts).
import { SkiffError } from '../errors.ts';
import { type DockerfileLine, jsonForm, parseDockerfile, parseError, type ParsedDockerfile } from './dockerfile.ts';
import { splitKeepingQuotes } from './words.ts';

interface Base {
  line: number;
  original: string;
}

/** Shell form is run by the shell (`/bin/sh -c "…"`); exec form is the argv itself. */
export type CommandForm = { shell: string } | { exec: string[] };

export type Instruction = Base &
  (
    | { kind: 'FROM'; image: string; stage?: string; platform?: string }
    | { kind: 'RUN'; command: CommandForm }
    | { kind: 'CMD' | 'ENTRYPOINT'; command: CommandForm }
    | { kind: 'COPY' | 'ADD'; sources: string[]; dest: string; chown?: string; from?: string }
    | { kind: 'ENV' | 'LABEL'; pairs: [string, string][] }
    | { kind: 'ARG'; args: { name: string; value?: string }[] }
    | { kind: 'WORKDIR' | 'USER' | 'STOPSIGNAL' | 'MAINTAINER'; value: string }
    | { kind: 'EXPOSE' | 'VOLUME'; values: string[]; json: boolean }
    | { kind: 'SHELL'; exec: string[] }
  );

export type InstructionKind = Instruction['kind'];

/** Instructions that only change the image's config (an empty-layer history entry). */
export const CONFIG_ONLY = new Set<InstructionKind>(['ENV', 'LABEL', 'ARG', 'USER', 'STOPSIGNAL', 'MAINTAINER', 'EXPOSE', 'VOLUME', 'SHELL', 'CMD', 'ENTRYPOINT']);

const NOT_YET: Record<string, string> = {
  ONBUILD: 'ONBUILD triggers are not supported by Skiff\'s builder yet',
  HEALTHCHECK: 'HEALTHCHECK is not supported by Skiff\'s builder yet',
};

function command(l: DockerfileLine): CommandForm {
  const exec = jsonForm(l.rest);
  if (exec) return { exec };
  if (l.rest === '') throw parseError(l.line, `${l.keyword} requires at least one argument`);
  return { shell: l.rest };
}

function flag(l: DockerfileLine, allowed: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of l.flags) {
    if (!allowed.includes(f.name)) throw parseError(l.line, `unknown flag: --${f.name}`, allowed.length ? `${l.keyword} takes ${allowed.map((a) => `--${a}`).join(', ')}` : `${l.keyword} takes no flags in Skiff's builder`);
    if (f.value === undefined || f.value === '') throw parseError(l.line, `--${f.name} needs a value, e.g. --${f.name}=…`);
    out[f.name] = f.value;
  }
  return out;
}

/** `KEY=VALUE ...`, or the legacy `KEY VALUE WITH SPACES` (buildkit parseNameVal). */
function nameValues(l: DockerfileLine, escape: string): [string, string][] {
  const words = splitKeepingQuotes(l.rest, escape);
  if (words.length === 0) throw parseError(l.line, `${l.keyword} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(l.rest);
    if (!m) throw parseError(l.line, `${l.keyword} must have two arguments`, `write ${l.keyword} NAME=VALUE`);
    return [[m[1]!, m[2]!.trim()]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw parseError(l.line, `Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    return [w.slice(0, i), w.slice(i + 1)] as [string, string];
  });
}

function oneValue(l: DockerfileLine): string {
  if (l.rest === '') throw parseError(l.line, `${l.keyword} requires exactly one argument`);
  return l.rest;
}

export function toInstruction(l: DockerfileLine, escape: string): Instruction {
  const base = { line: l.line, original: l.original };
  const noFlags = () => flag(l, []);
  switch (l.keyword) {
    case 'FROM': {
      const f = flag(l, ['platform']);
      const words = l.rest.split(/\s+/).filter(Boolean);
      if (words.length !== 1 && !(words.length === 3 && words[1]!.toUpperCase() === 'AS')) {
        throw parseError(l.line, 'FROM requires either one or three arguments', 'write FROM image[:tag] [AS name]');
      }
      return { ...base, kind: 'FROM', image: words[0]!, ...(words[2] ? { stage: words[2].toLowerCase() } : {}), ...(f.platform ? { platform: f.platform } : {}) };
    }
    case 'RUN':
      // RUN --mount/--network are BuildKit's; the classic builder has no flags for RUN.
      noFlags();
      return { ...base, kind: 'RUN', command: command(l) };
    case 'CMD':
    case 'ENTRYPOINT':
      return { ...base, kind: l.keyword, command: command(l) };
    case 'COPY':
    case 'ADD': {
      const f = flag(l, l.keyword === 'COPY' ? ['chown', 'from'] : ['chown']);
      const words = jsonForm(l.rest) ?? l.rest.split(/\s+/).filter(Boolean);
      if (words.length < 2) throw parseError(l.line, `${l.keyword} requires at least two arguments, but only one was provided. Destination could not be determined.`, `write ${l.keyword} <source>... <destination>`);
      return { ...base, kind: l.keyword, sources: words.slice(0, -1), dest: words.at(-1)!, ...(f.chown ? { chown: f.chown } : {}), ...(f.from ? { from: f.from } : {}) };
    }
    case 'ENV':
    case 'LABEL':
      noFlags();
      return { ...base, kind: l.keyword, pairs: nameValues(l, escape) };
    case 'ARG': {
      const words = splitKeepingQuotes(l.rest, escape);
      if (words.length === 0) throw parseError(l.line, 'ARG requires exactly one argument');
      return { ...base, kind: 'ARG', args: words.map((w) => (w.includes('=') ? { name: w.slice(0, w.indexOf('=')), value: w.slice(w.indexOf('=') + 1) } : { name: w })) };
    }
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
    case 'MAINTAINER':
      return { ...base, kind: l.keyword, value: oneValue(l) };
    case 'EXPOSE':
    case 'VOLUME': {
      const json = l.keyword === 'VOLUME' ? jsonForm(l.rest) : undefined;
      const values = json ?? l.rest.split(/\s+/).filter(Boolean);
      if (values.length === 0) throw parseError(l.line, `${l.keyword} requires at least one argument`);
      return { ...base, kind: l.keyword, values, json: json !== undefined };
    }
    case 'SHELL': {
      const exec = jsonForm(l.rest);
      if (!exec || exec.length === 0) throw parseError(l.line, 'SHELL requires the arguments to be in JSON form', 'write SHELL ["/bin/bash", "-c"]');
      return { ...base, kind: 'SHELL', exec };
    }
    default:
      if (NOT_YET[l.keyword]) throw parseError(l.line, NOT_YET[l.keyword]!, 'remove it, or build this Dockerfile with Docker');
      throw parseError(l.line, `unknown instruction: ${l.keyword}`, 'the instructions are FROM, RUN, CMD, ENTRYPOINT, COPY, ADD, ENV, ARG, LABEL, WORKDIR, USER, EXPOSE, VOLUME, SHELL, STOPSIGNAL');
  }
}

export interface Stage {
  from: Extract<Instruction, { kind: 'FROM' }>;
  steps: Instruction[];
}

export interface DockerfilePlan {
  escape: string;
  /** ARGs before the first FROM: usable in FROM lines only (unless declared again in a stage). */
  metaArgs: Extract<Instruction, { kind: 'ARG' }>[];
  stages: Stage[];
}

/** Parses a Dockerfile into stages, each a FROM and its instructions. */
export function planDockerfile(text: string): DockerfilePlan {
  const parsed: ParsedDockerfile = parseDockerfile(text);
  const metaArgs: DockerfilePlan['metaArgs'] = [];
  const stages: Stage[] = [];
  for (const l of parsed.lines) {
    const ins = toInstruction(l, parsed.escape);
    if (ins.kind === 'FROM') stages.push({ from: ins, steps: [] });
    else if (stages.length > 0) stages.at(-1)!.steps.push(ins);
    else if (ins.kind === 'ARG') metaArgs.push(ins);
    else throw parseError(l.line, `${ins.kind} comes before the first FROM`, 'a Dockerfile starts with FROM (only ARG may come before it)');
  }
  if (parsed.lines.length === 0) throw new SkiffError('USAGE', 'the Dockerfile cannot be empty', 'start it with FROM image (or FROM scratch)');
  if (stages.length === 0) throw new SkiffError('USAGE', 'the Dockerfile has no FROM: no build stage in current context', 'add FROM image (or FROM scratch) after the ARG lines');
  return { escape: parsed.escape, metaArgs, stages };
}
