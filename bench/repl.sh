#!/usr/bin/env bash
# bench/repl: the REPL's start to prompt (goal < 0.6 s here) and keystroke to echo while a pull is
# drawing (goal < 30 ms at p99), in a real pseudo-terminal of 80×24 (script(1)).
# Usage: bench/repl.sh [ROUNDS] — needs root (the daemon), util-linux script and Debian's
# docker-registry (the pull comes from a registry on 127.0.0.1, served slowly by a proxy).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
command -v script >/dev/null || { echo "script(1) is not installed (util-linux)" >&2; exit 1; }
command -v docker-registry >/dev/null || { echo "docker-registry is not installed (apt-get install docker-registry)" >&2; exit 1; }
npm run -s build >/dev/null
mkdir -p .bench
npx esbuild bench/repl.ts --bundle --platform=node --format=esm --external:koffi --log-level=warning \
  --banner:js="import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" --outfile=.bench/repl.mjs
node .bench/repl.mjs "$rounds"
