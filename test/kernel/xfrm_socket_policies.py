#!/usr/bin/env python3
"""Holds UDP sockets with per-socket IPsec policies for the xfrm kernel test.

Usage: ip netns exec NAME python3 xfrm_socket_policies.py IN OUT

Opens IN sockets with an inbound and OUT sockets with an outbound allow policy. IKE daemons
set such bypass policies on their own sockets with setsockopt IP_XFRM_POLICY. Prints "ready"
and keeps the sockets until its standard input closes.
"""

import socket
import struct
import sys

# <linux/in.h>
IP_XFRM_POLICY = 17
# struct xfrm_userpolicy_info of <linux/xfrm.h>: 168 bytes, sel.family at 40, dir at 160,
# action at 161 (0, XFRM_POLICY_ALLOW). An all-zero selector matches every packet.
POLICY_INFO_LEN = 168
SELECTOR_FAMILY = 40
POLICY_DIR = 160


def policy(direction):
    info = bytearray(POLICY_INFO_LEN)
    struct.pack_into("=H", info, SELECTOR_FAMILY, socket.AF_INET)
    info[POLICY_DIR] = direction
    return bytes(info)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: xfrm_socket_policies.py IN OUT")
    keep = []
    for direction, count in ((0, int(sys.argv[1])), (1, int(sys.argv[2]))):
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.IPPROTO_IP, IP_XFRM_POLICY, policy(direction))
            keep.append(sock)
    print("ready", flush=True)
    sys.stdin.read()
    for sock in keep:
        sock.close()


if __name__ == "__main__":
    main()
