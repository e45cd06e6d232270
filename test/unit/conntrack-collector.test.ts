// conntrack and conntrack_expect collectors: expositions rendered from captured replies
// against golden files, promtool's lint, the per-CPU option, counters missing on older
// kernels, the procfs fallback for the table limit, and the probe's error mapping.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CONNTRACK_MAX_FILE,
  type ConntrackSnapshot,
  conntrackFamilies,
  readConntrackMax,
} from '../../src/collectors/conntrack.js';
import {
  type ConntrackExpectSnapshot,
  conntrackExpectFamilies,
  l4protoLabel,
} from '../../src/collectors/conntrack_expect.js';
import { netfilterProbeFailure } from '../../src/collectors/nfnetlink_probe.js';
import { EXP_STATS_CPU_REPLY } from '../../src/families/conntrack/client.js';
import {
  parseCtCpuStats,
  parseCtGlobalStats,
  parseExpCpuStats,
  parseExpectation,
} from '../../src/families/conntrack/parse.js';
import type { MetricFamily } from '../../src/metrics/model.js';
import { errnoValue, KernelError } from '../../src/netlink/errors.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { loadDatagrams } from '../support/fixtures.js';
import { assertGolden, assertPromtoolClean, encodeChecked } from '../support/golden-file.js';

function parseAll<T>(
  name: string,
  type: number,
  parse: (b: Buffer, s: number, e: number) => T,
): T[] {
  const out: T[] = [];
  forEachMessage(loadDatagrams('conntrack', name), (buf, msgType, _flags, start, end) => {
    if (msgType === type) out.push(parse(buf, start, end));
  });
  return out;
}

function conntrackSnapshot(): ConntrackSnapshot {
  const [global] = parseAll('stats', 0x105, parseCtGlobalStats);
  assert.ok(global !== undefined);
  return {
    cpus: parseAll('stats_cpu', 0x104, parseCtCpuStats),
    entries: global.entries,
    maxEntries: global.maxEntries,
  };
}

function expectSnapshot(): ConntrackExpectSnapshot {
  return {
    expectations: parseAll('expect', 0x200, parseExpectation),
    cpus: parseAll('expect_stats_cpu', EXP_STATS_CPU_REPLY, parseExpCpuStats),
  };
}

function samples(families: readonly MetricFamily[], name: string): [string[], string][] {
  const fam = families.find((f) => f.desc.name === name);
  return (fam?.samples ?? []).map((s) => [[...s.labels], String(s.value)]);
}

test('conntrack exposition matches golden file', (t) => {
  const text = encodeChecked(conntrackFamilies(conntrackSnapshot(), false), 'text');
  assertGolden('conntrack.prom', text);
  assertPromtoolClean(t, text);
});

test('conntrack per-CPU exposition matches golden file', (t) => {
  const text = encodeChecked(conntrackFamilies(conntrackSnapshot(), true), 'text');
  assertGolden('conntrack-per-cpu.prom', text);
  assertPromtoolClean(t, text);
});

test('conntrack sums skip missing counters', () => {
  const stats = (found: number | undefined, clash: number | undefined) => ({
    found,
    invalid: undefined,
    insert: undefined,
    insert_failed: undefined,
    drop: undefined,
    early_drop: undefined,
    error: undefined,
    search_restart: undefined,
    clash_resolve: clash,
    chaintoolong: undefined,
  });
  const families = conntrackFamilies(
    {
      cpus: [
        { cpu: 0, stats: stats(4294967295, undefined) },
        { cpu: 3, stats: stats(5, 2) },
      ],
      entries: 0,
      maxEntries: undefined,
    },
    true,
  );
  assert.deepStrictEqual(samples(families, 'nft_conntrack_found_total'), [[[], '4294967300']]);
  assert.deepStrictEqual(samples(families, 'nft_conntrack_clash_resolve_total'), [[[], '2']]);
  assert.deepStrictEqual(samples(families, 'nft_conntrack_cpu_clash_resolve_total'), [
    [['3'], '2'],
  ]);
  assert.deepStrictEqual(samples(families, 'nft_conntrack_insert_total'), []);
  assert.deepStrictEqual(samples(families, 'nft_conntrack_entries'), [[[], '0']]);
  assert.deepStrictEqual(samples(families, 'nft_conntrack_max_entries'), []);
});

test('conntrack limit falls back to procfs', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'nlx-conntrack-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  assert.equal(await readConntrackMax(root), undefined);
  mkdirSync(join(root, 'sys/net/netfilter'), { recursive: true });
  writeFileSync(join(root, CONNTRACK_MAX_FILE), '65536\n');
  assert.equal(await readConntrackMax(root), 65536);
  writeFileSync(join(root, CONNTRACK_MAX_FILE), 'many\n');
  assert.equal(await readConntrackMax(root), undefined);
});

test('conntrack_expect exposition matches golden file', (t) => {
  const text = encodeChecked(conntrackExpectFamilies(expectSnapshot()), 'text');
  assertGolden('conntrack_expect.prom', text);
  assertPromtoolClean(t, text);
});

test('expectations group by protocol and helper', () => {
  const families = conntrackExpectFamilies({
    expectations: [
      { family: 2, l4proto: 6, helper: 'ftp' },
      { family: 10, l4proto: 6, helper: 'ftp' },
      { family: 2, l4proto: 17, helper: '' },
      { family: 2, l4proto: undefined, helper: 'sip' },
    ],
    cpus: [],
  });
  assert.deepStrictEqual(samples(families, 'nft_conntrack_expectations'), [
    [['tcp', 'ftp'], '2'],
    [['udp', ''], '1'],
    [['unknown', 'sip'], '1'],
  ]);
  assert.deepStrictEqual(samples(families, 'nft_conntrack_expectation_create_total'), []);
});

test('protocol labels', () => {
  assert.deepStrictEqual([1, 6, 17, 58, 132, 99, undefined].map(l4protoLabel), [
    'icmp',
    'tcp',
    'udp',
    'icmpv6',
    'sctp',
    '99',
    'unknown',
  ]);
});

test('probe maps kernel errors', () => {
  const kernel = (errno: string) => new KernelError(errnoValue(errno)!, { op: 'dump' });
  const what = 'IPCTNL_MSG_CT_GET_STATS_CPU dump';
  const module = 'ctnetlink (nf_conntrack_netlink)';
  assert.deepStrictEqual(netfilterProbeFailure(kernel('EINVAL'), what, module), {
    kind: 'unavailable',
    reason:
      'IPCTNL_MSG_CT_GET_STATS_CPU dump was rejected (EINVAL); the kernel lacks ctnetlink (nf_conntrack_netlink)',
  });
  assert.deepStrictEqual(netfilterProbeFailure(kernel('EPERM'), what, module), {
    kind: 'forbidden',
    reason: 'IPCTNL_MSG_CT_GET_STATS_CPU dump was rejected (EPERM); grant CAP_NET_ADMIN',
  });
  assert.deepStrictEqual(netfilterProbeFailure(kernel('ENOENT'), what, module), {
    kind: 'unavailable',
    reason: 'IPCTNL_MSG_CT_GET_STATS_CPU dump is not supported by this kernel (ENOENT)',
  });
  const other = kernel('EIO');
  assert.throws(
    () => netfilterProbeFailure(other, what, module),
    (err) => err === other,
  );
});
