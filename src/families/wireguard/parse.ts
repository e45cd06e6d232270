// Parsers from WireGuard WG_CMD_GET_DEVICE replies to readonly snapshots, after
// <linux/wireguard.h> (Linux 6.1). Private and preshared keys are never read: their
// attributes are skipped like unknown ones. No I/O, no logging.

import { GENL_HDRLEN } from '../../genl/family.js';
import { AttrCursor } from '../../netlink/attr.js';
import { DecodeError } from '../../netlink/errors.js';
import {
  KERNEL_TIMESPEC_LEN,
  WG_KEY_LEN,
  WGDEVICE_A_FWMARK,
  WGDEVICE_A_IFINDEX,
  WGDEVICE_A_IFNAME,
  WGDEVICE_A_LISTEN_PORT,
  WGDEVICE_A_PEERS,
  WGPEER_A_ALLOWEDIPS,
  WGPEER_A_ENDPOINT,
  WGPEER_A_LAST_HANDSHAKE_TIME,
  WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
  WGPEER_A_PUBLIC_KEY,
  WGPEER_A_RX_BYTES,
  WGPEER_A_TX_BYTES,
} from './constants.js';

/**
 * A peer as one message carries it. A peer with many allowed IPs continues in the next
 * message, which repeats only its public key and the rest of the allowed IPs.
 */
export interface PeerFragment {
  /** Public key in base64, as `wg show` prints it. */
  readonly publicKey: string;
  readonly hasEndpoint: boolean | undefined;
  /** Persistent keepalive interval in seconds; 0 when off. */
  readonly keepaliveSeconds: number | undefined;
  /** Last handshake as seconds and nanoseconds since the epoch; 0 and 0 when none yet. */
  readonly handshakeSeconds: bigint | undefined;
  readonly handshakeNanoseconds: bigint | undefined;
  readonly rxBytes: bigint | undefined;
  readonly txBytes: bigint | undefined;
  /** Allowed IPs in this message. */
  readonly allowedIps: number;
}

/** One WG_CMD_GET_DEVICE reply message: device attributes and a run of peers. */
export interface DeviceFragment {
  readonly index: number | undefined;
  readonly name: string | undefined;
  readonly listenPort: number | undefined;
  readonly fwmark: number | undefined;
  readonly peers: readonly PeerFragment[];
}

/** A WireGuard peer, merged from all messages of a dump. */
export interface WireguardPeer {
  readonly publicKey: string;
  readonly hasEndpoint: boolean;
  readonly keepaliveSeconds: number;
  readonly handshakeSeconds: bigint;
  readonly handshakeNanoseconds: bigint;
  readonly rxBytes: bigint;
  readonly txBytes: bigint;
  readonly allowedIps: number;
}

/** A WireGuard device with all its peers, in kernel order. */
export interface WireguardDevice {
  readonly index: number;
  readonly name: string;
  /** UDP listen port; 0 while unbound. */
  readonly listenPort: number;
  /** Firewall mark of outgoing packets; 0 when unset. */
  readonly fwmark: number;
  readonly peers: readonly WireguardPeer[];
}

/** Parses one WG_CMD_GET_DEVICE reply message. Throws DecodeError. */
export function parseDeviceMessage(buf: Buffer, start: number, end: number): DeviceFragment {
  if (end - start < GENL_HDRLEN) {
    throw new DecodeError(
      'WG_CMD_GET_DEVICE/genlmsghdr',
      `expected at least ${GENL_HDRLEN} bytes`,
      end - start,
    );
  }
  const cursor = new AttrCursor(buf, start + GENL_HDRLEN, end, 'WG_CMD_GET_DEVICE');
  let index: number | undefined;
  let name: string | undefined;
  let listenPort: number | undefined;
  let fwmark: number | undefined;
  const peers: PeerFragment[] = [];
  while (cursor.next()) {
    switch (cursor.type) {
      case WGDEVICE_A_IFINDEX:
        index = cursor.u32('WGDEVICE_A_IFINDEX');
        break;
      case WGDEVICE_A_IFNAME:
        name = cursor.str('WGDEVICE_A_IFNAME');
        break;
      case WGDEVICE_A_LISTEN_PORT:
        listenPort = cursor.u16('WGDEVICE_A_LISTEN_PORT');
        break;
      case WGDEVICE_A_FWMARK:
        fwmark = cursor.u32('WGDEVICE_A_FWMARK');
        break;
      case WGDEVICE_A_PEERS:
        parsePeers(cursor.nested('WGDEVICE_A_PEERS'), peers);
        break;
    }
  }
  return { index, name, listenPort, fwmark, peers };
}

