import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { netstatCollector, netstatFamilies } from '../../src/collectors/netstat.js';
import { parsePairedMib, parseSnmp6, readNetstat } from '../../src/files/netstat.js';
import { FileReader } from '../../src/files/paths.js';
import { FILE_FIXTURES, fixtureConfig, testContext } from '../support/config.js';

function fixtureReader(name: string): FileReader {
  return new FileReader({
    procfs: `${FILE_FIXTURES}${name}/proc`,
    sysfs: `${FILE_FIXTURES}${name}/sys`,
  });
}

describe('parsePairedMib', () => {
  it('pairs names with values', () => {
    const text =
      'Tcp: RtoAlgorithm RtoMin MaxConn InSegs\nTcp: 1 200 -1 18446744073709551615\n' +
      'IcmpMsg: InType3\nIcmpMsg: 4\n';
    assert.deepEqual(parsePairedMib(text), {
      fields: [
        { protocol: 'Tcp', field: 'RtoAlgorithm', value: 1n },
        { protocol: 'Tcp', field: 'RtoMin', value: 200n },
        { protocol: 'Tcp', field: 'MaxConn', value: -1n },
        { protocol: 'Tcp', field: 'InSegs', value: 18446744073709551615n },
        { protocol: 'IcmpMsg', field: 'InType3', value: 4n },
      ],
      skipped: 0,
    });
  });

  it('skips a pair with unequal columns', () => {
    const text = 'Udp: InDatagrams NoPorts\nUdp: 5\nIp: Forwarding\nIp: 1\n';
    assert.deepEqual(parsePairedMib(text), {
      fields: [{ protocol: 'Ip', field: 'Forwarding', value: 1n }],
      skipped: 2,
    });
  });

  it('skips a header without its value line', () => {
    const text = 'Udp: InDatagrams NoPorts\nIp: Forwarding\nIp: 2\nTcp: InSegs\n';
    assert.deepEqual(parsePairedMib(text), {
      fields: [{ protocol: 'Ip', field: 'Forwarding', value: 2n }],
      skipped: 2,
    });
  });

  it('does not take a value line as header', () => {
    const text = 'Ip: 1 64\nIp: 2 64\n';
    assert.deepEqual(parsePairedMib(text), { fields: [], skipped: 2 });
  });

  it('skips values that are not 64-bit integers', () => {
    const text = 'Tcp: A B C D\nTcp: 1.5 x 18446744073709551616 -9223372036854775808\n';
    assert.deepEqual(parsePairedMib(text), {
      fields: [{ protocol: 'Tcp', field: 'D', value: -9223372036854775808n }],
      skipped: 3,
    });
  });

  it('skips lines without a protocol', () => {
    assert.deepEqual(parsePairedMib('garbage\n: 1\n'), { fields: [], skipped: 2 });
  });
});

describe('parseSnmp6', () => {
  it('splits the protocol at the first 6', () => {
    const text =
      'Ip6InReceives                   \t1\nIcmp6OutType133                 \t2\n' +
      'UdpLite6InErrors                \t3\nUdp6IgnoredMulti                \t4\n';
    assert.deepEqual(parseSnmp6(text), {
      fields: [
        { protocol: 'Ip6', field: 'InReceives', value: 1n },
        { protocol: 'Icmp6', field: 'OutType133', value: 2n },
        { protocol: 'UdpLite6', field: 'InErrors', value: 3n },
        { protocol: 'Udp6', field: 'IgnoredMulti', value: 4n },
      ],
      skipped: 0,
    });
  });

  it('skips malformed lines', () => {
    const text = 'Ip6InReceives 1 2\nNoSixHere 3\nIp6InDelivers x\nIp6OutRequests 5\n\n';
    assert.deepEqual(parseSnmp6(text), {
      fields: [{ protocol: 'Ip6', field: 'OutRequests', value: 5n }],
      skipped: 3,
    });
  });
});

