// The host kernel (CI runs 6.18 without loadable modules) has no IPVS, WireGuard, devlink or
// NET_DM family, so the probes of those collectors must report "unavailable" and name the
// missing family instead of failing. Each probe runs against a fresh namespace.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { devlinkCollector } from '../../src/collectors/devlink.js';
import { createDropMonitorCollector } from '../../src/collectors/drop_monitor.js';
import { ipvsCollector } from '../../src/collectors/ipvs.js';
import type { Collector } from '../../src/collectors/types.js';
import { wireguardCollector } from '../../src/collectors/wireguard.js';
import { testConfig, testContext } from '../support/config.js';
import { requireKernel, testNamespace } from '../support/netns.js';

const CASES: readonly [Collector, string, string][] = [
  [
    ipvsCollector,
    'IPVS',
    '; load the ip_vs module (modprobe ip_vs) or build the kernel with CONFIG_IP_VS',
  ],
  [
    wireguardCollector,
    'wireguard',
    '; load the wireguard module (modprobe wireguard) or build the kernel with CONFIG_WIREGUARD',
  ],
  [devlinkCollector, 'devlink', '; the kernel was built without CONFIG_NET_DEVLINK'],
  [
    createDropMonitorCollector(),
    'NET_DM',
    '; load the drop_monitor module (modprobe drop_monitor) or build the kernel with CONFIG_NET_DROP_MONITOR',
  ],
];

for (const [collector, familyName, hint] of CASES) {
  test(`${collector.name} probe names the missing family`, async (t) => {
    if (!requireKernel(t)) return;
    const ns = testNamespace(t, 'genlprobe');
    const ctx = testContext(testConfig(), { netns: ns.path });
    assert.deepStrictEqual(await collector.probe(ctx), {
      kind: 'unavailable',
      reason: `generic netlink family ${familyName} is not registered in the kernel${hint}`,
    });
  });
}
