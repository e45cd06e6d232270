#!/usr/bin/env bash
# Builds a traffic control and bridge scene in fresh network namespaces and captures the
# replies of the traffic_control and rtnetlink_extended collectors into test/fixtures/tc/ and
# test/fixtures/rtnetlink-extended/. Needs root and iproute2.
# Run from the repository root: bash scripts/capture-extended.sh
set -euo pipefail
ns="nlx-capture-$$"
peer="nlx-capture-peer-$$"
ip netns add "$ns"
ip netns add "$peer"
trap 'ip netns del "$ns"; ip netns del "$peer"' EXIT
for n in "$ns" "$peer"; do
  ip netns exec "$n" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$ns" -batch - <<EOS
link set lo up
link add a0 type veth peer name b0 netns $peer
link set a0 up
addr add 10.9.0.1/24 dev a0
link add br0 type bridge mcast_stats_enabled 1
link add p1 type veth peer name p1x
link add p2 type veth peer name p2x
link add p3 type veth peer name p3x
link set p1 master br0
link set p2 master br0
link set p3 master br0
link set br0 up
link set p1 up
link set p2 up
link set p3 up
link set p1x up
link set p2x up
link set p3x up
rule add from 10.1.0.0/16 table 100
nexthop add id 1 blackhole
nexthop add id 2 group 1
EOS
ip -n "$peer" -batch - <<EOS
link set b0 up
addr add 10.9.0.2/24 dev b0
EOS
tc -n "$ns" -batch - <<EOS
qdisc add dev a0 root handle 1: htb default 20
class add dev a0 parent 1: classid 1:1 htb rate 100mbit quantum 1514
class add dev a0 parent 1:1 classid 1:10 htb rate 10mbit ceil 100mbit quantum 1514
class add dev a0 parent 1:1 classid 1:20 htb rate 10mbit ceil 100mbit quantum 1514
qdisc add dev a0 parent 1:10 handle 10: pfifo limit 50
qdisc add dev a0 parent 1:20 handle 20: tbf rate 1mbit burst 4kb latency 50ms
filter add dev a0 parent 1: protocol ip prio 1 u32 match ip dst 10.9.0.2/32 flowid 1:10
qdisc add dev a0 handle ffff: ingress
EOS
bridge -n "$ns" fdb add 02:00:00:00:01:01 dev p1 master static
bridge -n "$ns" fdb add 02:00:00:00:01:02 dev p2 master static
ip -n "$ns" addr add 239.1.1.1/32 dev br0 autojoin
ip netns exec "$ns" ping -q -c 5 -i 0.01 10.9.0.2 >/dev/null
sleep 3
npm run --silent build
export CAPTURE_COMMAND="bash scripts/capture-extended.sh"
tc_scene="veth a0 with an HTB root, classes 1:1, 1:10 (pfifo leaf) and 1:20 (TBF leaf), a u32 filter and an ingress qdisc; 5 pings through 1:10"
br_scene="bridge br0 (mcast_stats_enabled) with ports p1-p3, static FDB entries on p1 and p2, an IGMP group join on br0, one added FIB rule, a blackhole nexthop and a group"
mkdir -p test/fixtures/tc test/fixtures/rtnetlink-extended
node dist/scripts/capture-extended.js --netns "$ns" --preset qdisc --out test/fixtures/tc/qdisc --scene "$tc_scene"
node dist/scripts/capture-extended.js --netns "$ns" --preset class --dev a0 --out test/fixtures/tc/class --scene "$tc_scene"
node dist/scripts/capture-extended.js --netns "$ns" --preset link --out test/fixtures/tc/link --scene "$tc_scene"
for preset in stats fdb rule nexthop link; do
  node dist/scripts/capture-extended.js --netns "$ns" --preset "$preset" --out "test/fixtures/rtnetlink-extended/$preset" --scene "$br_scene"
done
