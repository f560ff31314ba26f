// Skiff's own registry in tests: on 127.0.0.1 with a free port and a temp root, removed on stop.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type RegistryOptions, type RunningRegistryServer, startRegistry } from '../../src/registry/server.ts';

export interface TestRegistry extends RunningRegistryServer {
  root: string;
  log: string[];
  stop(): Promise<void>;
}

export async function startSkiffRegistry(opts: Partial<RegistryOptions> = {}): Promise<TestRegistry> {
  const root = opts.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-reg-'));
  const log: string[] = [];
  const reg = await startRegistry({ log: (l) => log.push(l), ...opts, root, addr: '127.0.0.1:0' });
  return {
    ...reg, root, log,
    async stop() {
      await reg.close();
      if (!opts.root) fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
