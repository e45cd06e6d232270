import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { softnetCollector, softnetFamilies } from '../../src/collectors/softnet.js';
import { parseSoftnet } from '../../src/files/softnet.js';
import { FILE_FIXTURES, fixtureConfig, testContext } from '../support/config.js';

function fixture(name: string): string {
  return readFileSync(join(FILE_FIXTURES, name, 'proc/net/softnet_stat'), 'utf8');
}

const ZEROS_5 = '00000000 00000000 00000000 00000000 00000000';

describe('parseSoftnet', () => {
  it('reads 9 columns with the row as CPU', () => {
    const text = `00000010 00000001 00000002 ${ZEROS_5} 00000003\n000000ff 0 0 ${ZEROS_5} 0\n`;
    assert.deepEqual(parseSoftnet(text), {
      cpus: [
        { cpu: 0, processed: 16, dropped: 1, timeSqueeze: 2, cpuCollision: 3 },
        { cpu: 1, processed: 255, dropped: 0, timeSqueeze: 0, cpuCollision: 0 },
      ],
      skipped: 0,
    });
  });

  it('reads 11 columns with flow limit', () => {
    const text = `00000010 00000001 00000002 ${ZEROS_5} 00000003 00000004 00000005\n`;
    assert.deepEqual(parseSoftnet(text), {
      cpus: [
        {
          cpu: 0,
          processed: 16,
          dropped: 1,
          timeSqueeze: 2,
          cpuCollision: 3,
          receivedRps: 4,
          flowLimitCount: 5,
        },
      ],
      skipped: 0,
    });
  });

  it('takes the CPU from the index column', () => {
    const text =
      `00000001 00000000 00000000 ${ZEROS_5} 0 0 0 00000009 00000007\n` +
      `00000002 00000000 00000000 ${ZEROS_5} 0 0 0 00000000 0000000c 00000005 00000004\n`;
    assert.deepEqual(parseSoftnet(text), {
      cpus: [
        {
          cpu: 7,
          processed: 1,
          dropped: 0,
          timeSqueeze: 0,
          cpuCollision: 0,
          receivedRps: 0,
          flowLimitCount: 0,
          backlogLength: 9,
        },
        {
          cpu: 12,
          processed: 2,
          dropped: 0,
          timeSqueeze: 0,
          cpuCollision: 0,
          receivedRps: 0,
          flowLimitCount: 0,
          backlogLength: 0,
          inputQueueLength: 5,
          processQueueLength: 4,
        },
      ],
      skipped: 0,
    });
  });

  it('ignores columns past the fifteenth', () => {
    const text = `00000001 0 0 ${ZEROS_5} 0 0 0 0 00000002 0 0 000000aa 000000bb\n`;
    assert.deepEqual(parseSoftnet(text).cpus[0], {
      cpu: 2,
      processed: 1,
      dropped: 0,
      timeSqueeze: 0,
      cpuCollision: 0,
      receivedRps: 0,
      flowLimitCount: 0,
      backlogLength: 0,
      inputQueueLength: 0,
      processQueueLength: 0,
    });
  });

  it('skips and counts malformed lines', () => {
    const text = [
      '00000001 00000002',
      `0000000g 0 0 ${ZEROS_5} 0`,
      `123456789 0 0 ${ZEROS_5} 0`,
      `-0000001 0 0 ${ZEROS_5} 0`,
      `00000005 0 0 ${ZEROS_5} 0`,
      '',
    ].join('\n');
    assert.deepEqual(parseSoftnet(text), {
      cpus: [{ cpu: 4, processed: 5, dropped: 0, timeSqueeze: 0, cpuCollision: 0 }],
      skipped: 4,
    });
  });

  it('returns nothing for empty text', () => {
    assert.deepEqual(parseSoftnet(''), { cpus: [], skipped: 0 });
    assert.deepEqual(parseSoftnet('\n\n'), { cpus: [], skipped: 0 });
  });

  it('reads the 15-column capture', () => {
    const zeros = {
      dropped: 0,
      cpuCollision: 0,
      receivedRps: 0,
      flowLimitCount: 0,
      backlogLength: 0,
      inputQueueLength: 0,
      processQueueLength: 0,
    };
    assert.deepEqual(parseSoftnet(fixture('vm-6.18-x86_64')), {
      cpus: [
        { cpu: 0, processed: 0x2f61, timeSqueeze: 0x34, ...zeros },
        { cpu: 1, processed: 0x538e, timeSqueeze: 0x34, ...zeros },
      ],
      skipped: 0,
    });
  });

  it('reads the 10-column tree', () => {
    assert.deepEqual(parseSoftnet(fixture('rps-10col-no-ipv6')), {
      cpus: [
        {
          cpu: 0,
          processed: 0x0a1b2c3d,
          dropped: 0x12,
          timeSqueeze: 0x4f,
          cpuCollision: 3,
          receivedRps: 0xa1b2,
        },
        {
          cpu: 1,
          processed: 0x09ffe012,
          dropped: 0,
          timeSqueeze: 0x31,
          cpuCollision: 0,
          receivedRps: 0x9c4e,
        },
        {
          cpu: 2,
          processed: 0x0b01c2d4,
          dropped: 7,
          timeSqueeze: 0x52,
          cpuCollision: 1,
          receivedRps: 0xb0f3,
        },
        {
          cpu: 3,
          processed: 0x08d4e5f6,
          dropped: 0,
          timeSqueeze: 0x2a,
          cpuCollision: 0,
          receivedRps: 0x8812,
        },
      ],
      skipped: 0,
    });
  });

  it('reads the 13-column tree with CPU 2 offline', () => {
    const snapshot = parseSoftnet(fixture('server-5.15-13col'));
    assert.deepEqual(
      snapshot.cpus.map((cpu) => cpu.cpu),
      [0, 1, 3],
    );
    assert.deepEqual(snapshot.cpus[1], {
      cpu: 1,
      processed: 0x2faf0801,
      dropped: 0x2b,
      timeSqueeze: 0x3e8,
      cpuCollision: 0,
      receivedRps: 0x51,
      flowLimitCount: 0,
      backlogLength: 2,
    });
    assert.equal(snapshot.skipped, 0);
  });
});

