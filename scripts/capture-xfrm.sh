#!/usr/bin/env bash
# Builds larval SAs, policies in every direction and per-socket policies in a fresh network
# namespace and captures the xfrm collector's requests into test/fixtures/xfrm/. Needs root,
# iproute2 and python3. Run from the repository root: bash scripts/capture-xfrm.sh
set -euo pipefail
ns="nlx-capture-$$"
dir=$(mktemp -d)
ip netns add "$ns"
cleanup() {
  exec 3>&- || true
  [ -n "${holder:-}" ] && wait "$holder" 2>/dev/null || true
  ip netns del "$ns"
  rm -rf "$dir"
}
trap cleanup EXIT
# Larval SAs expire after net.core.xfrm_acq_expires seconds (30 by default).
ip netns exec "$ns" sysctl -qw net.core.xfrm_acq_expires=3600
ip -n "$ns" -batch - <<EOS
xfrm state allocspi src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel reqid 7
xfrm state allocspi src 10.0.0.1 dst 10.0.0.4 proto esp mode transport
xfrm state allocspi src 2001:db8::1 dst 2001:db8::2 proto ah mode transport
xfrm state allocspi src 10.0.0.1 dst 10.0.0.6 proto comp mode tunnel
xfrm policy add src 10.1.0.0/24 dst 10.0.0.0/24 dir out action allow tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel
xfrm policy add src 10.0.0.0/24 dst 10.1.0.0/24 dir in action block
xfrm policy add src 10.0.0.0/24 dst 10.2.0.0/24 dir in ptype sub action allow
xfrm policy add src fd00::/64 dst fd01::/64 dir fwd priority 5
EOS
# The helper keeps its sockets and their policies until its standard input, the FIFO on fd 3,
# closes.
mkfifo "$dir/stdin"
ip netns exec "$ns" python3 test/kernel/xfrm_socket_policies.py 1 2 <"$dir/stdin" >"$dir/ready" &
holder=$!
exec 3>"$dir/stdin"
until [ -s "$dir/ready" ]; do sleep 0.1; done
scene_text="larval SAs: esp tunnel, esp transport, ah transport (IPv6), comp tunnel; policies: out allow with template, in block, in allow (sub), fwd (IPv6); per-socket policies: 1 in, 2 out"
out=test/fixtures/xfrm
mkdir -p "$out"
npm run --silent build
export CAPTURE_COMMAND="bash scripts/capture-xfrm.sh"
for preset in getsa getpolicy getsadinfo getspdinfo; do
  node dist/scripts/capture.js --preset "xfrm_$preset" --netns "$ns" --out "$out/${preset#get}" --scene "$scene_text"
done
