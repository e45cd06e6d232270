#!/usr/bin/env bash
# Opens the sock_diag kernel test's sockets (test/kernel/sock_diag_scene.py full) in a fresh
# network namespace and captures the collector's SOCK_DIAG_BY_FAMILY dumps into
# test/fixtures/sockdiag/. Needs root, iproute2 and python3. Run from the repository root:
# bash scripts/capture-sockdiag.sh
set -euo pipefail
ns="nlx-capture-$$"
dir=$(mktemp -d)
ip netns add "$ns"
cleanup() {
  exec 3>&- || true
  [ -n "${scene:-}" ] && wait "$scene" 2>/dev/null || true
  ip netns del "$ns"
  rm -rf "$dir"
}
trap cleanup EXIT
ip -n "$ns" -batch - <<EOS
link set lo up
link add nlxbh0 type veth peer name nlxbh1
link set nlxbh0 up
link set nlxbh1 up
addr add 192.0.2.1/24 dev nlxbh0
neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev nlxbh0 nud permanent
EOS
# The helper keeps its sockets open until its standard input, the FIFO on fd 3, closes.
mkfifo "$dir/stdin"
ip netns exec "$ns" python3 test/kernel/sock_diag_scene.py full <"$dir/stdin" >"$dir/ready" &
scene=$!
exec 3>"$dir/stdin"
until [ -s "$dir/ready" ]; do sleep 0.1; done
scene_text="TCP listen, established, close-wait, fin-wait-2, time-wait and syn-sent sockets, a full accept queue, UDP with drops, UNIX stream, datagram and seqpacket sockets, an MPTCP listener (test/kernel/sock_diag_scene.py full)"
out=test/fixtures/sockdiag
mkdir -p "$out"
npm run --silent build
export CAPTURE_COMMAND="bash scripts/capture-sockdiag.sh"
for preset in tcp4 tcp6 udp4 udp6 mptcp4 unix; do
  node dist/scripts/capture.js --preset "sock_diag_$preset" --netns "$ns" --out "$out/$preset" --scene "$scene_text"
done
