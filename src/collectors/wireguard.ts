// wireguard collector: WireGuard devices and peers from the wireguard generic netlink
// family. Peers are named by their base64 public key and capped per interface.

import { getDevice, listWireguardLinks } from '../families/wireguard/client.js';
import { WG_GENL_NAME } from '../families/wireguard/constants.js';
import type { WireguardDevice } from '../families/wireguard/parse.js';
import { resolveFamily } from '../genl/family.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { NETLINK_GENERIC, NETLINK_ROUTE } from '../netlink/constants.js';
import { dumpOptions, probeFailure, withSocket } from './netlink.js';
import { type CollectContext, type ProbeResult, registerCollector } from './types.js';

const PEER = ['interface', 'peer'];
const DEVICE = 'WG_CMD_GET_DEVICE';
const PEERS = `${DEVICE} WGDEVICE_A_PEERS`;

const D = {
  info: {
    name: 'nft_wireguard_device_info',
    type: 'gauge',
    help: 'WireGuard device presence (always 1 when the interface exists).',
    labels: ['interface'],
    source: `RTM_NEWLINK IFLA_INFO_KIND wireguard, ${DEVICE}`,
  },
  listenPort: {
    name: 'nft_wireguard_device_listen_port',
    type: 'gauge',
    help: 'WireGuard device UDP listen port number; 0 when unbound.',
    labels: ['interface'],
    source: `${DEVICE} WGDEVICE_A_LISTEN_PORT`,
  },
  fwmark: {
    name: 'nft_wireguard_device_fwmark',
    type: 'gauge',
    help: 'WireGuard device firewall mark of outgoing packets; 0 when unset.',
    labels: ['interface'],
    source: `${DEVICE} WGDEVICE_A_FWMARK`,
  },
  peerCount: {
    name: 'nft_wireguard_device_peers',
    type: 'gauge',
    help: 'Number of WireGuard peers configured on the interface, before the per-interface peer cap.',
    labels: ['interface'],
    source: PEERS,
  },
  rxBytes: {
    name: 'nft_wireguard_peer_receive_bytes_total',
    type: 'counter',
    unit: 'bytes',
    help: 'Bytes received from the WireGuard peer.',
    labels: PEER,
    source: `${PEERS}.WGPEER_A_RX_BYTES`,
  },
  txBytes: {
    name: 'nft_wireguard_peer_transmit_bytes_total',
    type: 'counter',
    unit: 'bytes',
    help: 'Bytes transmitted to the WireGuard peer.',
    labels: PEER,
    source: `${PEERS}.WGPEER_A_TX_BYTES`,
  },
  handshakeAge: {
    name: 'nft_wireguard_peer_last_handshake_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: 'Seconds since the last completed handshake with the peer; +Inf when none yet.',
    labels: PEER,
    source: `${PEERS}.WGPEER_A_LAST_HANDSHAKE_TIME`,
  },
  handshakeTime: {
    name: 'nft_wireguard_peer_last_handshake_timestamp_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: 'Time of the last completed handshake with the peer in seconds since the epoch; absent when none yet.',
    labels: PEER,
    source: `${PEERS}.WGPEER_A_LAST_HANDSHAKE_TIME`,
  },
  keepalive: {
    name: 'nft_wireguard_peer_persistent_keepalive_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: 'Persistent keepalive interval of the peer in seconds; 0 when disabled.',
    labels: PEER,
    source: `${PEERS}.WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL`,
  },
  allowedIps: {
    name: 'nft_wireguard_peer_allowed_ips',
    type: 'gauge',
    help: 'Number of allowed IP ranges (address and prefix length) routed to the peer.',
    labels: PEER,
    source: `${PEERS}.WGPEER_A_ALLOWEDIPS`,
  },
} as const satisfies Record<string, MetricDescriptor>;

/** Everything one scrape reads: the devices and when they were read. */
export interface WireguardSnapshot {
  readonly devices: readonly WireguardDevice[];
  /** Wall-clock time of the read in seconds since the epoch, for the handshake age. */
  readonly readAtSeconds: number;
}

/** Families of one scrape and the peers the cap left out. */
export interface WireguardResult {
  readonly families: MetricFamily[];
  /** Peers beyond `maxPeers` on their interface, summed over interfaces. */
  readonly droppedPeers: number;
}