function parsePeers(list: AttrCursor, peers: PeerFragment[]): void {
  while (list.next()) peers.push(parsePeer(list.nested(`peer ${peers.length}`)));
}

function parsePeer(peer: AttrCursor): PeerFragment {
  let publicKey: string | undefined;
  let hasEndpoint: boolean | undefined;
  let keepaliveSeconds: number | undefined;
  let handshakeSeconds: bigint | undefined;
  let handshakeNanoseconds: bigint | undefined;
  let rxBytes: bigint | undefined;
  let txBytes: bigint | undefined;
  let allowedIps = 0;
  while (peer.next()) {
    switch (peer.type) {
      case WGPEER_A_PUBLIC_KEY:
        publicKey = key(peer);
        break;
      case WGPEER_A_ENDPOINT:
        hasEndpoint = peer.length > 0;
        break;
      case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
        keepaliveSeconds = peer.u16('WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL');
        break;
      case WGPEER_A_LAST_HANDSHAKE_TIME: {
        const at = peer.struct(KERNEL_TIMESPEC_LEN, 'WGPEER_A_LAST_HANDSHAKE_TIME');
        handshakeSeconds = s64(peer, at);
        handshakeNanoseconds = s64(peer, at + 8);
        break;
      }
      case WGPEER_A_RX_BYTES:
        rxBytes = peer.u64('WGPEER_A_RX_BYTES');
        break;
      case WGPEER_A_TX_BYTES:
        txBytes = peer.u64('WGPEER_A_TX_BYTES');
        break;
      case WGPEER_A_ALLOWEDIPS:
        allowedIps += countEntries(peer.nested('WGPEER_A_ALLOWEDIPS'));
        break;
    }
  }
  if (publicKey === undefined)
    throw new DecodeError(`${peer.path}/WGPEER_A_PUBLIC_KEY`, 'missing', 0);
  return {
    publicKey,
    hasEndpoint,
    keepaliveSeconds,
    handshakeSeconds,
    handshakeNanoseconds,
    rxBytes,
    txBytes,
    allowedIps,
  };
}

function key(peer: AttrCursor): string {
  if (peer.length !== WG_KEY_LEN) {
    throw new DecodeError(
      `${peer.path}/WGPEER_A_PUBLIC_KEY`,
      `expected ${WG_KEY_LEN} bytes`,
      peer.length,
    );
  }
  return peer.bytes().toString('base64');
}

function s64(cursor: AttrCursor, at: number): bigint {
  return cursor.bigEndian ? cursor.buf.readBigInt64BE(at) : cursor.buf.readBigInt64LE(at);
}

function countEntries(list: AttrCursor): number {
  let count = 0;
  while (list.next()) count++;
  return count;
}

/**
 * Merges the messages of one WG_CMD_GET_DEVICE dump into a device: the first value of each
 * device attribute wins, and a peer fragment that repeats the previous peer's key adds its
 * allowed IPs to that peer. Returns undefined for a dump without messages.
 */
export function mergeDevice(fragments: readonly DeviceFragment[]): WireguardDevice | undefined {
  if (fragments.length === 0) return undefined;
  let index: number | undefined;
  let name: string | undefined;
  let listenPort: number | undefined;
  let fwmark: number | undefined;
  const peers: WireguardPeer[] = [];
  for (const fragment of fragments) {
    index ??= fragment.index;
    name ??= fragment.name;
    listenPort ??= fragment.listenPort;
    fwmark ??= fragment.fwmark;
    for (const peer of fragment.peers) {
      const last = peers.at(-1);
      if (last !== undefined && last.publicKey === peer.publicKey) {
        peers[peers.length - 1] = { ...last, allowedIps: last.allowedIps + peer.allowedIps };
        continue;
      }
      peers.push({
        publicKey: peer.publicKey,
        hasEndpoint: peer.hasEndpoint ?? false,
        keepaliveSeconds: peer.keepaliveSeconds ?? 0,
        handshakeSeconds: peer.handshakeSeconds ?? 0n,
        handshakeNanoseconds: peer.handshakeNanoseconds ?? 0n,
        rxBytes: peer.rxBytes ?? 0n,
        txBytes: peer.txBytes ?? 0n,
        allowedIps: peer.allowedIps,
      });
    }
  }
  return {
    index: index ?? 0,
    name: name ?? '',
    listenPort: listenPort ?? 0,
    fwmark: fwmark ?? 0,
    peers,
  };
}
