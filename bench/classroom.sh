#!/usr/bin/env bash
# bench/classroom: 30 simulated students pull the lesson images through Skiff's pull-through cache
# from an upstream docker-registry, beside docker-registry serving the same images to the same 30
# students, in one run; prints that the upstream served each blob once, and the aggregate
# throughputs with their ratio (goal: ≥ 1.0× docker-registry). See bench/classroom.ts.
# Usage: bench/classroom.sh [ROUNDS] [STUDENTS] — needs the Debian package docker-registry.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
students=${2:-30}
command -v docker-registry >/dev/null || { echo "needs docker-registry (apt-get install docker-registry)" >&2; exit 1; }
mkdir -p .bench
npx esbuild bench/classroom.ts --bundle --platform=node --format=esm --external:koffi --log-level=warning \
  --banner:js="import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" \
  --outfile=.bench/classroom.mjs
node .bench/classroom.mjs "$rounds" "$students"
