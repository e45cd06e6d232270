import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { softirqCollector, softirqFamilies } from '../../src/collectors/softirq.js';
import { parseSoftirqs } from '../../src/files/softirqs.js';
import { fixtureConfig, testContext } from '../support/config.js';

describe('parseSoftirqs', () => {
  it('reads every row', () => {
    const text =
      '                    CPU0       CPU1       \n' +
      '          HI:          0          0\n' +
      '      NET_TX:          3          1\n' +
      '      NET_RX:       1236 4294967295\n';
    assert.deepEqual(parseSoftirqs(text), {
      cpus: [0, 1],
      rows: [
        { name: 'HI', counts: [0, 0] },
        { name: 'NET_TX', counts: [3, 1] },
        { name: 'NET_RX', counts: [1236, 4294967295] },
      ],
      skipped: 0,
    });
  });

  it('skips rows of the wrong width', () => {
    const text =
      '  CPU0 CPU1\n' +
      'NET_TX: 3\n' +
      'NET_RX: 1 2 3\n' +
      'TIMER: 1 x\n' +
      'no colon here\n' +
      ': 1 2\n' +
      'RCU: 7 8\n';
    assert.deepEqual(parseSoftirqs(text), {
      cpus: [0, 1],
      rows: [{ name: 'RCU', counts: [7, 8] }],
      skipped: 5,
    });
  });

  it('skips a file without header', () => {
    assert.deepEqual(parseSoftirqs('NET_RX: 1 2\n'), { cpus: [], rows: [], skipped: 1 });
    assert.deepEqual(parseSoftirqs(''), { cpus: [], rows: [], skipped: 0 });
  });
});

describe('softirqFamilies', () => {
  it('exports NET_RX and NET_TX only', () => {
    const families = softirqFamilies({
      cpus: [0, 5],
      rows: [
        { name: 'TIMER', counts: [9, 9] },
        { name: 'NET_RX', counts: [10, 20] },
        { name: 'NET_TX', counts: [1, 2] },
      ],
      skipped: 0,
    });
    assert.deepEqual(
      families.map((f) => [f.desc.name, f.samples]),
      [
        [
          'nft_softirq_total',
          [
            { labels: ['0', 'net_rx'], value: 10 },
            { labels: ['5', 'net_rx'], value: 20 },
            { labels: ['0', 'net_tx'], value: 1 },
            { labels: ['5', 'net_tx'], value: 2 },
          ],
        ],
      ],
    );
  });
});

describe('softirq collector', () => {
  it('keeps offline CPUs of the header', async () => {
    const ctx = testContext(fixtureConfig('server-5.15-13col'));
    const [fam] = await softirqCollector.collect(ctx);
    assert.deepEqual(fam?.samples, [
      { labels: ['0', 'net_tx'], value: 20331 },
      { labels: ['1', 'net_tx'], value: 1102 },
      { labels: ['2', 'net_tx'], value: 0 },
      { labels: ['3', 'net_tx'], value: 983 },
      { labels: ['0', 'net_rx'], value: 310220331 },
      { labels: ['1', 'net_rx'], value: 298110223 },
      { labels: ['2', 'net_rx'], value: 40211 },
      { labels: ['3', 'net_rx'], value: 301223110 },
    ]);
    assert.equal(ctx.skipped(), 0);
  });
});
