import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sockstatCollector, sockstatFamilies } from '../../src/collectors/sockstat.js';
import { parseAuxvPageSize, parseSockstat } from '../../src/files/sockstat.js';
import { fixtureConfig, testContext } from '../support/config.js';

/** Builds an auxiliary vector of (type, value) words. */
function auxv(pairs: [number, number][], wordSize: 4 | 8, littleEndian: boolean): Uint8Array {
  const view = new DataView(new ArrayBuffer(pairs.length * 2 * wordSize));
  pairs.flat().forEach((word, index) => {
    if (wordSize === 8) view.setBigUint64(index * 8, BigInt(word), littleEndian);
    else view.setUint32(index * 4, word, littleEndian);
  });
  return new Uint8Array(view.buffer);
}

describe('parseSockstat', () => {
  it('reads key-value pairs', () => {
    const text =
      'sockets: used 22\nTCP: inuse 1 orphan 0 tw 2 alloc 1 mem 16\nFRAG: inuse 0 memory 0\n';
    assert.deepEqual(parseSockstat(text), {
      entries: [
        { protocol: 'sockets', key: 'used', value: 22 },
        { protocol: 'TCP', key: 'inuse', value: 1 },
        { protocol: 'TCP', key: 'orphan', value: 0 },
        { protocol: 'TCP', key: 'tw', value: 2 },
        { protocol: 'TCP', key: 'alloc', value: 1 },
        { protocol: 'TCP', key: 'mem', value: 16 },
        { protocol: 'FRAG', key: 'inuse', value: 0 },
        { protocol: 'FRAG', key: 'memory', value: 0 },
      ],
      skipped: 0,
    });
  });

  it('skips malformed values and lines', () => {
    const text = 'TCP: inuse x orphan 1 tw\nUDP:\nnoprefix 1\nRAW: inuse -2\n';
    assert.deepEqual(parseSockstat(text), {
      entries: [
        { protocol: 'TCP', key: 'orphan', value: 1 },
        { protocol: 'RAW', key: 'inuse', value: -2 },
      ],
      skipped: 4,
    });
  });
});

describe('parseAuxvPageSize', () => {
  it('finds AT_PAGESZ in 64-bit little-endian words', () => {
    const bytes = auxv(
      [
        [33, 0x7ffd0000],
        [16, 0xbfebfbff],
        [6, 4096],
        [0, 0],
      ],
      8,
      true,
    );
    assert.equal(parseAuxvPageSize(bytes, 8, true), 4096);
  });

  it('finds AT_PAGESZ in 32-bit big-endian words', () => {
    const bytes = auxv(
      [
        [16, 1],
        [6, 65536],
        [0, 0],
      ],
      4,
      false,
    );
    assert.equal(parseAuxvPageSize(bytes, 4, false), 65536);
  });

  it('stops at AT_NULL', () => {
    const bytes = auxv(
      [
        [16, 1],
        [0, 0],
        [6, 4096],
      ],
      8,
      true,
    );
    assert.equal(parseAuxvPageSize(bytes, 8, true), undefined);
  });

  it('ignores a truncated vector', () => {
    const bytes = auxv([[6, 4096]], 8, true).subarray(0, 12);
    assert.equal(parseAuxvPageSize(bytes, 8, true), undefined);
    assert.equal(parseAuxvPageSize(new Uint8Array(0), 8, true), undefined);
  });
});

describe('sockstatFamilies', () => {
  const entries = [
    { protocol: 'TCP', key: 'inuse', value: 42 },
    { protocol: 'TCP', key: 'mem', value: 9 },
    { protocol: 'UDP', key: 'mem', value: 2 },
    { protocol: 'FRAG6', key: 'memory', value: 1024 },
  ];

  it('converts pages to bytes', () => {
    const { families, skipped } = sockstatFamilies({ entries, pageSize: 4096, skipped: 0 });
    assert.deepEqual(
      families.map((f) => [f.desc.name, f.samples]),
      [
        ['nft_sockstat', [{ labels: ['tcp', 'inuse'], value: 42 }]],
        [
          'nft_sockstat_memory_bytes',
          [
            { labels: ['tcp'], value: 36864 },
            { labels: ['udp'], value: 8192 },
            { labels: ['frag6'], value: 1024 },
          ],
        ],
      ],
    );
    assert.equal(skipped, 0);
  });

  it('skips pages without a page size', () => {
    const { families, skipped } = sockstatFamilies({ entries, skipped: 0 });
    assert.deepEqual(families[1]?.samples, [{ labels: ['frag6'], value: 1024 }]);
    assert.equal(skipped, 2);
  });
});

describe('sockstat collector', () => {
  it('reads the capture with sockstat6', async () => {
    const ctx = testContext(fixtureConfig('vm-6.18-x86_64'));
    const families = await sockstatCollector.collect(ctx);
    assert.deepEqual(
      families.map((f) => f.samples),
      [
        [
          { labels: ['sockets', 'used'], value: 22 },
          { labels: ['tcp', 'inuse'], value: 1 },
          { labels: ['tcp', 'orphan'], value: 0 },
          { labels: ['tcp', 'tw'], value: 0 },
          { labels: ['tcp', 'alloc'], value: 1 },
          { labels: ['udp', 'inuse'], value: 0 },
          { labels: ['udplite', 'inuse'], value: 0 },
          { labels: ['raw', 'inuse'], value: 0 },
          { labels: ['frag', 'inuse'], value: 0 },
          { labels: ['tcp6', 'inuse'], value: 0 },
          { labels: ['udp6', 'inuse'], value: 0 },
          { labels: ['udplite6', 'inuse'], value: 0 },
          { labels: ['raw6', 'inuse'], value: 0 },
          { labels: ['frag6', 'inuse'], value: 0 },
        ],
        [
          { labels: ['tcp'], value: 65536 },
          { labels: ['udp'], value: 0 },
          { labels: ['frag'], value: 0 },
          { labels: ['frag6'], value: 0 },
        ],
      ],
    );
    assert.equal(ctx.skipped(), 0);
  });

  it('reads a tree without sockstat6', async () => {
    const ctx = testContext(fixtureConfig('rps-10col-no-ipv6'));
    const families = await sockstatCollector.collect(ctx);
    assert.deepEqual(families[1]?.samples, [
      { labels: ['tcp'], value: 36864 },
      { labels: ['udp'], value: 8192 },
      { labels: ['frag'], value: 0 },
    ]);
    assert.equal(families[0]?.samples.length, 9);
  });
});
