// The instructions that change only the image's config — ENV, LABEL, USER, WORKDIR, EXPOSE,
// VOLUME, CMD, ENTRYPOINT, STOPSIGNAL, SHELL, MAINTAINER, ARG — applied to a config, and the
// history line Docker writes for each (moby builder/dockerfile/dispatchers.go: "#(nop) ENV …").
// Shared by `build` and by `commit --change` (which accepts the same words, as dockerd's
// BuildFromConfig does).
import path from 'node:path';
import { SkiffError } from '../errors.ts';
import type { ContainerConfig } from '../oci.ts';
import { type CommandForm, type Instruction, toInstruction } from './instructions.ts';
import { parseDockerfile } from './dockerfile.ts';
import { expand, expandWords, type Lookup } from './words.ts';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

export interface ConfigState {
  config: ContainerConfig;
  /** Whether CMD was set in this stage: ENTRYPOINT then keeps it (else it resets an inherited CMD). */
  cmdSet: boolean;
  /** MAINTAINER: the image's author. */
  author?: string;
}

/** Go's %q of a []string, the way Docker's history prints CMD and ENTRYPOINT: ["a" "b"]. */
export function goQuoted(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** The argv of a CMD/ENTRYPOINT/RUN: the exec form as is, the shell form through the shell. */
export function argvOf(c: CommandForm, shell: readonly string[] | undefined): string[] {
  return 'exec' in c ? [...c.exec] : [...(shell?.length ? shell : DEFAULT_SHELL), c.shell];
}

function setEnv(env: string[] | undefined, key: string, value: string): string[] {
  const out = (env ?? []).filter((e) => e.split('=', 1)[0] !== key);
  out.push(`${key}=${value}`);
  return out;
}

/** `80`, `80/udp`, `8000-8002/tcp` → the ExposedPorts keys. */
export function exposedPorts(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw new SkiffError('USAGE', `invalid port ${JSON.stringify(spec)} in EXPOSE`, 'write EXPOSE 80 or EXPOSE 53/udp');
  const from = Number(m[1]);
  const to = m[2] ? Number(m[2]) : from;
  if (from < 1 || to > 65535 || to < from) throw new SkiffError('USAGE', `invalid port range ${spec} in EXPOSE`, 'ports are 1-65535');
  const proto = (m[3] ?? 'tcp').toLowerCase();
  return Array.from({ length: to - from + 1 }, (_, i) => `${from + i}/${proto}`);
}

/** The working directory WORKDIR leads to (relative to the one before, as Docker resolves it). */
export function workdirOf(current: string | undefined, value: string): string {
  return path.posix.resolve('/', current || '/', value);
}

/**
 * Applies a config-only instruction. `env` answers `${VAR}` (the stage's ENV and ARGs). Returns
 * the history text after `#(nop) `.
 */
export function applyConfig(ins: Instruction, s: ConfigState, env: Lookup, escape = '\\'): string {
  const c = s.config;
  const x = (w: string) => expand(w, env, escape);
  switch (ins.kind) {
    case 'ENV': {
      let text = 'ENV';
      for (const [k, v] of ins.pairs) {
        const key = x(k);
        const value = x(v);
        c.Env = setEnv(c.Env, key, value);
        text += ` ${key}=${value}`;
      }
      return ` ${text}`;
    }
    case 'LABEL': {
      let text = 'LABEL';
      c.Labels ??= {};
      for (const [k, v] of ins.pairs) {
        const key = x(k);
        const value = x(v);
        c.Labels[key] = value;
        text += ` ${key}=${value}`;
      }
      return ` ${text}`;
    }
    case 'USER':
      c.User = x(ins.value);
      return ` USER ${c.User}`;
    case 'WORKDIR':
      c.WorkingDir = workdirOf(c.WorkingDir, x(ins.value));
      return `WORKDIR ${c.WorkingDir}`;
    case 'STOPSIGNAL':
      c.StopSignal = x(ins.value);
      return ` STOPSIGNAL ${c.StopSignal}`;
    case 'MAINTAINER':
      s.author = x(ins.value);
      return ` MAINTAINER ${s.author}`;
    case 'EXPOSE': {
      const ports = ins.values.flatMap((v) => expandWords(v, env, escape));
      c.ExposedPorts ??= {};
      for (const p of ports) for (const key of exposedPorts(p)) c.ExposedPorts[key] = {};
      return ` EXPOSE ${ports.join(' ')}`;
    }
    case 'VOLUME': {
      const vols = ins.values.map(x).filter((v) => v.trim() !== '');
      if (vols.length === 0) throw new SkiffError('USAGE', `VOLUME specified can not be an empty string (line ${ins.line})`, 'name the directory, e.g. VOLUME /data');
      c.Volumes ??= {};
      for (const v of vols) c.Volumes[v] = {};
      return ` VOLUME [${vols.join(' ')}]`;
    }
    case 'CMD':
      c.Cmd = argvOf(ins.command, c.Shell);
      s.cmdSet = true;
      return ` CMD ${goQuoted(c.Cmd)}`;
    case 'ENTRYPOINT':
      c.Entrypoint = argvOf(ins.command, c.Shell);
      // An ENTRYPOINT resets a CMD inherited from the base image (Docker's rule): the old CMD was
      // meant for the old entrypoint.
      if (!s.cmdSet) c.Cmd = null;
      return ` ENTRYPOINT ${goQuoted(c.Entrypoint)}`;
    case 'SHELL':
      c.Shell = [...ins.exec];
      return ` SHELL [${ins.exec.join(' ')}]`;
    case 'ARG':
      return ` ARG ${ins.args.map((a) => (a.value === undefined ? a.name : `${a.name}=${x(a.value)}`)).join(' ')}`;
    default:
      throw new SkiffError('USAGE', `${ins.kind} is not a config instruction`);
  }
}

/** `commit --change` accepts these (moby builder.go validCommitCommands, less ONBUILD/HEALTHCHECK). */
const COMMIT_CHANGES = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'USER', 'VOLUME', 'WORKDIR', 'STOPSIGNAL']);

/** Applies `commit --change` lines (Dockerfile syntax) to a config; returns the new config. */
export function applyChanges(config: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const state: ConfigState = { config: structuredClone(config), cmdSet: true };
  for (const text of changes) {
    for (const line of parseDockerfile(text).lines) {
      if (!COMMIT_CHANGES.has(line.keyword)) {
        throw new SkiffError('USAGE', `${line.keyword.toLowerCase()} is not a valid change command`, `--change takes ${[...COMMIT_CHANGES].join(', ')}`);
      }
      const ins = toInstruction(line, '\\');
      const env = state.config.Env ?? [];
      applyConfig(ins, state, (n) => env.find((e) => e.startsWith(`${n}=`))?.slice(n.length + 1));
    }
  }
  return state.config;
}