describe('softnetFamilies', () => {
  it('leaves families of absent columns empty', () => {
    const families = softnetFamilies({
      cpus: [{ cpu: 3, processed: 10, dropped: 1, timeSqueeze: 2, cpuCollision: 0 }],
      skipped: 0,
    });
    assert.deepEqual(
      families.map((f) => [f.desc.name, f.samples]),
      [
        ['nft_softnet_processed_total', [{ labels: ['3'], value: 10 }]],
        ['nft_softnet_dropped_total', [{ labels: ['3'], value: 1 }]],
        ['nft_softnet_time_squeeze_total', [{ labels: ['3'], value: 2 }]],
        ['nft_softnet_cpu_collision_total', [{ labels: ['3'], value: 0 }]],
        ['nft_softnet_received_rps_total', []],
        ['nft_softnet_flow_limit_count_total', []],
        ['nft_softnet_backlog_length', []],
        ['nft_softnet_input_queue_length', []],
        ['nft_softnet_process_queue_length', []],
      ],
    );
  });
});

describe('softnet collector', () => {
  it('reports skipped lines to the pipeline', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nlx-softnet-'));
    try {
      mkdirSync(join(root, 'net'));
      writeFileSync(join(root, 'net/softnet_stat'), `00000001 0 0 ${ZEROS_5} 0\ngarbage\n`);
      const ctx = testContext(fixtureConfig('rps-10col-no-ipv6', { pathProcfs: root }));
      const families = await softnetCollector.collect(ctx);
      assert.equal(ctx.skipped(), 1);
      assert.deepEqual(families[0]?.samples, [{ labels: ['0'], value: 1 }]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('probes a missing file as unavailable', async () => {
    const config = fixtureConfig('rps-10col-no-ipv6', { pathProcfs: '/nonexistent/proc' });
    assert.deepEqual(await softnetCollector.probe(testContext(config)), {
      kind: 'unavailable',
      reason: '/nonexistent/proc/net/softnet_stat does not exist',
    });
  });

  it('fails a scrape whose file vanished', async () => {
    const config = fixtureConfig('rps-10col-no-ipv6', { pathProcfs: '/nonexistent/proc' });
    await assert.rejects(softnetCollector.collect(testContext(config)), {
      message: '/nonexistent/proc/net/softnet_stat does not exist; it was removed after startup',
    });
  });
});
