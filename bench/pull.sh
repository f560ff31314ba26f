#!/usr/bin/env bash
# bench/pull: a ~200 MB image pulled into an empty store, ready to run, timed beside its peers in
# one run on this machine:
#   skiff pull      (this project; fresh data root each round)
#   docker pull     (dockerd started by shared/bench/peers-start.sh; image removed each round)
#   tar -xzf        (the floor: just unpacking the same layer blob, already on disk)
#   download alone  (curl of the same blob to /dev/null: what the network costs)
# Usage: bench/pull.sh [ROUNDS] — needs root, shared/bench/peers-install.sh and peers-start.sh.
# Prints medians and the ratios the goals are stated in.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
peers=${SKIFF_PEERS_DIR:-/tmp/skiff-peers}
image=127.0.0.1:5000/debian:bookworm
sock=$peers/dk/docker.sock
work=$(mktemp -d /tmp/skiff-bench-pull.XXXXXX)
trap 'rm -rf "$work"' EXIT

curl -sf http://127.0.0.1:5000/v2/ >/dev/null || { echo "no registry on 127.0.0.1:5000: run shared/bench/peers-start.sh first" >&2; exit 1; }
manifest=$(curl -sf -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' -H 'Accept: application/vnd.oci.image.manifest.v1+json' http://127.0.0.1:5000/v2/debian/manifests/bookworm)
layer=$(printf '%s' "$manifest" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s);console.log(m.layers.sort((a,b)=>b.size-a.size)[0].digest)})')
curl -sf "http://127.0.0.1:5000/v2/debian/blobs/$layer" -o "$work/layer.tgz"
echo "image $image, largest layer $layer ($(du -h "$work/layer.tgz" | cut -f1) compressed)"
npm run -s build >/dev/null

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# Rounds are interleaved (skiff, docker, tar, download, then again) so that a disk or host that
# slows down during the run slows every tool alike.
declare -A times
one() { # name, prep command, command...
  local name=$1 prep=$2; shift 2
  bash -c "$prep" >/dev/null 2>&1 || true
  sync
  local t0; t0=$(now)
  "$@" >/dev/null
  times[$name]+="$(echo "$(now) - $t0" | bc) "
}
tools=("skiff pull")
[ -S "$sock" ] && tools+=("docker pull")
tools+=("tar -xzf" "download alone")
for _ in $(seq "$rounds"); do
  one "skiff pull" "rm -rf '$work/skiff'" node bin/skiff.js --data-root "$work/skiff" pull -q "$image"
  if [ -S "$sock" ]; then
    one "docker pull" "docker -H unix://$sock rmi -f $image" docker -H "unix://$sock" pull -q "$image"
  fi
  one "tar -xzf" "rm -rf '$work/tar' && mkdir -p '$work/tar'" tar -xzf "$work/layer.tgz" -C "$work/tar"
  one "download alone" "true" curl -sf "http://127.0.0.1:5000/v2/debian/blobs/$layer" -o /dev/null
done
[ -S "$sock" ] && docker -H "unix://$sock" rmi -f "$image" >/dev/null 2>&1 || true
declare -A results
for t in "${tools[@]}"; do
  results[$t]=$(printf '%s\n' ${times[$t]} | median)
  printf '%-16s %6.2f s   (rounds: %s)\n' "$t" "${results[$t]}" "$(printf '%.2f ' ${times[$t]})"
done

ratio() { echo "scale=2; $1 / $2" | bc; }
echo
[ -n "${results[docker pull]:-}" ] && echo "skiff / docker pull: $(ratio "${results[skiff pull]}" "${results[docker pull]}")   (goal <= 0.7)"
echo "skiff / tar -xzf:    $(ratio "${results[skiff pull]}" "${results[tar -xzf]}")   (goal <= 1.3)"
