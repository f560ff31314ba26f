#!/usr/bin/env bash
# bench/run: container start-to-removal latency of Skiff's engine beside runc and dockerd, in one run.
# Usage: bench/run.sh [ROUNDS] — needs root, runc (Debian package), and for the docker column the
# peers of the project's shared bench scripts (peers-install.sh, then peers-start.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-15}
peers=${SKIFF_PEERS_DIR:-/tmp/skiff-peers}
command -v runc >/dev/null || { echo "runc is not installed (apt-get install runc)" >&2; exit 1; }
npm run -s build >/dev/null
mkdir -p .bench
npx esbuild bench/run.ts --bundle --platform=node --format=esm --external:koffi --log-level=warning \
  --banner:js="import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" --outfile=.bench/run.mjs
SKIFF_INIT_SCRIPT="$PWD/dist/init.js" node .bench/run.mjs "$rounds" "$peers/dk/docker.sock"
