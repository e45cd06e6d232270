#!/usr/bin/env bash
# Builds a netfilter scene in a fresh network namespace (an nftables ruleset in five
# families, traffic through a veth pair from a second namespace, conntrack entries and
# ftp/tftp expectations) and captures the ctnetlink and nf_tables replies into
# test/fixtures/conntrack/ and test/fixtures/nftables/.
# Needs root, iproute2, nftables and conntrack. Run from the repository root:
#   bash scripts/capture-netfilter.sh
set -euo pipefail
ns="nlx-capture-nf-$$"
peer="nlx-capture-nfp-$$"
ip netns add "$ns"
ip netns add "$peer"
trap 'ip netns del "$ns"; ip netns del "$peer"' EXIT
in_ns() { ip netns exec "$ns" "$@"; }
in_peer() { ip netns exec "$peer" "$@"; }

ip -n "$ns" -batch - <<EOS
link set lo up
link add veth0 type veth peer name veth1 netns $peer
link set veth0 up
addr add 192.0.2.1/24 dev veth0
addr add 2001:db8::1/64 dev veth0 nodad
EOS
ip -n "$peer" -batch - <<EOS
link set lo up
link set veth1 up
addr add 192.0.2.2/24 dev veth1
addr add 2001:db8::2/64 dev veth1 nodad
EOS

in_ns nft -f - <<'EOF'
table inet filter {
  counter udp_seen { packets 0 bytes 0; }
  quota monthly { over 10000 mbytes used 1 mbytes; }
  quota small { until 100 kbytes used 100 kbytes; }
  limit per_minute { rate 10/minute burst 5 packets; }
  limit bytes_per_second { rate over 1 mbytes/second burst 64 kbytes; }
  ct helper ftp-std { type "ftp" protocol tcp; }
  ct helper tftp-std { type "tftp" protocol udp; }
  set blocked4 { type ipv4_addr; elements = { 192.0.2.100, 192.0.2.101 }; }
  set ports { type inet_service; flags interval; elements = { 22, 8000-8080, 443 }; }
  set seen6 { type ipv6_addr; size 1024; flags dynamic,timeout; }
  map services { type ipv4_addr . inet_service : verdict; elements = { 192.0.2.2 . 80 : accept }; }
  map marks { type ifname : mark; elements = { "veth0" : 1 }; }
  chain input {
    type filter hook input priority filter; policy accept;
    ip protocol icmp counter comment "icmp in"
    ip6 nexthdr ipv6-icmp counter comment "icmp in"
    udp dport { 9, 10 } counter
    ip saddr @blocked4 counter drop comment "blocked"
    tcp dport @ports counter
    meta l4proto udp counter name udp_seen
    udp dport 7 jump sub
    iifname "veth0" meta l4proto icmp jump { counter comment "inside a binding chain"; }
  }
  chain sub {
    counter comment "echo"
  }
  chain output {
    type filter hook output priority filter; policy accept;
    tcp dport 21 ct helper set "ftp-std"
    udp dport 69 ct helper set "tftp-std"
  }
}
table ip mangle {
  chain pre { type filter hook prerouting priority mangle; policy accept; udp dport 9 counter comment "discard"; }
}
table ip6 raw {
  chain pre { type filter hook prerouting priority raw; policy accept; }
}
table netdev edge {
  chain ingress { type filter hook ingress device "veth0" priority 0; policy accept; ip protocol icmp counter comment "ingress icmp"; }
}
table arp arpwatch {
  chain in { type filter hook input priority 0; policy accept; counter; }
}
table bridge br {
  chain forward { type filter hook forward priority 0; policy drop; }
}
EOF

# Traffic from the peer: pings both ways of IPv4 and IPv6, and UDP to the discard port.
in_peer ping -c 3 -i 0.05 -q 192.0.2.1 >/dev/null
in_peer ping -c 2 -i 0.05 -q 2001:db8::1 >/dev/null
in_peer bash -c 'for i in 1 2 3 4; do echo x > /dev/udp/192.0.2.1/9; done'
in_peer bash -c 'echo x > /dev/udp/192.0.2.1/7'

# Conntrack entries made by hand, and ftp and tftp expectations from loopback flows that
# stay open while the capture runs.
in_ns conntrack -I -s 198.51.100.1 -d 198.51.100.2 -p tcp --sport 40000 --dport 443 --state ESTABLISHED -t 600 -u ASSURED >/dev/null
in_ns conntrack -I -s 198.51.100.1 -d 198.51.100.3 -p udp --sport 40001 --dport 53 -t 600 >/dev/null
flow=$(cat <<'EOF'
const net = require('node:net');
const dgram = require('node:dgram');
const host = process.argv[1];
const v6 = host.includes(':');
// The ftp helper reads a reply only after a line it has already seen, so the server sends
// a banner first and the passive-mode reply after the client's command.
const server = net.createServer((s) => {
  s.write('220 ready\r\n');
  s.on('data', () =>
    s.write(v6 ? '229 Entering Extended Passive Mode (|||50000|)\r\n' : '227 Entering Passive Mode (127,0,0,1,195,80)\r\n'),
  );
});
server.listen(21, host, () => {
  const client = net.connect(21, host);
  client.on('data', (d) => {
    if (String(d).startsWith('220')) client.write(v6 ? 'EPSV\r\n' : 'PASV\r\n');
  });
});
dgram.createSocket(v6 ? 'udp6' : 'udp4').send(Buffer.from('\x00\x01file\x00octet\x00', 'latin1'), 69, host);
setTimeout(() => process.exit(0), 20000);
EOF
)
in_ns node -e "$flow" 127.0.0.1 &
in_ns node -e "$flow" ::1 &
sleep 2

scene="inet/ip/ip6/netdev/arp/bridge tables with base, regular and binding chains, commented and uncommented counter rules (one comment on two rules), anonymous sets, named sets and maps (interval, concatenated, dynamic with size), named counter, two quotas (one used up), packet and byte limits; pings and UDP from a peer namespace over a veth pair; two conntrack entries from conntrack -I; ftp and tftp expectations over IPv4 and IPv6 loopback"
npm run --silent build
export CAPTURE_COMMAND="bash scripts/capture-netfilter.sh"
mkdir -p test/fixtures/conntrack test/fixtures/nftables
capture() { node dist/scripts/capture.js --netns "$ns" --scene "$scene" "$@"; }
capture --preset ct_get_stats_cpu --out test/fixtures/conntrack/stats_cpu
capture --preset ct_get_stats --out test/fixtures/conntrack/stats
capture --preset exp_get --out test/fixtures/conntrack/expect
capture --preset exp_get_stats_cpu --out test/fixtures/conntrack/expect_stats_cpu
for kind in table chain rule set obj flowtable gen; do
  capture --preset "nft_get$kind" --out "test/fixtures/nftables/$kind"
done
capture --preset nft_getsetelem --arg inet:filter:ports --out test/fixtures/nftables/setelem_ports
capture --preset nft_getsetelem --arg inet:filter:services --out test/fixtures/nftables/setelem_services
kill %1 %2 2>/dev/null || true
wait
