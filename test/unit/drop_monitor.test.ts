// drop_monitor parsers and collector on NET_DM messages captured in the kernel lab VM
// (scripts/capture-genl.sh lab netdm): summary and packet alerts of 30 UDP datagrams to a
// closed port, the monitor statistics, the golden exposition and the accumulation.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  accumulate,
  type DropMonitorSnapshot,
  dropMonitorFamilies,
} from '../../src/collectors/drop_monitor.js';
import { type Alert, decodeAlerts } from '../../src/families/netdm/client.js';
import {
  parseMonitorStats,
  parsePacketAlert,
  parseSummaryAlert,
} from '../../src/families/netdm/parse.js';
import type { GenlFamily } from '../../src/genl/family.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { loadDatagrams } from '../support/fixtures.js';
import { assertGolden, assertPromtoolClean, encodeChecked } from '../support/golden-file.js';

function parseAll<T>(name: string, parse: (b: Buffer, s: number, e: number) => T): T[] {
  const out: T[] = [];
  forEachMessage(loadDatagrams('netdm', name), (buf, _type, _flags, start, end) => {
    out.push(parse(buf, start, end));
  });
  return out;
}

/** The NET_DM family as the lab kernel resolved it; the id is read from the fixture. */
function netdm(name: string): GenlFamily {
  const id = loadDatagrams('netdm', name)[0]!.readUInt16LE(4);
  return { name: 'NET_DM', id, version: 2, headerSize: 0, maxAttr: 0, groups: new Map() };
}

function alerts(name: string): Alert[] {
  return loadDatagrams('netdm', name).flatMap((d) => decodeAlerts(netdm(name), d));
}

test('summary alert sums the drop points', () => {
  assert.deepStrictEqual(parseAll('alerts-summary', parseSummaryAlert), [
    { software: 30, hardware: [] },
  ]);
});

test('packet alerts name the drop reason', () => {
  const packets = parseAll('alerts-packet', parsePacketAlert);
  assert.equal(packets.length, 30);
  assert.deepStrictEqual(
    new Set(packets.map((p) => JSON.stringify(p))),
    new Set([JSON.stringify({ origin: 0, reason: 'NO_SOCKET' })]),
  );
  assert.deepStrictEqual(packets[0], { origin: 0, reason: 'NO_SOCKET', trap: undefined });
});

test('stats reply has both origins', () => {
  assert.deepStrictEqual(parseAll('stats', parseMonitorStats), [{ software: 0n, hardware: 0n }]);
});

test('accumulate adds summary and packet alerts', () => {
  const totals = { software: 5n, hardware: 0n, byReason: new Map<string, bigint>() };
  accumulate(totals, [...alerts('alerts-summary'), ...alerts('alerts-packet')]);
  assert.deepStrictEqual(totals, {
    software: 65n,
    hardware: 0n,
    byReason: new Map([['sw\0NO_SOCKET', 30n]]),
  });
});

test('alerts of another family are skipped', () => {
  const other = { ...netdm('alerts-summary'), id: 0x7fff };
  assert.deepStrictEqual(decodeAlerts(other, loadDatagrams('netdm', 'alerts-summary')[0]!), []);
});

function snapshot(): DropMonitorSnapshot {
  const totals = { software: 0n, hardware: 0n, byReason: new Map<string, bigint>() };
  accumulate(totals, alerts('alerts-packet'));
  accumulate(totals, [
    { kind: 'summary', alert: { software: 0, hardware: [{ trap: 'blackhole_route', count: 4 }] } },
  ]);
  return {
    totals,
    stats: parseAll('stats', parseMonitorStats)[0],
    mode: 'packet',
    ownedByExporter: true,
    listenerResets: 0,
  };
}

test('exposition matches the golden file', () => {
  assertGolden('drop_monitor.prom', encodeChecked(dropMonitorFamilies(snapshot(), true), 'text'));
});

test('exposition passes promtool', (t) => {
  assertPromtoolClean(t, encodeChecked(dropMonitorFamilies(snapshot(), true), 'text'));
});

test('by reason is off by default', () => {
  const names = dropMonitorFamilies(snapshot(), false).map((f) => f.desc.name);
  assert.deepStrictEqual(names, [
    'nft_drop_packets_total',
    'nft_drop_monitor_unreported_total',
    'nft_drop_monitor_info',
    'nft_drop_monitor_listener_resets_total',
  ]);
});
