// Before any test file: the bundle (dist/) is built once, so that end-to-end tests running in
// parallel never rebuild it under each other's feet (they check it with --if-stale only).
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  execFileSync(process.execPath, [path.resolve(import.meta.dirname, '../scripts/build.mjs'), '--if-stale'], { stdio: 'inherit' });
}
