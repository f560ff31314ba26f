// `version` and `info`, in `docker version` / `docker info` shapes: the client's side from this
// process, the server's from the daemon (GET /version, GET /info) — two programs, two answers.
// `info` also names the daemon's parts the way Docker's early design did: an API server, the
// engine, and its drivers for images (graphdriver), networks (networkdriver) and execution
// (execdriver).
import os from 'node:os';
import type { EngineApi } from '../../client/api.ts';
import { CLIENT_API_VERSION, HttpEngineApi } from '../../client/http.ts';
import { SkiffError } from '../../engine/errors.ts';
import { humanSize } from '../../engine/units.ts';
import type { Command } from '../command.ts';
import { VERSION } from '../main.ts';

type Json = Record<string, unknown>;

/** The daemon to ask; the engine in this process has no versions or info of its own to give. */
function daemonOf(api: EngineApi): HttpEngineApi {
  if (!(api instanceof HttpEngineApi)) {
    throw new SkiffError('UNSUPPORTED', 'There is no daemon to ask: the engine runs inside this process (SKIFF_NO_DAEMON=1)', 'unset SKIFF_NO_DAEMON to talk to the Skiff daemon');
  }
  return api;
}

const arch = () => ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' })[process.arch as string] ?? process.arch;

export const version: Command = {
  name: 'version',
  usage: '',
  summary: 'Show the client and the daemon versions',
  flags: [],
  args: { min: 0, max: 0 },
  async run(ctx) {
    const api = await ctx.api();
    const lines = [
      'Client:',
      ` Version:           ${VERSION}`,
      ` API version:       ${CLIENT_API_VERSION}`,
      ` Node version:      ${process.version}`,
      ` OS/Arch:           ${os.platform()}/${arch()}`,
      '',
    ];
    const v = await daemonOf(api).version();
    const str = (k: string) => String(v[k] ?? '');
    lines.push(
      `Server: ${api.kind === 'docker' ? 'Docker Engine' : 'Skiff Engine'}`,
      ` Engine:`,
      `  Version:          ${v.Version}`,
      `  API version:      ${v.ApiVersion} (minimum version ${str('MinAPIVersion')})`,
      `  Runs on:          ${str('GoVersion')}`,
      `  OS/Arch:          ${str('Os')}/${str('Arch')}`,
      `  Kernel:           ${str('KernelVersion')}`,
    );
    ctx.out.write(lines.join('\n') + '\n');
  },
};

export const info: Command = {
  name: 'info',
  aliases: ['system info'],
  usage: '',
  summary: 'Display system-wide information (the daemon, its drivers, what it holds)',
  flags: [],
  args: { min: 0, max: 0 },
  async run(ctx) {
    const api = await ctx.api();
    const i = await daemonOf(api).info();
    const s = (k: string) => String(i[k] ?? '');
    const plugins = (i.Plugins ?? {}) as { Volume?: string[]; Network?: string[]; Log?: string[] };
    const runtimes = Object.keys((i.Runtimes ?? {}) as Json);
    const warnings = (i.Warnings ?? []) as string[];
    const lines = [
      'Client:',
      ` Version:    ${VERSION}`,
      ` Talks to:   ${api.kind === 'skiff-daemon' ? 'the Skiff daemon' : api.kind === 'docker' ? 'a Docker daemon' : 'the engine in this process'}`,
      '',
      'Server:',
      ` Containers: ${s('Containers')}`,
      `  Running: ${s('ContainersRunning')}`,
      `  Paused: ${s('ContainersPaused')}`,
      `  Stopped: ${s('ContainersStopped')}`,
      ` Images: ${s('Images')}`,
      ` Server Version: ${s('ServerVersion')}`,
      ` Storage Driver: ${s('Driver')}`,
      ` Logging Driver: ${s('LoggingDriver')}`,
      ` Cgroup Driver: ${s('CgroupDriver')}`,
      ` Cgroup Version: ${s('CgroupVersion')}`,
      ' Plugins:',
      `  Volume: ${(plugins.Volume ?? []).join(' ')}`,
      `  Network: ${(plugins.Network ?? []).join(' ')}`,
      `  Log: ${(plugins.Log ?? []).join(' ')}`,
      ` Runtimes: ${runtimes.join(' ')}`,
      ` Default Runtime: ${s('DefaultRuntime')}`,
      ` Live Restore Enabled: ${s('LiveRestoreEnabled')}`,
      ` Kernel Version: ${s('KernelVersion')}`,
      ` Operating System: ${s('OperatingSystem')}`,
      ` OSType: ${s('OSType')}`,
      ` Architecture: ${s('Architecture')}`,
      ` CPUs: ${s('NCPU')}`,
      ` Total Memory: ${humanSize(Number(i.MemTotal ?? 0))}`,
      ` Name: ${s('Name')}`,
      ` ID: ${s('ID')}`,
      ` Docker Root Dir: ${s('DockerRootDir')}`,
    ];
    if (api.kind !== 'docker') {
      // The daemon's parts under the names Docker's first design gave them.
      lines.push(
        ' Daemon parts (Docker\'s early names):',
        '  API server:    the Engine API on the socket (this command asked GET /info)',
        '  Engine:        images, containers, volumes, networks, builds; each request is a job',
        `  graphdriver:   ${s('Driver')} (image layers, each container's writable layer)`,
        `  networkdriver: ${(plugins.Network ?? []).join(', ')} (bridges, veth pairs, the IP pool)`,
        `  execdriver:    ${s('DefaultRuntime')} (namespaces, cgroups, pivot_root: the container's process)`,
      );
    }
    lines.push(...warnings);
    ctx.out.write(lines.join('\n') + '\n');
  },
};
