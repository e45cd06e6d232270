// Records the NETLINK_ROUTE replies that the traffic_control and rtnetlink_extended collectors
// read, as test fixtures in the format of scripts/capture.ts: <out>.hex with one datagram per
// line in hex, and <out>.json with the request, the command, the scene, the kernel version, the
// architecture and the date. These requests need fixed-header fields that the generic presets
// leave zero (a filter mask, a family, an interface index).
//
// Usage: node dist/scripts/capture-extended.js --preset NAME --out PATH --netns NAME
//        [--dev DEVICE] [--scene TEXT]
// Presets: qdisc, class (needs --dev), stats, fdb, rule, nexthop, link.

import { writeFileSync } from 'node:fs';
import { arch, release } from 'node:os';
import { parseArgs } from 'node:util';
import { STATS_FILTER_MASK } from '../src/collectors/rtnetlink_extended.js';
import { dumpLinks } from '../src/families/rtnetlink/client.js';
import {
  AF_BRIDGE,
  FIB_RULE_HDR_LEN,
  IF_STATS_MSG_LEN,
  IFINFOMSG_LEN,
  IFLA_EXT_MASK,
  NDMSG_LEN,
  NHMSG_LEN,
  RTEXT_FILTER_SKIP_STATS,
  RTM_GETLINK,
  RTM_GETNEIGH,
  RTM_GETNEXTHOP,
  RTM_GETRULE,
  RTM_GETSTATS,
} from '../src/families/rtnetlink/constants.js';
import { RTM_GETQDISC, RTM_GETTCLASS, TCMSG_LEN } from '../src/families/tc/constants.js';
import { AttrBuilder } from '../src/netlink/attr.js';
import { NETLINK_ROUTE } from '../src/netlink/constants.js';
import { NetlinkSocket } from '../src/netlink/socket.js';

interface Request {
  readonly type: number;
  readonly header: Buffer;
  readonly attrs?: Buffer;
  readonly description: string;
}

function header(length: number, fill: (buf: Buffer) => void = () => {}): Buffer {
  const buf = Buffer.alloc(length);
  fill(buf);
  return buf;
}

async function request(
  preset: string,
  socket: NetlinkSocket,
  dev: string | undefined,
): Promise<Request> {
  switch (preset) {
    case 'qdisc':
      return {
        type: RTM_GETQDISC,
        header: header(TCMSG_LEN),
        description: 'RTM_GETQDISC dump, zeroed 20-byte tcmsg',
      };
    case 'class': {
      const links = await dumpLinks(socket);
      const index = links.items.find((l) => l.name === dev)?.index;
      if (index === undefined)
        throw new Error(`--dev ${dev ?? '(missing)'} is not a device in the namespace; name one`);
      return {
        type: RTM_GETTCLASS,
        header: header(TCMSG_LEN, (b) => b.writeInt32LE(index, 4)),
        description: `RTM_GETTCLASS dump, tcmsg with tcm_ifindex ${index} (${dev})`,
      };
    }
    case 'stats':
      return {
        type: RTM_GETSTATS,
        header: header(IF_STATS_MSG_LEN, (b) => b.writeUInt32LE(STATS_FILTER_MASK, 8)),
        description: `RTM_GETSTATS dump, if_stats_msg filter_mask 0x${STATS_FILTER_MASK.toString(16)}`,
      };
    case 'fdb':
      return {
        type: RTM_GETNEIGH,
        header: header(NDMSG_LEN, (b) => b.writeUInt8(AF_BRIDGE, 0)),
        description: 'RTM_GETNEIGH dump, ndmsg family AF_BRIDGE',
      };
    case 'rule':
      return {
        type: RTM_GETRULE,
        header: header(FIB_RULE_HDR_LEN),
        description: 'RTM_GETRULE dump, fib_rule_hdr family AF_UNSPEC',
      };
    case 'nexthop':
      return {
        type: RTM_GETNEXTHOP,
        header: header(NHMSG_LEN),
        description: 'RTM_GETNEXTHOP dump, zeroed nhmsg',
      };
    case 'link':
      return {
        type: RTM_GETLINK,
        header: header(IFINFOMSG_LEN),
        attrs: new AttrBuilder().u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS).toBuffer(),
        description: 'RTM_GETLINK dump, IFLA_EXT_MASK RTEXT_FILTER_SKIP_STATS',
      };
    default:
      throw new Error(
        `unknown preset "${preset}"; use qdisc, class, stats, fdb, rule, nexthop or link`,
      );
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string' },
      out: { type: 'string' },
      netns: { type: 'string' },
      dev: { type: 'string' },
      scene: { type: 'string', default: '' },
    },
  });
  if (values.preset === undefined || values.out === undefined || values.netns === undefined) {
    throw new Error(
      'usage: capture-extended --preset NAME --out PATH --netns NAME [--dev DEVICE] [--scene TEXT]',
    );
  }
  const socket = NetlinkSocket.open(NETLINK_ROUTE, { netns: `/run/netns/${values.netns}` });
  try {
    const req = await request(values.preset, socket, values.dev);
    const reply = await socket.dump(req.type, req.header, req.attrs, { op: req.description });
    writeFileSync(
      `${values.out}.hex`,
      reply.datagrams.map((d) => d.toString('hex')).join('\n') + '\n',
    );
    const origin = {
      request: req.description,
      protocol: NETLINK_ROUTE,
      command:
        process.env['CAPTURE_COMMAND'] ??
        `node dist/scripts/capture-extended.js ${process.argv.slice(2).join(' ')}`,
      scene: values.scene,
      kernel: release(),
      arch: `${arch()} little-endian`,
      date: new Date().toISOString().slice(0, 10),
    };
    writeFileSync(`${values.out}.json`, JSON.stringify(origin, null, 2) + '\n');
    console.log(`${values.out}: ${reply.messages} messages in ${reply.datagrams.length} datagrams`);
  } finally {
    socket.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
