// ethtool collector: the exposition rendered from captured replies against a golden file,
// promtool's lint, the interface filter and the per-device failure count.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type EthtoolSnapshot, ethtoolFamilies, groupLabel } from '../../src/collectors/ethtool.js';
import {
  parseFec,
  parseLinkInfo,
  parseLinkModes,
  parseLinkState,
  parsePause,
  parseStats,
  parseStringSets,
} from '../../src/families/ethtool/parse.js';
import { AttrBuilder } from '../../src/netlink/attr.js';
import { KernelError } from '../../src/netlink/errors.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { loadDatagrams } from '../support/fixtures.js';
import { assertGolden, assertPromtoolClean, encodeChecked } from '../support/golden-file.js';

function parseAll<T>(name: string, parse: (b: Buffer, s: number, e: number) => T): T[] {
  const out: T[] = [];
  forEachMessage(loadDatagrams('ethtool', name), (buf, _type, _flags, start, end) => {
    out.push(parse(buf, start, end));
  });
  return out;
}

/**
 * Standard statistics of a device "eth0". Neither veth nor netdevsim implements the standard
 * groups, so this one reply is built here, in the layout of a Linux 6.18 reply.
 */
function eth0Stats(): Buffer {
  const attrs = new AttrBuilder()
    .nested(2, (h) => h.u32(1, 9).str(2, 'eth0'))
    .nested(4, (g) => {
      g.u32(2, 1).u32(3, 18);
      g.nested(4, (s) => s.u64(0, 184467440737095516n));
      g.nested(4, (s) => s.u64(4, 3n));
      g.nested(4, (s) => s.u64(6, 9007199254740993n));
    })
    .nested(4, (g) => {
      g.u32(2, 3).u32(3, 20);
      g.nested(4, (s) => s.u64(1, 12n));
    })
    .nested(4, (g) => {
      g.u32(2, 4).u32(3, 21);
      g.nested(4, (s) => s.u64(0, 5n));
      g.nested(4, (s) => s.u64(9, 6n));
    })
    .toBuffer();
  return Buffer.concat([Buffer.from([33, 1, 0, 0]), attrs]);
}

function snapshot(): EthtoolSnapshot {
  const eth0 = eth0Stats();
  return {
    stats: [...parseAll('stats-veth', parseStats), parseStats(eth0, 0, eth0.length)],
    linkInfo: parseAll('linkinfo-veth', parseLinkInfo),
    linkModes: parseAll('linkmodes-veth', parseLinkModes),
    linkState: parseAll('linkstate-veth', parseLinkState),
    pause: parseAll('pause-netdevsim', parsePause),
    fec: parseAll('fec-netdevsim', parseFec),
    groupNames: parseAll('strset-std', parseStringSets)[0]![0]!.strings,
    statNames: new Map([[21, ['RxFrames', 'RxErrors']]]),
    failures: [
      {
        device: { index: 4, name: 'vdown1' },
        request: 'fec',
        error: new KernelError(5, { op: 'get ethtool fec vdown1' }),
      },
    ],
  };
}

test('exposition matches the golden file', () => {
  const text = encodeChecked(
    ethtoolFamilies(snapshot(), () => true),
    'text',
  );
  assertGolden('ethtool.prom', text);
});

test('exposition passes promtool', (t) => {
  assertPromtoolClean(
    t,
    encodeChecked(
      ethtoolFamilies(snapshot(), () => true),
      'text',
    ),
  );
});

test('interface filter removes devices', () => {
  const families = ethtoolFamilies(snapshot(), (name) => name === 'veth0');
  const series = families.flatMap((f) =>
    f.samples.map((s) => `${f.desc.name}{${s.labels.join(',')}} ${s.value}`),
  );
  assert.deepStrictEqual(series, [
    'nft_ethtool_link_speed_bytes{veth0} 1250000000',
    'nft_ethtool_link_info{veth0,tp,full,off} 1',
    'nft_ethtool_link_detected{veth0} 1',
    'nft_ethtool_failed_devices{fec} 1',
  ]);
});

test('group label falls back to the id', () => {
  assert.deepStrictEqual(
    [
      groupLabel(1, ['eth-phy', 'eth-mac']),
      groupLabel(2, ['eth-phy', 'eth-mac']),
      groupLabel(0, ['']),
    ],
    ['eth_mac', 'group2', 'group0'],
  );
});
