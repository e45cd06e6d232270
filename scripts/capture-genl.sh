#!/usr/bin/env bash
# Builds scenes in fresh network namespaces and captures generic netlink replies into
# test/fixtures/{ethtool,devlink,wireguard,ipvs,netdm}/. Needs root, iproute2 and a build
# (npm run build). Run from the repository root.
#
#   bash scripts/capture-genl.sh host   ethtool on veth, on any kernel with the ethtool family
#   bash scripts/capture-genl.sh lab    everything else; runs inside the kernel lab VM, where
#                                       scripts/capture-genl-lab.ts starts it
#
# OUT overrides the fixture folder (the lab writes to a scratch folder and copies back).
set -euo pipefail
mode=${1:?usage: capture-genl.sh host|lab}
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

case $mode in
host)
  capture_ethtool_veth
  ;;
lab)
  capture_ethtool_netdevsim
  ;;
*)
  echo "unknown mode $mode: expected host or lab" >&2
  exit 2
  ;;
esac
