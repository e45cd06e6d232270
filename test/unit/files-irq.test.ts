import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { irqCollector, irqFamilies } from '../../src/collectors/irq.js';
import { parseInterrupts } from '../../src/files/interrupts.js';
import { fixtureConfig, testContext } from '../support/config.js';

describe('parseInterrupts', () => {
  it('reads numbered rows of the 6.x layout', () => {
    const text =
      '           CPU0       CPU1       \n' +
      ' 24:          1          0  IO-APIC   5-edge      ACPI:Ged\n' +
      ' 38:          0       2018 PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0\n' +
      'NMI:          0          0   Non-maskable interrupts\n' +
      'ERR:          0\n';
    assert.deepEqual(parseInterrupts(text), {
      cpus: [0, 1],
      irqs: [
        { irq: '24', device: 'ACPI:Ged', counts: [1, 0] },
        { irq: '38', device: 'virtio2-input.0', counts: [0, 2018] },
      ],
      skipped: 0,
    });
  });

  it('reads the ARM GIC layout', () => {
    const text =
      '           CPU0       CPU1       CPU2       CPU3\n' +
      ' 11:    1733510    1703240    1719005    1698730     GICv3  27 Level     arch_timer\n' +
      ' 64:      81023          0          0          0   ITS-MSI 524288 Edge      eth0-rx-0, eth0-tx-0\n' +
      'IPI0:     30221      31002      29988      30122       Rescheduling interrupts\n';
    assert.deepEqual(parseInterrupts(text), {
      cpus: [0, 1, 2, 3],
      irqs: [
        { irq: '11', device: 'arch_timer', counts: [1733510, 1703240, 1719005, 1698730] },
        { irq: '64', device: 'eth0-rx-0, eth0-tx-0', counts: [81023, 0, 0, 0] },
      ],
      skipped: 0,
    });
  });

  it('skips rows with missing counts', () => {
    const text =
      '  CPU0 CPU1\n' +
      ' 30:   5\n' +
      ' 31:   5   x   PCI-MSI  eth0\n' +
      ' garbage without colon\n' +
      ' 32:   1   2   PCI-MSI  eth1\n';
    assert.deepEqual(parseInterrupts(text), {
      cpus: [0, 1],
      irqs: [{ irq: '32', device: 'eth1', counts: [1, 2] }],
      skipped: 3,
    });
  });

  it('gives an empty device without handler text', () => {
    assert.deepEqual(parseInterrupts('  CPU0\n 7: 3\n').irqs, [
      { irq: '7', device: '', counts: [3] },
    ]);
  });

  it('skips a file without header', () => {
    assert.deepEqual(parseInterrupts(' 0: 1 2\n'), { cpus: [], irqs: [], skipped: 1 });
  });
});

describe('irqFamilies', () => {
  const snapshot = {
    cpus: [0, 1, 3],
    irqs: [
      { irq: '16', device: 'i801_smbus, ehci_hcd:usb1', counts: [0, 0, 931] },
      { irq: '121', device: 'eno1-TxRx-0', counts: [88120334, 2, 1] },
      { irq: '125', device: 'eno2-TxRx-0', counts: [1203, 0, 0] },
    ],
    skipped: 0,
  };

  it('sums counts across CPUs', () => {
    assert.deepEqual(
      irqFamilies(snapshot, { perCpu: false }).map((f) => f.samples),
      [
        [
          { labels: ['16', 'i801_smbus, ehci_hcd:usb1'], value: 931 },
          { labels: ['121', 'eno1-TxRx-0'], value: 88120337 },
          { labels: ['125', 'eno2-TxRx-0'], value: 1203 },
        ],
        [],
      ],
    );
  });

  it('labels counts per CPU', () => {
    const options = { perCpu: true, nameInclude: /eno1-.*/ };
    assert.deepEqual(
      irqFamilies(snapshot, options).map((f) => f.samples),
      [
        [],
        [
          { labels: ['121', 'eno1-TxRx-0', '0'], value: 88120334 },
          { labels: ['121', 'eno1-TxRx-0', '1'], value: 2 },
          { labels: ['121', 'eno1-TxRx-0', '3'], value: 1 },
        ],
      ],
    );
  });

  it('filters names whole with exclude winning', () => {
    const options = { perCpu: false, nameInclude: /eno.*|i801/, nameExclude: /eno2-TxRx-0/ };
    assert.deepEqual(
      irqFamilies(snapshot, options)[0]?.samples.map((s) => s.labels[0]),
      ['121'],
    );
  });
});

describe('irq collector', () => {
  it('reads the older x86 layout', async () => {
    const ctx = testContext(fixtureConfig('rps-10col-no-ipv6'));
    const [sums] = await irqCollector.collect(ctx);
    assert.deepEqual(sums?.samples, [
      { labels: ['0', 'timer'], value: 128 },
      { labels: ['1', 'i8042'], value: 3 },
      { labels: ['8', 'rtc0'], value: 1 },
      { labels: ['9', 'acpi'], value: 0 },
      { labels: ['16', 'ehci_hcd:usb1'], value: 297 },
      { labels: ['24', 'eth0'], value: 2 },
      { labels: ['25', 'eth0-TxRx-0'], value: 12040211 },
      { labels: ['26', 'eth0-TxRx-1'], value: 9931021 },
      { labels: ['27', 'eth0-TxRx-2'], value: 10112034 },
      { labels: ['28', 'eth0-TxRx-3'], value: 9800123 },
    ]);
    assert.equal(ctx.skipped(), 0);
  });
});