/**
 * Builds the families of one scrape from a snapshot. Only the first `maxPeers` peers of each
 * interface, in kernel order, get peer series; the device's peer count includes all.
 */
export function wireguardFamilies(snap: WireguardSnapshot, maxPeers: number): WireguardResult {
  const f = {
    info: family(D.info),
    listenPort: family(D.listenPort),
    fwmark: family(D.fwmark),
    peerCount: family(D.peerCount),
    rxBytes: family(D.rxBytes),
    txBytes: family(D.txBytes),
    handshakeAge: family(D.handshakeAge),
    handshakeTime: family(D.handshakeTime),
    keepalive: family(D.keepalive),
    allowedIps: family(D.allowedIps),
  };
  let droppedPeers = 0;
  for (const device of snap.devices) {
    const name = device.name;
    addSample(f.info, 1, name);
    addSample(f.listenPort, device.listenPort, name);
    addSample(f.fwmark, device.fwmark, name);
    addSample(f.peerCount, device.peers.length, name);
    droppedPeers += Math.max(0, device.peers.length - maxPeers);
    for (const peer of device.peers.slice(0, maxPeers)) {
      const key = peer.publicKey;
      addSample(f.rxBytes, peer.rxBytes, name, key);
      addSample(f.txBytes, peer.txBytes, name, key);
      addSample(f.keepalive, peer.keepaliveSeconds, name, key);
      addSample(f.allowedIps, peer.allowedIps, name, key);
      // NB: the kernel reports 0 seconds and 0 nanoseconds until a handshake completes.
      if (peer.handshakeSeconds === 0n && peer.handshakeNanoseconds === 0n) {
        addSample(f.handshakeAge, Number.POSITIVE_INFINITY, name, key);
        continue;
      }
      const at = Number(peer.handshakeSeconds) + Number(peer.handshakeNanoseconds) / 1e9;
      addSample(f.handshakeTime, at, name, key);
      addSample(f.handshakeAge, Math.max(0, snap.readAtSeconds - at), name, key);
    }
  }
  return { families: Object.values(f), droppedPeers };
}

async function readSnapshot(ctx: CollectContext): Promise<WireguardSnapshot> {
  const opts = dumpOptions(ctx);
  const listed = await withSocket(ctx, NETLINK_ROUTE, (route) => listWireguardLinks(route, opts));
  ctx.stats.addDumpRestarts(listed.restarts);
  const links = listed.links.filter((link) => ctx.interfaceAllowed(link.name));
  const readAtSeconds = Date.now() / 1000;
  if (links.length === 0) return { devices: [], readAtSeconds };
  return withSocket(ctx, NETLINK_GENERIC, async (socket) => {
    const resolved = await resolveFamily(socket, WG_GENL_NAME, ctx.netns ?? '', opts);
    if (resolved.kind === 'unavailable') return { devices: [], readAtSeconds };
    const devices: WireguardDevice[] = [];
    for (const link of links) {
      const { device, restarts } = await getDevice(socket, resolved.family, link, opts);
      ctx.stats.addDumpRestarts(restarts);
      if (device !== undefined) devices.push(device);
    }
    return { devices, readAtSeconds: Date.now() / 1000 };
  });
}

async function probe(ctx: CollectContext): Promise<ProbeResult> {
  try {
    const resolved = await withSocket(ctx, NETLINK_GENERIC, (socket) =>
      resolveFamily(socket, WG_GENL_NAME, ctx.netns ?? '', dumpOptions(ctx)),
    );
    if (resolved.kind === 'unavailable') return { kind: 'unavailable', reason: resolved.reason };
    return { kind: 'available' };
  } catch (err) {
    return probeFailure(err, 'wireguard generic netlink family lookup');
  }
}

async function collect(ctx: CollectContext): Promise<MetricFamily[]> {
  const result = wireguardFamilies(await readSnapshot(ctx), ctx.config.wireguardMaxPeers);
  ctx.stats.addCapDropped('wireguard_peers', result.droppedPeers);
  return result.families;
}

/** The wireguard collector. */
export const wireguardCollector = registerCollector({
  name: 'wireguard',
  descriptors: Object.values(D),
  interfaceScoped: true,
  probe,
  collect,
});
