#!/usr/bin/env python3
"""Opens a known set of sockets for the sock_diag kernel test and the fixture capture.

Run it inside a network namespace (ip netns exec NAME python3 sock_diag_scene.py MODE ...).
It prints one line of JSON when every socket is in place, then keeps the sockets open until
its standard input closes. Python is used because Node.js cannot open UNIX datagram sockets
and always accepts connections on a listening socket.

Modes:
  full        TCP in every state the test checks, UDP, UNIX stream, datagram and seqpacket
              sockets, a raw socket, and MPTCP sockets where the kernel supports them.
  listen N K  One TCP listener with backlog N and N + K clients that it never accepts.
  scrape PORT PATH
              GETs http://127.0.0.1:PORT/PATH, prints the body and closes the connection
              with a reset. The closed connection leaves no socket behind, unlike curl,
              which also opens a UNIX socket pair and leaves its side in TIME-WAIT.

The full scene sends SYNs to 192.0.2.2, which the caller routes out of a veth whose peer
drops them, so those connections stay in SYN-SENT.
"""

import json
import socket
import struct
import sys
import time

IPPROTO_MPTCP = 262
BLACKHOLE = "192.0.2.2"


def listener(family, address, backlog):
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.bind((address, 0))
    sock.listen(backlog)
    return sock


def connect_pair(server, family):
    """Connects a client to `server`, accepts it, and returns (client, accepted)."""
    client = socket.socket(family, socket.SOCK_STREAM)
    client.connect(server.getsockname()[:2])
    accepted, _ = server.accept()
    return client, accepted


def wait_for_eof(sock):
    sock.settimeout(5)
    while sock.recv(4096):
        pass


def fill_accept_queue(backlog, extra):
    """A listener that never accepts: backlog + 1 clients get in, the others stay in SYN-SENT."""
    server = listener(socket.AF_INET, "127.0.0.1", backlog)
    clients = []
    for _ in range(backlog + 1):
        client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        client.connect(server.getsockname())
        clients.append(client)
    # Let the last handshake reach the accept queue before the extra SYNs arrive.
    time.sleep(0.2)
    for _ in range(extra - 1):
        client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        client.setblocking(False)
        client.connect_ex(server.getsockname())
        clients.append(client)
    return [server, *clients]


def tcp_sockets():
    keep = []
    # IPv4: established pairs, two with data left unread, and half-closed pairs whose
    # server side stays in CLOSE-WAIT.
    server4 = listener(socket.AF_INET, "127.0.0.1", 16)
    keep.append(server4)
    client, accepted = connect_pair(server4, socket.AF_INET)
    client.sendall(b"x" * 1000)
    keep.extend([client, accepted])
    client, accepted = connect_pair(server4, socket.AF_INET)
    accepted.sendall(b"y" * 2000)
    keep.extend([client, accepted])
    keep.extend(connect_pair(server4, socket.AF_INET))
    for _ in range(2):
        client, accepted = connect_pair(server4, socket.AF_INET)
        client.shutdown(socket.SHUT_WR)
        wait_for_eof(accepted)
        keep.extend([client, accepted])
    # Connections to an address whose packets are dropped stay in SYN-SENT.
    for _ in range(2):
        client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        client.setblocking(False)
        client.connect_ex((BLACKHOLE, 9))
        keep.append(client)
    keep.extend(fill_accept_queue(2, 2))

    # IPv6: one established pair, and pairs the client closes first, which leaves it in
    # TIME-WAIT once the server closes too.
    server6 = listener(socket.AF_INET6, "::1", 16)
    keep.append(server6)
    keep.extend(connect_pair(server6, socket.AF_INET6))
    for _ in range(3):
        client, accepted = connect_pair(server6, socket.AF_INET6)
        client.close()
        wait_for_eof(accepted)
        accepted.close()
    return keep


def udp_sockets():
    keep = []
    addresses = ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1"))
    for family, address in addresses:
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.bind((address, 0))
        keep.append(sock)
    # A receiver with a small buffer that is never read: datagrams queue up, then drop.
    receiver = keep[0]
    receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.connect(receiver.getsockname())
    for _ in range(50):
        sender.send(b"z" * 100)
    keep.append(sender)
    return keep


def unix_sockets():
    keep = []
    for _ in range(2):
        keep.extend(socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM))
    keep[0].sendall(b"u" * 500)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(b"\0nlx-sock-diag-test")
    server.listen(4)
    keep.append(server)
    for _ in range(2):
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(b"\0nlx-sock-diag-test")
        keep.append(client)
    keep.extend(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) for _ in range(2))
    keep.extend(socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM))
    keep.extend(socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET))
    return keep


def other_sockets():
    """A raw ICMP socket, and an MPTCP listener with one client it does not accept."""
    keep = [socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)]
    try:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    except OSError:
        return keep, False
    server.bind(("127.0.0.1", 0))
    server.listen(2)
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    client.connect(server.getsockname())
    return [*keep, server, client], True


def scrape(port, path):
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"
    sock.sendall(request.encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += receive(sock)
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    if lines[0] != "HTTP/1.1 200 OK":
        sys.exit(f"scrape of {path} failed: {lines[0]}")
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length is None:
        sys.exit(f"scrape of {path} returned no Content-Length")
    while len(body) < length:
        body += receive(sock)
    # A zero linger time makes close() send a reset instead of a FIN.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    sys.stdout.write(body.decode())


def receive(sock):
    chunk = sock.recv(65536)
    if not chunk:
        sys.exit("the exporter closed the connection before the response was complete")
    return chunk


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "full":
        keep = tcp_sockets() + udp_sockets() + unix_sockets()
        others, mptcp = other_sockets()
        keep += others
        # Let the half-closed and closed pairs settle in their final states.
        time.sleep(0.3)
        print(json.dumps({"ready": True, "mptcp": mptcp}), flush=True)
    elif mode == "scrape" and len(sys.argv) == 4:
        scrape(int(sys.argv[2]), sys.argv[3])
        return
    elif mode == "listen" and len(sys.argv) == 4:
        keep = fill_accept_queue(int(sys.argv[2]), int(sys.argv[3]))
        print(json.dumps({"ready": True}), flush=True)
    else:
        sys.exit("usage: sock_diag_scene.py full | listen BACKLOG EXTRA | scrape PORT PATH")
    sys.stdin.read()
    for sock in keep:
        sock.close()


if __name__ == "__main__":
    main()
