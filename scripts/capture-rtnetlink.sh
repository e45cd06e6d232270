#!/usr/bin/env bash
# Builds a small routing scene in a fresh network namespace and captures the RTM_GETLINK,
# RTM_GETADDR, RTM_GETROUTE and RTM_GETNEIGH dumps into test/fixtures/rtnetlink/.
# Needs root and iproute2. Run from the repository root: bash scripts/capture-rtnetlink.sh
set -euo pipefail
ns="nlx-capture-$$"
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
ip -n "$ns" -batch - <<EOS
link set lo up
link add veth0 type veth peer name veth1
link set veth0 up
link set veth1 up
link set veth0 alias "uplink to rack 7"
link add br0 type bridge
link set br0 up
link add port0 type veth peer name port0p
link set port0 master br0
link set port0 up
addr add 192.0.2.10/24 dev veth0
addr add 2001:db8::10/64 dev veth0 nodad
addr add 198.51.100.1/24 dev br0
route add 203.0.113.0/24 via 192.0.2.1 proto static
route add blackhole 198.18.0.0/15
route add unreachable 198.20.0.0/16
route add 10.77.0.0/16 via 192.0.2.254 table 100
neigh add 192.0.2.1 lladdr 02:00:00:00:00:01 dev veth0 nud permanent
neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev veth0 nud stale
neigh add 2001:db8::1 lladdr 02:00:00:00:00:03 dev veth0 nud reachable
EOS
scene="veth pair veth0/veth1 (alias set), bridge br0 with port0, IPv4+IPv6 addresses, static, blackhole, unreachable and table-100 routes, permanent/stale/reachable neighbours"
out=test/fixtures/rtnetlink
npm run --silent build
export CAPTURE_COMMAND="bash scripts/capture-rtnetlink.sh"
for preset in rtm_getlink rtm_getaddr rtm_getroute rtm_getneigh; do
  node dist/scripts/capture.js --preset "$preset" --netns "$ns" --out "$out/${preset#rtm_get}" --scene "$scene"
done
