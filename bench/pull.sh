#!/usr/bin/env bash
# bench/pull: a ~200 MB image pulled into an empty store, ready to run, timed beside its peers in
# one run on this machine:
#   skiff pull      (this project; a fresh data root each round)
#   docker pull     (dockerd started by shared/bench/peers-start.sh; image removed each round)
#   tar -xzf        (the floor: just unpacking the same layer blob, already on disk)
#   download alone  (curl of the same blob to /dev/null: what the network costs)
# Usage: bench/pull.sh [ROUNDS] — needs root, shared/bench/peers-install.sh and peers-start.sh.
# SKIFF_COMPARE="DIR ..." adds other builds of Skiff (each DIR has bin/skiff.js and dist/) to the
# same interleaved rounds, e.g. the last commit's, to measure a change on a noisy host.
# Prints medians, every round, and the ratios the goals are stated in.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
peers=${SKIFF_PEERS_DIR:-/tmp/skiff-peers}
image=127.0.0.1:5000/debian:bookworm
sock=$peers/dk/docker.sock
work=$(mktemp -d /tmp/skiff-bench-pull.XXXXXX)
trap 'rm -rf "$work"' EXIT
# Why the rounds never delete anything until the end, why chattr +T and why the names are new
# each run: on an ext4 without a journal (these machines), creating an inode skips over every
# inode of its block group freed in the last 60-360 s (ext4 ialloc.c, recently_deleted()), and
# that scan, not the tools, can make an unpack 3x slower. Deleting the last round's 7,000 files —
# or another user's test files in /tmp — right before a round measures that. So every round writes
# into new directories, and +T (the Orlov allocator's "top of a directory hierarchy", chattr(1))
# places each like a top-level directory: in a little-used block group, away from the groups where
# /tmp's files come and go; the search starts at a hash of the name, so names are new each run.
# Every tool gets the same treatment. Other filesystems ignore +T.
chattr +T "$work" 2>/dev/null || true
run=$(basename "$work" | tr -dc 'A-Za-z0-9')

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
declare -A builds=()
for dir in ${SKIFF_COMPARE:-}; do builds["skiff ($(basename "$dir"))"]=$dir; tools+=("skiff ($(basename "$dir"))"); done
[ -S "$sock" ] && tools+=("docker pull")
tools+=("tar -xzf" "download alone")
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq "$rounds"); do
  one "skiff pull" "true" node bin/skiff.js --data-root "$work/skiff-$r-$run" pull -q "$image"
  for name in "${!builds[@]}"; do
    one "$name" "true" node "${builds[$name]}/bin/skiff.js" --data-root "$work/$(basename "${builds[$name]}")-$r-$run" pull -q "$image"
  done
  if [ -S "$sock" ]; then
    one "docker pull" "docker -H unix://$sock rmi -f $image" docker -H "unix://$sock" pull -q "$image"
  fi
  one "tar -xzf" "mkdir '$work/tar-$r-$run'" tar -xzf "$work/layer.tgz" -C "$work/tar-$r-$run"
  one "download alone" "true" curl -sf "http://127.0.0.1:5000/v2/debian/blobs/$layer" -o /dev/null
done
[ -S "$sock" ] && docker -H "unix://$sock" rmi -f "$image" >/dev/null 2>&1 || true
declare -A results
for t in "${tools[@]}"; do
  results[$t]=$(printf '%s\n' ${times[$t]} | median)
  printf '%-22s %6.2f s   (rounds: %s)\n' "$t" "${results[$t]}" "$(printf '%.2f ' ${times[$t]})"
done

ratio() { echo "scale=2; $1 / $2" | bc; }
echo
echo "load average before: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this host slows every tool)"
[ -n "${results[docker pull]:-}" ] && echo "skiff / docker pull: $(ratio "${results[skiff pull]}" "${results[docker pull]}")   (goal <= 0.7)"
echo "skiff / tar -xzf:    $(ratio "${results[skiff pull]}" "${results[tar -xzf]}")   (goal <= 1.3)"
# The same ratio round by round (each skiff beside the tar of its own round) is steadier than the
# ratio of medians when the host's load changes during the run.
paired=$(paste -d' ' <(printf '%s\n' ${times[skiff pull]}) <(printf '%s\n' ${times[tar -xzf]}) | awk '{printf "%.2f\n", $1 / $2}')
echo "skiff / tar -xzf round by round: $(printf '%s ' $paired) (median $(printf '%s\n' $paired | median))"
