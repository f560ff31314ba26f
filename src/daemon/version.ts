// Skiff's version, from package.json — the one place it is written. Found by walking up from this
// module: src/daemon/ in the sources, dist/ in the bundle.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function skiffVersion(): string {
  if (cached) return cached;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'skiff' && pkg.version) return (cached = pkg.version);
    } catch {
      // not here
    }
    if (path.dirname(dir) === dir) return (cached = '0.0.0');
  }
}
