// `skiff daemon`: runs the daemon in the foreground until SIGTERM or Ctrl-C (dockerd's flags where
// Skiff has the same thing: -H, -G/--group, --tlscert/--tlskey/--tlscacert, -p/--pidfile,
// --data-root, --insecure-registry, --storage-driver, --cgroup-parent, -b/--bridge, --bip).
import { SkiffError } from '../../engine/errors.ts';
import type { RuntimeOptions } from '../../engine/engine.ts';
import { startDaemon } from '../../daemon/daemon.ts';
import { type Command, str } from '../command.ts';

export const daemon: Command = {
  name: 'daemon',
  usage: '[OPTIONS]',
  summary: 'Run the Skiff daemon: the engine behind the Docker Engine API on a socket',
  flags: [
    { name: 'data-root', kind: 'string', help: 'Where images, containers and volumes are kept (default /var/lib/skiff)', placeholder: 'dir' },
    { name: 'host', short: 'H', kind: 'list', help: 'Listen here: unix:///path.sock or tcp://host:port (repeatable; default unix:///run/skiff/skiff.sock)', placeholder: 'address' },
    { name: 'group', short: 'G', kind: 'string', help: 'Group of the unix socket (default docker when it exists, else root)', placeholder: 'name' },
    { name: 'tlscert', kind: 'string', help: 'TLS certificate of the TCP listener', placeholder: 'file' },
    { name: 'tlskey', kind: 'string', help: 'TLS key of the TCP listener', placeholder: 'file' },
    { name: 'tlscacert', kind: 'string', help: 'CA that signs the client certificates TCP clients must show', placeholder: 'file' },
    { name: 'insecure-tcp', kind: 'bool', help: 'Allow a TCP listener without TLS (anyone reaching the port is root here)' },
    { name: 'pidfile', short: 'p', kind: 'string', help: 'Pidfile (default /run/skiff/skiff.pid, or DATA_ROOT/skiffd.pid)', placeholder: 'file' },
    { name: 'insecure-registry', kind: 'list', help: 'A plain-HTTP registry (host:port) besides loopback ones', placeholder: 'host' },
    { name: 'storage-driver', kind: 'string', help: 'overlay (default where the kernel has it) or vfs', placeholder: 'driver' },
    { name: 'cgroup-parent', kind: 'string', help: "Containers' cgroups go below this one, itself below the daemon's own (default skiff)", placeholder: 'name' },
    { name: 'bridge', short: 'b', kind: 'string', help: 'The default bridge interface (default skiff0), or "none" for no default bridge', placeholder: 'name' },
    { name: 'bip', kind: 'string', help: 'The default bridge\'s subnet (default 172.18.0.0/16)', placeholder: 'CIDR' },
    { name: 'registry-mirror', kind: 'list', help: 'A registry mirror tried before Docker Hub for docker.io images (repeatable), e.g. http://127.0.0.1:5000', placeholder: 'url' },
    { name: 'no-offline-registry', kind: 'bool', help: "Do not serve Skiff's offline registry (busybox) for when Docker Hub cannot be reached" },
    { name: 'debug', short: 'D', kind: 'bool', help: 'Log every request (method, path, status)' },
  ],
  args: { min: 0, max: 0 },
  async run(ctx, { flags }) {
    const tlsFlags = [str(flags.tlscert), str(flags.tlskey), str(flags.tlscacert)];
    if (tlsFlags.some(Boolean) && !tlsFlags.every(Boolean)) {
      throw new SkiffError('USAGE', 'TLS needs all three of --tlscert, --tlskey and --tlscacert', 'the CA is what client certificates are checked against');
    }
    const driver = str(flags['storage-driver']) as RuntimeOptions['driver'] | undefined;
    // The global --data-root (or SKIFF_DATA_ROOT) is the session's; this command's own flag wins.
    const dataRoot = str(flags['data-root']) ?? (await ctx.engine()).store.root;
    const running = await startDaemon({
      dataRoot,
      hosts: (flags.host as string[] | undefined) ?? [],
      ...(str(flags.group) !== undefined ? { group: str(flags.group)! } : {}),
      ...(tlsFlags.every(Boolean) ? { tls: { cert: tlsFlags[0]!, key: tlsFlags[1]!, ca: tlsFlags[2]! } } : {}),
      insecureTcp: flags['insecure-tcp'] === true,
      ...(str(flags.pidfile) ? { pidfile: str(flags.pidfile)! } : {}),
      insecureRegistries: [...ctx.insecureRegistries, ...((flags['insecure-registry'] as string[] | undefined) ?? [])],
      registryMirrors: (flags['registry-mirror'] as string[] | undefined) ?? [],
      offlineRegistry: flags['no-offline-registry'] !== true,
      runtime: {
        ...(driver ? { driver } : {}), ...(str(flags['cgroup-parent']) ? { cgroupParent: str(flags['cgroup-parent'])! } : {}),
        ...(str(flags.bridge) || str(flags.bip) ? { network: { ...(str(flags.bridge) ? { bridge: str(flags.bridge)! } : {}), ...(str(flags.bip) ? { subnet: str(flags.bip)! } : {}) } } : {}),
      },
      log: (line) => ctx.err.write(`${line}\n`),
      ...(flags.debug ? { onRequest: (m: string, p: string, status: number) => ctx.err.write(`${m} ${p} ${status}\n`) } : {}),
    });
    // Ctrl-C aborts ctx.signal (the shell's handler); SIGTERM is what service managers send.
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      process.once('SIGTERM', () => resolve());
    });
    ctx.err.write('shutting down: no new requests; streams are ended; the engine lets go\n');
    await running.close();
    return 0;
  },
};
