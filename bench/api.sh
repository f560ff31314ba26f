#!/usr/bin/env bash
# bench/api: one container's whole life through the Docker Engine API, with curl as the client —
# POST /containers/create, POST /start, POST /wait, DELETE — timed against
#   skiffd   (this project: `skiff daemon` on a temp socket and data root, started here)
#   dockerd  (started by shared/bench/peers-start.sh, its socket under $SKIFF_PEERS_DIR/dk)
# in one run, rounds interleaved (skiffd, dockerd, skiffd, ...) so that a machine that slows down
# slows both alike. Prints the medians and skiffd / dockerd (goal <= 0.2).
# Usage: bench/api.sh [ROUNDS]   — needs root; dockerd is optional (skipped when its socket is absent).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
peers=${SKIFF_PEERS_DIR:-/tmp/skiff-peers}
docker_sock=$peers/dk/docker.sock
docker_image=${SKIFF_BENCH_DOCKER_IMAGE:-127.0.0.1:5000/busybox:latest}
work=$(mktemp -d /tmp/skiff-bench-api.XXXXXX)
sock=$work/skiff.sock
daemon_pid=
cleanup() {
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

npm run -s build >/dev/null
node bin/skiff.js --data-root "$work/data" base >/dev/null
node bin/skiff.js daemon --data-root "$work/data" -H "unix://$sock" --pidfile "$work/skiff.pid" --cgroup-parent "skiff-bench-$$" 2>"$work/daemon.log" &
daemon_pid=$!
for _ in $(seq 100); do curl -sf --unix-socket "$sock" http://d/_ping >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf --unix-socket "$sock" http://d/_ping >/dev/null || { cat "$work/daemon.log" >&2; exit 1; }

# The client, in curl: what api-run.sh does. The create body asks for no network (dockerd of the
# peers runs with --bridge=none), the command is `true`.
api_run() { # socket image
  local s=$1 image=$2 v=v1.41 id
  id=$(curl -sf --unix-socket "$s" -X POST -H 'Content-Type: application/json' \
    -d "{\"Image\":\"$image\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"none\"}}" \
    "http://d/$v/containers/create" | sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/')
  curl -sf --unix-socket "$s" -X POST "http://d/$v/containers/$id/start" >/dev/null
  curl -sf --unix-socket "$s" -X POST "http://d/$v/containers/$id/wait" >/dev/null
  curl -sf --unix-socket "$s" -X DELETE "http://d/$v/containers/$id" >/dev/null
}

targets=("skiffd")
declare -A sockets=([skiffd]=$sock) images=([skiffd]=busybox)
if [ -S "$docker_sock" ]; then
  # The image must be there (the peers' registry has it): pull once, not timed.
  curl -sf --unix-socket "$docker_sock" -X POST "http://d/v1.41/images/create?fromImage=${docker_image%:*}&tag=${docker_image##*:}" >/dev/null
  targets+=("dockerd")
  sockets[dockerd]=$docker_sock
  images[dockerd]=$docker_image
else
  echo "no dockerd at $docker_sock (run shared/bench/peers-start.sh): skiffd only" >&2
fi

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -A times
for t in "${targets[@]}"; do api_run "${sockets[$t]}" "${images[$t]}"; done # warm-up, not timed
for _ in $(seq "$rounds"); do
  for t in "${targets[@]}"; do
    t0=$(now)
    api_run "${sockets[$t]}" "${images[$t]}"
    times[$t]+="$(( ($(now) - t0) / 1000000 )) "
  done
done

declare -A results
for t in "${targets[@]}"; do
  results[$t]=$(printf '%s\n' ${times[$t]} | median)
  printf '%-8s median %6s ms   (rounds: %s)\n' "$t" "${results[$t]}" "${times[$t]}"
done
if [ -n "${results[dockerd]:-}" ]; then
  echo
  echo "skiffd / dockerd: $(echo "scale=3; ${results[skiffd]} / ${results[dockerd]}" | bc)   (goal <= 0.2)"
fi
