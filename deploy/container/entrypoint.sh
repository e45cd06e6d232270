#!/bin/sh
# Starts netlink_exporter with the node binary whose file capabilities the container's
# capability bounding set allows. The kernel rejects execve of a binary with file
# capabilities that the bounding set lacks, so the choice is made before exec.
#
# CAP_NET_ADMIN is bit 12 and CAP_SYS_ADMIN bit 21 of CapBnd (linux/capability.h).
# NETLINK_EXPORTER_HOME and NETLINK_EXPORTER_PLAIN_NODE override the image's paths.
set -eu

home=${NETLINK_EXPORTER_HOME:-/opt/netlink-exporter}
plain_node=${NETLINK_EXPORTER_PLAIN_NODE:-/usr/local/bin/node}

bounding=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
has_cap() {
  [ $(((0x$bounding >> $1) & 1)) -eq 1 ]
}

if has_cap 12 && has_cap 21; then
  node=$home/bin/node-sys-admin
elif has_cap 12; then
  node=$home/bin/node-net-admin
else
  echo "entrypoint: CAP_NET_ADMIN is not in the bounding set, so conntrack, conntrack_expect, nftables, xfrm, ipvs and wireguard will report forbidden; add it with --cap-add NET_ADMIN" >&2
  node=$plain_node
fi
exec "$node" --max-semi-space-size=2 "$home/dist/src/main.js" "$@"
