import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nicBqlCollector } from '../../src/collectors/nic_bql.js';
import { nicPcieCollector } from '../../src/collectors/nic_pcie.js';
import { nicTempCollector } from '../../src/collectors/nic_temp.js';
import { parseBql } from '../../src/files/bql.js';
import { parseHwmon } from '../../src/files/hwmon.js';
import { parsePcie } from '../../src/files/pcie.js';
import { fixtureConfig, testContext } from '../support/config.js';

describe('parseBql', () => {
  it('sums queues per device', () => {
    const files = new Map([
      [
        'eth0',
        [
          { queue: 'tx-0', limit: '3028\n', inflight: '1514\n' },
          { queue: 'tx-1', limit: '6056\n', inflight: '0\n' },
          { queue: 'tx-2', inflight: '7\n' },
        ],
      ],
      ['veth0', []],
    ]);
    assert.deepEqual(parseBql(files), {
      devices: [{ device: 'eth0', queues: 2, limitBytes: 9084, inflightBytes: 1514 }],
      skipped: 0,
    });
  });

  it('skips values that are not decimal', () => {
    const files = new Map([
      [
        'eth0',
        [
          { queue: 'tx-0', limit: 'x\n', inflight: '1\n' },
          { queue: 'tx-1', limit: '10\n', inflight: '-1\n' },
        ],
      ],
    ]);
    assert.deepEqual(parseBql(files), {
      devices: [{ device: 'eth0', queues: 1, limitBytes: 10, inflightBytes: 0 }],
      skipped: 2,
    });
  });
});

describe('parsePcie', () => {
  it('reads link state and AER totals', () => {
    const files = new Map([
      [
        'eno1',
        {
          currentLinkSpeed: '5.0 GT/s PCIe\n',
          currentLinkWidth: '2\n',
          maxLinkSpeed: '8 GT/s\n',
          maxLinkWidth: '4\n',
          aerCorrectable: 'RxErr 7\nBadTLP 3\nTOTAL_ERR_COR 9\n',
          aerFatal: 'Undefined 0\nTOTAL_ERR_FATAL 0\n',
          aerNonfatal: 'CmpltTO 1\nTOTAL_ERR_NONFATAL 1\n',
          virtualFunction: false,
        },
      ],
    ]);
    assert.deepEqual(parsePcie(files), {
      devices: [
        {
          device: 'eno1',
          currentSpeedGts: 5,
          currentWidth: 2,
          maxSpeedGts: 8,
          maxWidth: 4,
          aerCorrectable: 9n,
          aerFatal: 0n,
          aerNonfatal: 1n,
        },
      ],
      skipped: 0,
    });
  });

  it('treats Unknown speed as absent', () => {
    const files = new Map([
      [
        'eth0',
        { currentLinkSpeed: 'Unknown\n', maxLinkSpeed: 'Unknown speed\n', virtualFunction: false },
      ],
    ]);
    assert.deepEqual(parsePcie(files), { devices: [{ device: 'eth0' }], skipped: 0 });
  });

  it('skips virtual functions and non-PCI devices', () => {
    const files = new Map([
      ['eno1v0', { currentLinkSpeed: '8.0 GT/s PCIe\n', virtualFunction: true }],
      ['lo', { virtualFunction: false }],
    ]);
    assert.deepEqual(parsePcie(files), { devices: [], skipped: 0 });
  });

  it('skips and counts malformed files', () => {
    const files = new Map([
      [
        'eth0',
        {
          currentLinkSpeed: 'fast\n',
          currentLinkWidth: 'x4\n',
          aerCorrectable: 'RxErr 1\nbroken line here\n',
          virtualFunction: false,
        },
      ],
    ]);
    assert.deepEqual(parsePcie(files), { devices: [{ device: 'eth0' }], skipped: 4 });
  });
});

describe('parseHwmon', () => {
  it('converts millidegrees to Celsius', () => {
    const files = new Map([
      [
        'eno1',
        [
          {
            dir: 'hwmon2',
            name: 'ixgbe\n',
            temps: [{ index: 1, input: '52125\n' }],
            unreadable: 0,
          },
        ],
      ],
      ['eth9', [{ dir: 'hwmon4', temps: [{ index: 3, input: '-5000\n' }], unreadable: 1 }]],
    ]);
    assert.deepEqual(parseHwmon(files), {
      sensors: [
        { device: 'eno1', sensor: 'ixgbe_temp1', celsius: 52.125 },
        { device: 'eth9', sensor: 'temp3', celsius: -5 },
      ],
      skipped: 1,
    });
  });

  it('keeps two chips of one name apart', () => {
    const files = new Map([
      [
        'eth0',
        [
          { dir: 'hwmon1', name: 'mlx5\n', temps: [{ index: 1, input: '40000' }], unreadable: 0 },
          { dir: 'hwmon7', name: 'mlx5\n', temps: [{ index: 1, input: '41000' }], unreadable: 0 },
          { dir: 'hwmon9', name: 'sfp\n', temps: [{ index: 1, input: '30000' }], unreadable: 0 },
        ],
      ],
    ]);
    assert.deepEqual(
      parseHwmon(files).sensors.map((s) => s.sensor),
      ['mlx5_hwmon1_temp1', 'mlx5_hwmon7_temp1', 'sfp_temp1'],
    );
  });

  it('skips values that are not integers', () => {
    const files = new Map([
      ['eth0', [{ dir: 'hwmon0', name: 'x', temps: [{ index: 1, input: '41.5' }], unreadable: 0 }]],
    ]);
    assert.deepEqual(parseHwmon(files), { sensors: [], skipped: 1 });
  });
});

