#!/usr/bin/env bash
# bench/network: start-time cost of a bridge container (and of -p) against --network none, measured
# in-process inside a network namespace this script makes and removes. Usage: bench/network.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-15}
mkdir -p .bench
common=(--bundle --platform=node --format=esm --external:koffi --log-level=warning
  "--banner:js=import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);")
npx esbuild bench/network.ts "${common[@]}" --outfile=.bench/network.mjs
npx esbuild src/engine/runtime/init/main.ts "${common[@]}" --outfile=.bench/init.js
ns="skiff-t-bench-$RANDOM"
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
ip -n "$ns" link set lo up
SKIFF_INIT_SCRIPT="$PWD/.bench/init.js" nsenter --net="/run/netns/$ns" node .bench/network.mjs "$rounds"
