// Flowtables of the nftables collector compared with `nft -j list ruleset`, in the lab guest
// because the host kernel lacks CONFIG_NF_FLOW_TABLE.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nftablesCollector } from '../../src/collectors/nftables.js';
import { encodeFamilies } from '../../src/metrics/exposition.js';
import {
  COMPARED,
  collectedSeries,
  expectedSeries,
  type NftJson,
} from '../kernel/nftables-expected.js';
import { testConfig, testContext } from '../support/config.js';
import { parseExposition } from '../support/exposition-parser.js';
import { assertLabGuest, createNetns, type Netns, run } from './support.js';

assertLabGuest();

/**
 * Flowtables with distinct priorities and device lists, and a rule that fills one. The kernel
 * rejects a device that another flowtable of the same table already hooks (EEXIST).
 */
const RULESET = `
table inet fast {
  flowtable both { hook ingress priority filter; devices = { d0, d1 }; }
  flowtable counted { hook ingress priority -5; devices = { d2 }; counter; }
  chain forward {
    type filter hook forward priority filter; policy accept;
    ip protocol { tcp, udp } flow add @both counter comment "offload"
  }
}
table ip fast4 {
  flowtable late { hook ingress priority 10; devices = { d1 }; }
  flowtable idle { hook ingress priority 20; }
}
`;

function buildScene(netns: Netns): void {
  for (const name of ['d0', 'd1', 'd2']) {
    run('ip', ['-n', netns.name, 'link', 'add', name, 'type', 'dummy']);
    run('ip', ['-n', netns.name, 'link', 'set', name, 'up']);
  }
  const dir = mkdtempSync(join(tmpdir(), 'nlx-nft-'));
  try {
    const file = join(dir, 'ruleset.nft');
    writeFileSync(file, RULESET);
    netns.exec('nft', ['-f', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('flowtables match nft -j list ruleset', async (t) => {
  const netns = createNetns(t, 'nftflow');
  buildScene(netns);
  const ctx = testContext(testConfig(), { netns: `/run/netns/${netns.name}` });
  assert.deepStrictEqual(await nftablesCollector.probe(ctx), { kind: 'available' });

  const text = encodeFamilies(await nftablesCollector.collect(ctx), 'text');
  const ruleset = JSON.parse(netns.exec('nft', ['-j', 'list', 'ruleset'])) as NftJson;

  const expected = expectedSeries(ruleset);
  const actual = collectedSeries(parseExposition(text, 'text'));
  for (const name of COMPARED) {
    assert.deepStrictEqual(actual[name], expected[name] ?? {}, name);
  }
  // Guards against a scene where the comparison above would pass on empty families.
  assert.deepStrictEqual(actual['nft_flowtable_info'], {
    'family=inet,table=fast,name=both,hook=ingress,priority=0,hw_offload=0': '1',
    'family=inet,table=fast,name=counted,hook=ingress,priority=-5,hw_offload=0': '1',
    'family=ip,table=fast4,name=late,hook=ingress,priority=10,hw_offload=0': '1',
    'family=ip,table=fast4,name=idle,hook=ingress,priority=20,hw_offload=0': '1',
  });
});