describe('NIC collectors on the server tree', () => {
  const config = fixtureConfig('server-5.15-13col');

  it('sums BQL per device', async () => {
    const families = await nicBqlCollector.collect(testContext(config));
    assert.deepEqual(
      families.map((f) => [f.desc.name, f.samples]),
      [
        [
          'nft_nic_bql_limit_bytes',
          [
            { labels: ['eno1'], value: 180164 },
            { labels: ['eno2'], value: 9084 },
          ],
        ],
        [
          'nft_nic_bql_inflight_bytes',
          [
            { labels: ['eno1'], value: 4542 },
            { labels: ['eno2'], value: 0 },
          ],
        ],
      ],
    );
  });

  it('shows a down-trained link', async () => {
    const families = await nicPcieCollector.collect(testContext(config));
    assert.deepEqual(
      families.map((f) => [f.desc.name, f.samples]),
      [
        [
          'nft_nic_pcie_link_speed_gts',
          [
            { labels: ['eno1'], value: 5 },
            { labels: ['eno2'], value: 8 },
          ],
        ],
        [
          'nft_nic_pcie_link_max_speed_gts',
          [
            { labels: ['eno1'], value: 8 },
            { labels: ['eno2'], value: 8 },
          ],
        ],
        [
          'nft_nic_pcie_link_width',
          [
            { labels: ['eno1'], value: 2 },
            { labels: ['eno2'], value: 4 },
          ],
        ],
        [
          'nft_nic_pcie_link_max_width',
          [
            { labels: ['eno1'], value: 4 },
            { labels: ['eno2'], value: 4 },
          ],
        ],
        [
          'nft_nic_pcie_aer_correctable_total',
          [
            { labels: ['eno1'], value: 9n },
            { labels: ['eno2'], value: 0n },
          ],
        ],
        [
          'nft_nic_pcie_aer_nonfatal_total',
          [
            { labels: ['eno1'], value: 1n },
            { labels: ['eno2'], value: 0n },
          ],
        ],
        [
          'nft_nic_pcie_aer_fatal_total',
          [
            { labels: ['eno1'], value: 0n },
            { labels: ['eno2'], value: 0n },
          ],
        ],
      ],
    );
  });

  it('reads hwmon temperatures', async () => {
    const families = await nicTempCollector.collect(testContext(config));
    assert.deepEqual(families[0]?.samples, [
      { labels: ['eno1', 'ixgbe_temp1'], value: 52 },
      { labels: ['eno2', 'ixgbe_temp1'], value: 49.5 },
    ]);
  });

  it('applies the interface filter', async () => {
    const ctx = testContext(config, { interfaceAllowed: (name) => name !== 'eno1' });
    const bql = await nicBqlCollector.collect(ctx);
    const pcie = await nicPcieCollector.collect(ctx);
    const temp = await nicTempCollector.collect(ctx);
    assert.deepEqual(bql[0]?.samples, [{ labels: ['eno2'], value: 9084 }]);
    assert.deepEqual(pcie[0]?.samples, [{ labels: ['eno2'], value: 8 }]);
    assert.deepEqual(temp[0]?.samples, [{ labels: ['eno2', 'ixgbe_temp1'], value: 49.5 }]);
  });
});

describe('NIC collectors on virtual devices', () => {
  it('emit nothing and skip nothing', async () => {
    const ctx = testContext(fixtureConfig('vm-6.18-x86_64'), {
      interfaceAllowed: (name) => name !== 'eth0',
    });
    const pcie = await nicPcieCollector.collect(ctx);
    const temp = await nicTempCollector.collect(ctx);
    const bql = await nicBqlCollector.collect(ctx);
    assert.deepEqual(
      pcie.map((f) => f.samples.length),
      [0, 0, 0, 0, 0, 0, 0],
    );
    assert.deepEqual(temp[0]?.samples, []);
    assert.deepEqual(bql[0]?.samples, []);
    assert.equal(ctx.skipped(), 0);
  });

  it('skip BQL files of virtual devices', async () => {
    // ifb0 and ifb1 have byte_queue_limits files but are listed in devices/virtual/net.
    const ctx = testContext(fixtureConfig('vm-6.18-x86_64'));
    const bql = await nicBqlCollector.collect(ctx);
    assert.deepEqual(
      bql.map((f) => f.samples),
      [[{ labels: ['eth0'], value: 2251 }], [{ labels: ['eth0'], value: 0 }]],
    );
  });

  it('probe a missing sysfs as unavailable', async () => {
    const ctx = testContext(fixtureConfig('vm-6.18-x86_64', { pathSysfs: '/nonexistent/sys' }));
    for (const collector of [nicBqlCollector, nicPcieCollector, nicTempCollector]) {
      assert.deepEqual(await collector.probe(ctx), {
        kind: 'unavailable',
        reason: '/nonexistent/sys/class/net does not exist',
      });
    }
  });
});
