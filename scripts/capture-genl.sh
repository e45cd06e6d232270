#!/usr/bin/env bash
# Builds scenes in fresh network namespaces and captures generic netlink replies into
# test/fixtures/{ethtool,devlink,wireguard,ipvs,netdm}/. Needs root, iproute2 and a build
# (npm run build). Run from the repository root.
#
#   bash scripts/capture-genl.sh host   ethtool on veth, on any kernel with the ethtool family
#   bash scripts/capture-genl.sh lab [SECTION...]
#                                       everything else, or only the sections named (ethtool,
#                                       wireguard, ipvs, devlink, netdm); runs inside the kernel
#                                       lab VM, where scripts/capture-genl-lab.ts starts it
#
# OUT overrides the fixture folder (the lab writes to a scratch folder and copies back).
set -euo pipefail
mode=${1:?usage: capture-genl.sh host|lab [SECTION...]}
shift
sections=${*:-ethtool wireguard ipvs devlink netdm}
out=${OUT:-test/fixtures}
namespaces=()
cleanup() {
  local ns
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT

new_ns() {
  local ns="nlx-capture-$1-$$"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  namespaces+=("$ns")
  echo "$ns"
}

capture() {
  local preset=$1 dir=$2 case=$3 ns=$4 scene=$5
  shift 5
  mkdir -p "$out/$dir"
  CAPTURE_COMMAND="bash scripts/capture-genl.sh $mode" \
    node dist/scripts/capture.js --preset "$preset" --netns "$ns" --out "$out/$dir/$case" \
    --scene "$scene" "$@"
}

capture_ethtool_veth() {
  local ns scene
  ns=$(new_ns ethtool)
  ip -n "$ns" -batch - <<EOS
link add veth0 type veth peer name veth1
link set veth0 up
link set veth1 up
link add vdown0 type veth peer name vdown1
link set vdown0 up
EOS
  scene="veth pair veth0/veth1 up, veth pair vdown0/vdown1 with only vdown0 up, lo up"
  # The kernel names as many groups in ETH_SS_STATS_STD as it offers.
  local groups
  groups=$(ip netns exec "$ns" ethtool --json -S veth0 --all-groups |
    node -e 'const d=JSON.parse(require("fs").readFileSync(0,"utf8"))[0]; console.log(Object.keys(d).length-1)')
  capture ethtool_strset ethtool strset-std "$ns" "$scene"
  capture ethtool_stats ethtool stats-veth "$ns" "$scene" --arg "$groups"
  capture ethtool_linkinfo ethtool linkinfo-veth "$ns" "$scene"
  capture ethtool_linkmodes ethtool linkmodes-veth "$ns" "$scene"
  capture ethtool_linkstate ethtool linkstate-veth "$ns" "$scene"
}

# netdevsim devices are global to the kernel: ids from 900 up are this script's.
# Creates netdevsim device $2 with $3 ports in namespace $1 and names its netdevs eni<id>np<n>
# as udev would (the lab guest has no udev, so the kernel's ethN names would stay).
nsim_new() {
  local ns=$1 id=$2 ports=$3 port netdev
  ip netns exec "$ns" sh -c "echo '$id $ports' > /sys/bus/netdevsim/new_device"
  for port in $(seq 0 $((ports - 1))); do
    netdev=$(ip netns exec "$ns" devlink -j port show "netdevsim/netdevsim$id/$port" |
      node -e 'const p=JSON.parse(require("fs").readFileSync(0,"utf8")).port; console.log(Object.values(p)[0].netdev)')
    ip -n "$ns" link set "$netdev" name "eni${id}np$((port + 1))"
  done
}
nsim_del() {
  echo "$1" >/sys/bus/netdevsim/del_device 2>/dev/null || true
}
nsim_debugfs() {
  echo "/sys/kernel/debug/netdevsim/netdevsim$1"
}

capture_ethtool_netdevsim() {
  local ns scene dir
  ns=$(new_ns nsim-ethtool)
  nsim_new "$ns" 901 2
  dir=$(nsim_debugfs 901)
  echo Y >"$dir/ports/0/ethtool/pause/report_stats_rx"
  echo Y >"$dir/ports/0/ethtool/pause/report_stats_tx"
  ip netns exec "$ns" ethtool -s eni901np1 2>/dev/null || true
  ip netns exec "$ns" ethtool --set-fec eni901np2 encoding rs
  scene="netdevsim 901 with ports eni901np1 (pause statistics on) and eni901np2 (FEC rs)"
  capture ethtool_pause ethtool pause-netdevsim "$ns" "$scene"
  capture ethtool_fec ethtool fec-netdevsim "$ns" "$scene"
  nsim_del 901
}

# Throw-away WireGuard keys, made for these fixtures with `wg genkey`, `wg pubkey` and
# `wg genpsk`; they protect nothing. Public keys: mkVSsI... (wg0 in ns A), aH8j2+... (wg0 in
# ns B), y0DJAS... (a peer that never handshakes), /TQNHy... (a peer with many allowed IPs).
readonly WG_KEY_A=gCvjBhwxM2Is8zunBeYM678+LuzBCvG598dIh8Q6q1E=
readonly WG_KEY_B=aCHDbLEhDUc/7dLeFtFb2xWlTueLTBAUv/YfA22mWHQ=
readonly WG_PUB_A=mkVSsIfcR2Plzw3BbJc+UDk4FggoJ4diCi1OsnzEN2I=
readonly WG_PUB_B=aH8j2+4vNah6iH6uvHdEChK3/bSta7Cscz8ozABjXD8=
readonly WG_PUB_IDLE=y0DJASLHTiEF6f+66KzhC2mqr2yPJm4VUMX4mc7qzAI=
readonly WG_PUB_WIDE=/TQNHyPlABirlyeVuv6E4V92mVxgRj3gyBiIr8nW4kg=
readonly WG_PSK=KGOM81IpMsxlYdrbKBtoGBQjNFQWJu/TF3ND4neUq5Q=

capture_wireguard() {
  local a b dir scene
  a=$(new_ns wg-a)
  b=$(new_ns wg-b)
  dir=$(mktemp -d)
  echo "$WG_KEY_A" >"$dir/a"
  echo "$WG_KEY_B" >"$dir/b"
  echo "$WG_PSK" >"$dir/psk"
  ip link add wgv0 netns "$a" type veth peer name wgv1 netns "$b"
  ip -n "$a" addr add 192.0.2.1/24 dev wgv0
  ip -n "$b" addr add 192.0.2.2/24 dev wgv1
  ip -n "$a" link set wgv0 up
  ip -n "$b" link set wgv1 up
  ip -n "$a" link add wg0 type wireguard
  ip -n "$b" link add wg0 type wireguard
  ip netns exec "$a" wg set wg0 listen-port 51820 fwmark 0x2a private-key "$dir/a" \
    peer "$WG_PUB_B" preshared-key "$dir/psk" allowed-ips 10.7.0.2/32,fd07::2/128 \
    endpoint 192.0.2.2:51821 persistent-keepalive 25
  ip netns exec "$a" wg set wg0 peer "$WG_PUB_IDLE" allowed-ips 10.7.1.0/24
  # Enough allowed IPs that the kernel continues the peer in a second message.
  local ips
  ips=$(seq 0 2999 | awk '{printf "%s10.8.%d.%d/32", (NR>1?",":""), int($1/250), $1%250}')
  ip netns exec "$a" wg set wg0 peer "$WG_PUB_WIDE" allowed-ips "$ips"
  ip netns exec "$b" wg set wg0 listen-port 51821 private-key "$dir/b" \
    peer "$WG_PUB_A" preshared-key "$dir/psk" allowed-ips 10.7.0.1/32 endpoint 192.0.2.1:51820
  rm -rf "$dir"
  ip -n "$a" addr add 10.7.0.1/24 dev wg0
  ip -n "$b" addr add 10.7.0.2/24 dev wg0
  ip -n "$a" link set wg0 up
  ip -n "$b" link set wg0 up
  ip netns exec "$a" ping -c 2 -W 10 10.7.0.2 >/dev/null
  scene="wg0 (listen port 51820, fwmark 0x2a) with a handshaked peer ($WG_PUB_B, preshared key, keepalive 25), a peer that never handshook ($WG_PUB_IDLE) and a peer with 3000 allowed IPs ($WG_PUB_WIDE)"
  capture wireguard_device wireguard device-wg0 "$a" "$scene" --arg wg0
}

capture_ipvs() {
  local ns scene
  ns=$(new_ns ipvs)
  ip -n "$ns" -batch - <<EOS
link add d0 type dummy
addr add 10.0.0.1/24 dev d0
addr add 2001:db8::1/64 dev d0 nodad
link set d0 up
EOS
  ip netns exec "$ns" ipvsadm -A -t 10.0.0.1:80 -s rr
  ip netns exec "$ns" ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 3
  ip netns exec "$ns" ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.3:8080 -m
  ip netns exec "$ns" ipvsadm -A -u 10.0.0.1:53 -s wrr
  ip netns exec "$ns" ipvsadm -a -u 10.0.0.1:53 -r 10.0.0.4:53 -m
  ip netns exec "$ns" ipvsadm -A -f 7 -s sh
  ip netns exec "$ns" ipvsadm -a -f 7 -r 10.0.0.5 -m
  ip netns exec "$ns" ipvsadm -A -t '[2001:db8::1]:443' -s rr
  ip netns exec "$ns" ipvsadm -a -t '[2001:db8::1]:443' -r '[2001:db8::2]:443' -m
  scene="TCP 10.0.0.1:80 (rr, 10.0.0.2:80 weight 3, 10.0.0.3:8080), UDP 10.0.0.1:53 (wrr, 10.0.0.4:53), fwmark 7 (sh, 10.0.0.5), TCP [2001:db8::1]:443 (rr, [2001:db8::2]:443), all masquerading"
  capture ipvs_services ipvs services "$ns" "$scene"
  local n
  for n in 0 1 2 3; do
    capture ipvs_dests ipvs "dests-$n" "$ns" "$scene" --arg "$n"
  done
}

capture_devlink() {
  local ns scene
  ns=$(new_ns devlink)
  nsim_new "$ns" 902 2
  echo "capture" >"$(nsim_debugfs 902)/health/break_health"
  scene="netdevsim 902 with 2 ports; the dummy health reporter got one error (break_health) and recovered"
  capture devlink_dev devlink dev "$ns" "$scene"
  capture devlink_port devlink port "$ns" "$scene"
  capture devlink_info devlink info "$ns" "$scene"
  capture devlink_health devlink health "$ns" "$scene"
  nsim_del 902
}

# Sends UDP datagrams to a closed port on loopback in the initial namespace: each is dropped
# with reason NO_SOCKET. NET_DM exists only in the initial namespace.
udp_drops() {
  local count=$1
  (sleep 10 && node -e "
    const s = require('dgram').createSocket('udp4');
    let n = $count;
    const next = () => (n-- > 0 ? s.send('x', 9, '127.0.0.1', next) : s.close());
    next();") &
}

capture_netdm() {
  local scene="30 UDP datagrams to closed port 9 on 127.0.0.1 in the initial namespace"
  # Node starts slowly in the emulated guest: the drops begin after the monitor runs.
  udp_drops 30
  CAPTURE_COMMAND="bash scripts/capture-genl.sh $mode" node dist/scripts/capture.js \
    --preset netdm_alerts_summary --out "$out/netdm/alerts-summary" --scene "$scene" --arg 20
  wait
  udp_drops 30
  CAPTURE_COMMAND="bash scripts/capture-genl.sh $mode" node dist/scripts/capture.js \
    --preset netdm_alerts_packet --out "$out/netdm/alerts-packet" --scene "$scene" --arg 20
  wait
  CAPTURE_COMMAND="bash scripts/capture-genl.sh $mode" node dist/scripts/capture.js \
    --preset netdm_stats --out "$out/netdm/stats" --scene "after the alert captures"
}

case $mode in
host)
  capture_ethtool_veth
  ;;
lab)
  for section in $sections; do
    case $section in
    ethtool) capture_ethtool_netdevsim ;;
    wireguard) capture_wireguard ;;
    ipvs) capture_ipvs ;;
    devlink) capture_devlink ;;
    netdm)
      mkdir -p "$out/netdm"
      capture_netdm
      ;;
    *)
      echo "unknown section $section" >&2
      exit 2
      ;;
    esac
  done
  ;;
*)
  echo "unknown mode $mode: expected host or lab" >&2
  exit 2
  ;;
esac
