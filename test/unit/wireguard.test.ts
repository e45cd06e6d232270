// wireguard parser and collector on a WG_CMD_GET_DEVICE dump captured in the kernel lab VM
// (scripts/capture-genl.sh lab wireguard): whole snapshots, the golden exposition and the cap.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type WireguardSnapshot, wireguardFamilies } from '../../src/collectors/wireguard.js';
import {
  type DeviceFragment,
  mergeDevice,
  parseDeviceMessage,
} from '../../src/families/wireguard/parse.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { loadDatagrams } from '../support/fixtures.js';
import { assertGolden, assertPromtoolClean, encodeChecked } from '../support/golden-file.js';

const PEER_B = 'aH8j2+4vNah6iH6uvHdEChK3/bSta7Cscz8ozABjXD8=';
const PEER_IDLE = 'y0DJASLHTiEF6f+66KzhC2mqr2yPJm4VUMX4mc7qzAI=';
const PEER_WIDE = '/TQNHyPlABirlyeVuv6E4V92mVxgRj3gyBiIr8nW4kg=';
/** Private and preshared keys of the scene, which no parsed value may contain. */
const SECRETS = [
  'gCvjBhwxM2Is8zunBeYM678+LuzBCvG598dIh8Q6q1E=',
  'KGOM81IpMsxlYdrbKBtoGBQjNFQWJu/TF3ND4neUq5Q=',
];

function fragments(): DeviceFragment[] {
  const out: DeviceFragment[] = [];
  forEachMessage(loadDatagrams('wireguard', 'device-wg0'), (buf, _type, _flags, start, end) => {
    out.push(parseDeviceMessage(buf, start, end));
  });
  return out;
}

const idle = {
  publicKey: PEER_IDLE,
  keepaliveSeconds: 0,
  handshakeSeconds: 0n,
  handshakeNanoseconds: 0n,
  rxBytes: 0n,
  txBytes: 0n,
};

test('dump continues a wide peer across messages', () => {
  const parts = fragments();
  assert.deepStrictEqual(
    parts.map((p) => p.peers.map((peer) => [peer.publicKey, peer.allowedIps])),
    [
      [
        [PEER_B, 2],
        [PEER_IDLE, 1],
        [PEER_WIDE, 1135],
      ],
      [[PEER_WIDE, 1156]],
      [[PEER_WIDE, 709]],
    ],
  );
  assert.deepStrictEqual(parts[1], {
    index: undefined,
    name: undefined,
    listenPort: undefined,
    fwmark: undefined,
    peers: [
      {
        publicKey: PEER_WIDE,
        hasEndpoint: undefined,
        keepaliveSeconds: undefined,
        handshakeSeconds: undefined,
        handshakeNanoseconds: undefined,
        rxBytes: undefined,
        txBytes: undefined,
        allowedIps: 1156,
      },
    ],
  });
});

test('merged device has three peers', () => {
  assert.deepStrictEqual(mergeDevice(fragments()), {
    index: 3,
    name: 'wg0',
    listenPort: 51820,
    fwmark: 42,
    peers: [
      {
        publicKey: PEER_B,
        hasEndpoint: true,
        keepaliveSeconds: 25,
        handshakeSeconds: 1796419291n,
        handshakeNanoseconds: 299174870n,
        rxBytes: 348n,
        txBytes: 616n,
        allowedIps: 2,
      },
      { ...idle, hasEndpoint: false, allowedIps: 1 },
      { ...idle, publicKey: PEER_WIDE, hasEndpoint: false, allowedIps: 3000 },
    ],
  });
});

test('parsed device contains no secret key', () => {
  const text = JSON.stringify(fragments(), (_k, v) => (typeof v === 'bigint' ? String(v) : v));
  for (const secret of SECRETS) assert.equal(text.includes(secret), false);
});

test('empty dump merges to nothing', () => {
  assert.equal(mergeDevice([]), undefined);
});

function snapshot(): WireguardSnapshot {
  const device = mergeDevice(fragments());
  assert.ok(device !== undefined);
  // 100 s after the handshake of the fixture (1796419291.299174870), so the age is 100.
  return { devices: [device], readAtSeconds: 1796419391.2991748 };
}

test('exposition matches the golden file', () => {
  const { families, droppedPeers } = wireguardFamilies(snapshot(), 1000);
  assert.equal(droppedPeers, 0);
  assertGolden('wireguard.prom', encodeChecked(families, 'text'));
});

test('exposition passes promtool', (t) => {
  assertPromtoolClean(t, encodeChecked(wireguardFamilies(snapshot(), 1000).families, 'text'));
});

test('peer cap keeps the first peers', () => {
  const { families, droppedPeers } = wireguardFamilies(snapshot(), 2);
  const rx = families.find((f) => f.desc.name === 'nft_wireguard_peer_receive_bytes_total');
  const count = families.find((f) => f.desc.name === 'nft_wireguard_device_peers');
  assert.deepStrictEqual(
    { droppedPeers, rx: rx?.samples, count: count?.samples },
    {
      droppedPeers: 1,
      rx: [
        { labels: ['wg0', PEER_B], value: 348n },
        { labels: ['wg0', PEER_IDLE], value: 0n },
      ],
      count: [{ labels: ['wg0'], value: 3 }],
    },
  );
});
