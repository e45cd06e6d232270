// Loads the modules of the enabled collectors only, so that a collector which is switched off
// costs no memory for its code and tables. src/collectors/index.ts loads all of them for the
// documentation build and the tests.

import type { CollectorName } from './names.js';
import { type Collector, registeredCollectors } from './types.js';

/** Module of each collector, relative to this file. */
const MODULES: Readonly<Record<CollectorName, string>> = {
  rtnetlink: './rtnetlink.js',
  rtnetlink_extended: './rtnetlink_extended.js',
  traffic_control: './traffic_control.js',
  conntrack: './conntrack.js',
  conntrack_expect: './conntrack_expect.js',
  nftables: './nftables.js',
  sock_diag: './sock_diag.js',
  ethtool: './ethtool.js',
  ipvs: './ipvs.js',
  wireguard: './wireguard.js',
  devlink: './devlink.js',
  drop_monitor: './drop_monitor.js',
  xfrm: './xfrm.js',
  softnet: './softnet.js',
  netstat: './netstat.js',
  softirq: './softirq.js',
  irq: './irq.js',
  sockstat: './sockstat.js',
  nic_bql: './nic_bql.js',
  nic_pcie: './nic_pcie.js',
  nic_temp: './nic_temp.js',
};

/** Imports the modules of `names` and returns their collectors in the order given. */
export async function loadCollectors(names: readonly CollectorName[]): Promise<Collector[]> {
  await Promise.all(names.map((name) => import(MODULES[name])));
  const registry = registeredCollectors();
  return names.map((name) => {
    const collector = registry.get(name);
    if (collector === undefined) {
      throw new Error(`collector module ${MODULES[name]} did not register collector ${name}`);
    }
    return collector;
  });
}
