// The daemon of the network tests (test/helpers/netns.ts starts it inside a test's namespace):
// skiffd on a socket with the default bridge on, the offline busybox image built, "ready" printed.
//   node daemon.js DATA_ROOT SOCKET INIT_SCRIPT CGROUP_PARENT
import path from 'node:path';
import { startDaemon } from '../../src/daemon/daemon.ts';
import { buildBaseImage } from '../../src/engine/image/base.ts';

const [dataRoot, socket, initScript, cgroupParent] = process.argv.slice(2) as [string, string, string, string];
const d = await startDaemon({
  dataRoot, hosts: [`unix://${socket}`], pidfile: path.join(path.dirname(socket), 'skiffd.pid'),
  runtime: { initScript, cgroupParent, reconcileGraceMs: 0, network: { bridge: 'skiff0' } },
  log: (l) => process.stderr.write(`${l}\n`),
});
await buildBaseImage(d.engine.store, 'busybox:latest');
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void d.close().then(() => process.exit(0));
});
