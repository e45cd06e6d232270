// ipvs parsers and collector on GET_SERVICE and GET_DEST dumps captured in the kernel lab VM
// (scripts/capture-genl.sh lab ipvs): whole snapshots, the golden exposition and the caps.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type IpvsSnapshot, ipvsFamilies, serviceLabels } from '../../src/collectors/ipvs.js';
import { serviceSelector } from '../../src/families/ipvs/client.js';
import {
  formatAddress,
  type IpvsDestination,
  type IpvsService,
  parseDestination,
  parseService,
} from '../../src/families/ipvs/parse.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { loadDatagrams } from '../support/fixtures.js';
import { assertGolden, assertPromtoolClean, encodeChecked } from '../support/golden-file.js';

function services(): IpvsService[] {
  const out: IpvsService[] = [];
  forEachMessage(loadDatagrams('ipvs', 'services'), (buf, _type, _flags, start, end) => {
    out.push(parseService(buf, start, end));
  });
  return out;
}

function destinations(n: number, family: number): IpvsDestination[] {
  const out: IpvsDestination[] = [];
  forEachMessage(loadDatagrams('ipvs', `dests-${n}`), (buf, _type, _flags, start, end) => {
    out.push(parseDestination(buf, start, end, family));
  });
  return out;
}

const ZERO = {
  connections: 0n,
  inPackets: 0n,
  outPackets: 0n,
  inBytes: 0n,
  outBytes: 0n,
  connectionsPerSecond: 0,
  inPacketsPerSecond: 0,
  outPacketsPerSecond: 0,
  inBytesPerSecond: 0,
  outBytesPerSecond: 0,
};

test('service dump lists four services', () => {
  assert.deepStrictEqual(
    services().map((s) => ({ ...s, addressBytes: s.addressBytes?.toString('hex') })),
    [
      {
        family: 2,
        protocol: 6,
        address: '10.0.0.1',
        addressBytes: '0a000001000000000000000000000000',
        port: 80,
        fwmark: 0,
        scheduler: 'rr',
        stats: ZERO,
      },
      {
        family: 2,
        protocol: 17,
        address: '10.0.0.1',
        addressBytes: '0a000001000000000000000000000000',
        port: 53,
        fwmark: 0,
        scheduler: 'wrr',
        stats: ZERO,
      },
      {
        family: 10,
        protocol: 6,
        address: '2001:db8::1',
        addressBytes: '20010db8000000000000000000000001',
        port: 443,
        fwmark: 0,
        scheduler: 'rr',
        stats: ZERO,
      },
      {
        family: 2,
        protocol: 0,
        address: '',
        addressBytes: undefined,
        port: 0,
        fwmark: 7,
        scheduler: 'sh',
        stats: ZERO,
      },
    ],
  );
});

test('destination dumps decode big-endian ports', () => {
  const dest = (family: number, address: string, port: number, weight: number) => ({
    family,
    address,
    port,
    forward: 0,
    weight,
    activeConnections: 0,
    inactiveConnections: 0,
    persistentConnections: 0,
    stats: ZERO,
  });
  assert.deepStrictEqual(
    [0, 1, 2, 3].map((n) => destinations(n, services()[n]!.family)),
    [
      [dest(2, '10.0.0.3', 8080, 1), dest(2, '10.0.0.2', 80, 3)],
      [dest(2, '10.0.0.4', 53, 1)],
      [dest(10, '2001:db8::2', 443, 1)],
      [dest(2, '10.0.0.5', 0, 1)],
    ],
  );
});

test('selector names a service as ipvsadm does', () => {
  const [tcp, , , fwmark] = services();
  assert.equal(
    serviceSelector(tcp!).toString('hex'),
    // Nest, AF_INET, IPPROTO_TCP, 16 address bytes, port 80 in network byte order.
    '300001800600010002000000060002000600000014000300' +
      '0a0000010000000000000000000000000600040000500000',
  );
  assert.equal(
    serviceSelector(fwmark!).toString('hex'),
    '1400018006000100020000000800050007000000',
  );
});

test('IPv6 addresses use the shortest form', () => {
  const cases: [string, string][] = [
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['00000000000000000000000000000000', '::'],
    ['fe800000000000000000000000000000', 'fe80::'],
    ['20010db8000100000001000000000001', '2001:db8:1:0:1::1'],
    ['20010db8000000010000000000000000', '2001:db8:0:1::'],
    ['20010db8000100010001000100010001', '2001:db8:1:1:1:1:1:1'],
  ];
  for (const [hex, text] of cases) {
    assert.equal(formatAddress(10, Buffer.from(hex, 'hex'), 'test'), text);
  }
});

test('fwmark service labels use the mark', () => {
  assert.deepStrictEqual(services().map(serviceLabels), [
    ['inet', 'tcp', '10.0.0.1', '80'],
    ['inet', 'udp', '10.0.0.1', '53'],
    ['inet6', 'tcp', '2001:db8::1', '443'],
    ['inet', '', '', '0x7'],
  ]);
});

function snapshot(): IpvsSnapshot {
  return {
    services: services().map((service, n) => ({
      service,
      destinations: destinations(n, service.family),
    })),
    droppedServices: 0,
    droppedDestinations: 0,
  };
}

test('exposition matches the golden file', () => {
  assertGolden('ipvs.prom', encodeChecked(ipvsFamilies(snapshot(), true), 'text'));
});

test('exposition passes promtool', (t) => {
  assertPromtoolClean(t, encodeChecked(ipvsFamilies(snapshot(), true), 'text'));
});

test('services only leaves out destinations', () => {
  const names = ipvsFamilies(snapshot(), false).map((f) => f.desc.name);
  assert.deepStrictEqual(names, [
    'nft_ipvs_connections_total',
    'nft_ipvs_incoming_packets_total',
    'nft_ipvs_outgoing_packets_total',
    'nft_ipvs_incoming_bytes_total',
    'nft_ipvs_outgoing_bytes_total',
    'nft_ipvs_connections_rate',
    'nft_ipvs_incoming_packets_rate',
    'nft_ipvs_outgoing_packets_rate',
    'nft_ipvs_incoming_bytes_rate',
    'nft_ipvs_outgoing_bytes_rate',
    'nft_ipvs_service_info',
  ]);
});
