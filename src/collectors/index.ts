// Imports every collector module so that each registers itself, in startup order.

import './rtnetlink.js';
import './rtnetlink_extended.js';
import './traffic_control.js';
import './conntrack.js';
import './conntrack_expect.js';
import './nftables.js';
import './sock_diag.js';
import './ethtool.js';
import './ipvs.js';
import './wireguard.js';
import './devlink.js';
import './drop_monitor.js';
import './xfrm.js';
import './softnet.js';
import './netstat.js';
import './softirq.js';
import './irq.js';
import './sockstat.js';
import './nic_bql.js';
import './nic_pcie.js';
import './nic_temp.js';

export { registeredCollectors } from './types.js';