describe('readNetstat', () => {
  it('reads all three files of the capture', async () => {
    const snapshot = await readNetstat(fixtureReader('vm-6.18-x86_64'));
    assert.ok(snapshot !== undefined);
    assert.equal(snapshot.skipped, 0);
    assert.equal(snapshot.fields.length, 312 + 90);
    assert.deepEqual(snapshot.fields[0], { protocol: 'Ip', field: 'Forwarding', value: 2n });
    assert.deepEqual(
      snapshot.fields.find((f) => f.protocol === 'Tcp' && f.field === 'MaxConn'),
      { protocol: 'Tcp', field: 'MaxConn', value: -1n },
    );
    assert.deepEqual(snapshot.fields[312], { protocol: 'Ip6', field: 'InReceives', value: 1n });
  });

  it('reads a tree without snmp6 quietly', async () => {
    const snapshot = await readNetstat(fixtureReader('rps-10col-no-ipv6'));
    assert.ok(snapshot !== undefined);
    assert.equal(snapshot.skipped, 0);
    assert.deepEqual(
      [...new Set(snapshot.fields.map((f) => f.protocol))],
      ['Ip', 'Icmp', 'IcmpMsg', 'Tcp', 'Udp', 'UdpLite', 'TcpExt', 'IpExt'],
    );
  });

  it('returns undefined without snmp', async () => {
    assert.equal(await readNetstat(fixtureReader('server-5.15-13col')), undefined);
  });
});

describe('netstatFamilies', () => {
  const snapshot = {
    fields: [
      { protocol: 'Tcp', field: 'MaxConn', value: -1n },
      { protocol: 'Tcp', field: 'CurrEstab', value: 37n },
      { protocol: 'Tcp', field: 'RetransSegs', value: 120443n },
      { protocol: 'Tcp', field: 'RetransSegsX', value: 1n },
      { protocol: 'Udp', field: 'InErrors', value: -5n },
      { protocol: 'Ip6', field: 'InOctets', value: 98311230442n },
    ],
    skipped: 0,
  };

  it('splits counters from gauges', () => {
    const { families, skipped } = netstatFamilies(snapshot, /.*/);
    assert.deepEqual(
      families.map((f) => [f.desc.name, f.desc.type, f.samples]),
      [
        [
          'nft_netstat_total',
          'counter',
          [
            { labels: ['Tcp', 'RetransSegs'], value: 120443n },
            { labels: ['Tcp', 'RetransSegsX'], value: 1n },
            { labels: ['Ip6', 'InOctets'], value: 98311230442n },
          ],
        ],
        [
          'nft_netstat_value',
          'gauge',
          [
            { labels: ['Tcp', 'MaxConn'], value: -1 },
            { labels: ['Tcp', 'CurrEstab'], value: 37 },
          ],
        ],
      ],
    );
    assert.equal(skipped, 1);
  });

  it('matches the include pattern whole', () => {
    const { families } = netstatFamilies(snapshot, /Tcp_RetransSegs|Tcp_Curr/);
    assert.deepEqual(
      families.map((f) => f.samples),
      [[{ labels: ['Tcp', 'RetransSegs'], value: 120443n }], []],
    );
  });
});

describe('netstat collector', () => {
  it('applies the configured fields', async () => {
    const config = fixtureConfig('rps-10col-no-ipv6', {
      netstat: { fieldInclude: /Tcp_(MaxConn|RetransSegs)|TcpExt_ListenDrops/ },
    });
    const ctx = testContext(config);
    const families = await netstatCollector.collect(ctx);
    assert.deepEqual(
      families.map((f) => f.samples),
      [
        [
          { labels: ['Tcp', 'RetransSegs'], value: 120443n },
          { labels: ['TcpExt', 'ListenDrops'], value: 412n },
        ],
        [{ labels: ['Tcp', 'MaxConn'], value: -1 }],
      ],
    );
    assert.equal(ctx.skipped(), 0);
  });

  it('probes a tree without snmp as unavailable', async () => {
    const ctx = testContext(fixtureConfig('server-5.15-13col'));
    assert.deepEqual(await netstatCollector.probe(ctx), {
      kind: 'unavailable',
      reason: `${FILE_FIXTURES}server-5.15-13col/proc/net/snmp does not exist`,
    });
  });

  it('probes another namespace as unavailable', async () => {
    const ctx = testContext(fixtureConfig('vm-6.18-x86_64'), { netns: '/run/netns/blue' });
    assert.deepEqual(await netstatCollector.probe(ctx), {
      kind: 'unavailable',
      reason:
        "the file collectors read only the exporter's own network namespace, not /run/netns/blue",
    });
  });
});
