// Builds fixtures that the capture kernel cannot produce, from the struct layouts of the
// Linux 6.1 uapi headers, in the format of scripts/capture.ts (<out>.hex and <out>.json):
// - test/fixtures/tc/synthetic-pkt64: a qdisc whose packet count exceeds 2^32, so the kernel
//   sends TCA_STATS_PKT64 next to the truncated u32 in gnet_stats_basic (<linux/gen_stats.h>);
// - test/fixtures/tc/synthetic-xstats: qdiscs and classes of kinds this kernel lacks, each
//   with its TCA_STATS_APP struct from <linux/pkt_sched.h> filled with distinct values;
// - test/fixtures/rtnetlink-extended/synthetic-stats: RTM_NEWSTATS with the offload counters
//   (<linux/if_link.h>) and the MPLS link counters (<linux/mpls.h>) that need hardware or the
//   MPLS module.
// The kernel lab VM covers these kinds with real captures; until then these files stand in.
//
// Usage: npm run build && node dist/scripts/build-synthetic-fixtures.js

import { writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import {
  AF_MPLS,
  IF_STATS_MSG_LEN,
  IFLA_OFFLOAD_XSTATS_CPU_HIT,
  IFLA_OFFLOAD_XSTATS_L3_STATS,
  IFLA_STATS_AF_SPEC,
  IFLA_STATS_LINK_OFFLOAD_XSTATS,
  MPLS_STATS_LINK,
  RTM_NEWSTATS,
} from '../src/families/rtnetlink/constants.js';
import {
  RTM_NEWQDISC,
  RTM_NEWTCLASS,
  TC_H_ROOT,
  TCA_KIND,
  TCA_STATS_APP,
  TCA_STATS_BASIC,
  TCA_STATS_PKT64,
  TCA_STATS_QUEUE,
  TCA_STATS2,
  TCMSG_LEN,
} from '../src/families/tc/constants.js';
import { AttrBuilder } from '../src/netlink/attr.js';
import { NETLINK_ROUTE, NLM_F_MULTI } from '../src/netlink/constants.js';
import { encodeRequest } from '../src/netlink/message.js';

/** Builds one message as the kernel sends it in a dump reply (NLM_F_MULTI, sequence 1). */
function message(type: number, fixed: Buffer, attrs: Buffer): Buffer {
  return encodeRequest(type, NLM_F_MULTI, 1, fixed, attrs);
}

function u32s(...values: number[]): Buffer {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    buf.writeUInt32LE(v >>> 0, i * 4);
  });
  return buf;
}

function u64s(...values: bigint[]): Buffer {
  const buf = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => {
    buf.writeBigUInt64LE(v, i * 8);
  });
  return buf;
}

function tcmsg(ifindex: number, handle: number, parent: number): Buffer {
  const buf = Buffer.alloc(TCMSG_LEN);
  buf.writeInt32LE(ifindex, 4);
  buf.writeUInt32LE(handle >>> 0, 8);
  buf.writeUInt32LE(parent >>> 0, 12);
  return buf;
}

/** Statistics of one object: struct gnet_stats_basic padded to 16 bytes, and gnet_stats_queue. */
function stats2(bytes: bigint, packets: bigint, queue: number[], app?: Buffer): AttrBuilder {
  return new AttrBuilder().nested(TCA_STATS2, (inner) => {
    const basic = Buffer.alloc(16);
    basic.writeBigUInt64LE(bytes, 0);
    basic.writeUInt32LE(Number(packets & 0xffffffffn), 8);
    inner.bytes(TCA_STATS_BASIC, basic);
    if (packets > 0xffffffffn) inner.u64(TCA_STATS_PKT64, packets);
    inner.bytes(TCA_STATS_QUEUE, u32s(...queue));
    if (app !== undefined) inner.bytes(TCA_STATS_APP, app);
  });
}

function tcObject(
  type: number,
  ifindex: number,
  handle: number,
  parent: number,
  kind: string,
  stats: AttrBuilder,
): Buffer {
  const attrs = Buffer.concat([new AttrBuilder().str(TCA_KIND, kind).toBuffer(), stats.toBuffer()]);
  return message(type, tcmsg(ifindex, handle, parent), attrs);
}

function write(out: string, request: string, datagrams: Buffer[]): void {
  writeFileSync(`${out}.hex`, datagrams.map((d) => d.toString('hex')).join('\n') + '\n');
  const origin = {
    request,
    protocol: NETLINK_ROUTE,
    command: 'npm run build && node dist/scripts/build-synthetic-fixtures.js',
    scene: 'synthetic: built from the Linux 6.1 uapi struct layouts, not captured',
    kernel: 'none (synthetic)',
    arch: `${arch()} little-endian`,
    date: new Date().toISOString().slice(0, 10),
  };
  writeFileSync(`${out}.json`, JSON.stringify(origin, null, 2) + '\n');
  console.log(`${out}: ${datagrams.length} datagrams`);
}

const handle = (major: number, minor = 0): number => ((major << 16) | minor) >>> 0;

function pkt64(): void {
  // 6 000 000 000 packets: the u32 in gnet_stats_basic holds 6e9 mod 2^32 = 1705032704.
  const root = tcObject(
    RTM_NEWQDISC,
    2,
    handle(1),
    TC_H_ROOT,
    'htb',
    stats2(9_000_000_000_000n, 6_000_000_000n, [0, 0, 7, 0, 11]),
  );
  const leaf = tcObject(
    RTM_NEWQDISC,
    2,
    handle(0x10),
    handle(1, 0x10),
    'pfifo',
    stats2(8_999_000_000_000n, 5_999_000_000n, [2, 3000, 7, 1, 0]),
  );
  const cls = tcObject(
    RTM_NEWTCLASS,
    2,
    handle(1, 0x10),
    handle(1, 1),
    'htb',
    stats2(8_999_000_000_000n, 5_999_000_000n, [0, 0, 7, 0, 11], u32s(5, 6, 0, -1000, 2000)),
  );
  write(
    'test/fixtures/tc/synthetic-pkt64',
    'RTM_NEWQDISC and RTM_NEWTCLASS with TCA_STATS_PKT64 above 2^32',
    [Buffer.concat([root, leaf, cls])],
  );
}

function xstats(): void {
  const q = (index: number, major: number, kind: string, app?: Buffer): Buffer =>
    tcObject(
      RTM_NEWQDISC,
      3,
      handle(major),
      index === 0 ? TC_H_ROOT : handle(1, index),
      kind,
      stats2(BigInt(1000 * major), BigInt(major), [0, 0, major, 0, 0], app),
    );
  const c = (minor: number, kind: string, app: Buffer): Buffer =>
    tcObject(
      RTM_NEWTCLASS,
      3,
      handle(2, minor),
      handle(2),
      kind,
      stats2(BigInt(100 * minor), BigInt(minor), [0, 0, 0, 0, 0], app),
    );
  const qdiscs = [
    q(0, 1, 'mq'),
    // struct tc_fq_codel_xstats: type 0 (TCA_FQ_CODEL_XSTATS_QDISC), then tc_fq_codel_qd_stats.
    q(1, 0x11, 'fq_codel', u32s(0, 1514, 101, 102, 103, 104, 105, 106, 107, 108)),
    q(
      2,
      0x12,
      'fq',
      Buffer.concat([
        u64s(201n, 202n, 203n, 204n, 205n, 206n, 207n, 208n),
        u32s(209, 210, 211, 212),
        u64s(213n, 214n, 215n),
      ]),
    ),
    q(3, 0x13, 'codel', u32s(1500, 301, 302, 2500, 303, 304, 305, 1, 306)),
    q(4, 0x14, 'red', u32s(401, 402, 403, 404)),
    q(5, 0x15, 'choke', u32s(501, 502, 503, 504, 505)),
    q(6, 0x16, 'sfb', u32s(601, 602, 603, 604, 605, 606, 607, 608, 609)),
    q(7, 0x17, 'pie', Buffer.concat([u64s(701n), u32s(702, 703, 704, 705, 706, 707, 708, 709)])),
    q(8, 0x18, 'fq_pie', u32s(801, 802, 803, 804, 805, 806, 807, 808, 809)),
    q(9, 0x19, 'hhf', u32s(901, 902, 903, 904)),
    q(10, 2, 'hfsc'),
  ];
  const classes = [
    c(1, 'hfsc', Buffer.concat([u64s(1101n, 1102n), u32s(1103, 1104)])),
    c(2, 'drr', u32s(1201)),
    c(3, 'qfq', u32s(1301, 1302)),
    // An fq_codel flow (type 1, TCA_FQ_CODEL_XSTATS_CLASS): a flow bucket, not a class series.
    c(4, 'fq_codel', u32s(1, 1401, 1402, 1403, 1404, 1405, 1406)),
  ];
  write(
    'test/fixtures/tc/synthetic-xstats',
    'RTM_NEWQDISC and RTM_NEWTCLASS with TCA_STATS_APP of qdisc kinds the capture kernel lacks',
    [Buffer.concat(qdiscs), Buffer.concat(classes)],
  );
}

function linkStats(): void {
  const header = Buffer.alloc(IF_STATS_MSG_LEN);
  header.writeUInt32LE(2, 4);
  const cpuHit = u64s(...Array.from({ length: 25 }, (_, i) => BigInt(2100 + i)));
  const l3 = u64s(...Array.from({ length: 9 }, (_, i) => BigInt(3100 + i)));
  const mpls = u64s(...Array.from({ length: 9 }, (_, i) => BigInt(4100 + i)));
  const attrs = new AttrBuilder()
    .nested(IFLA_STATS_LINK_OFFLOAD_XSTATS, (o) => {
      o.bytes(IFLA_OFFLOAD_XSTATS_CPU_HIT, cpuHit);
      o.bytes(IFLA_OFFLOAD_XSTATS_L3_STATS, l3);
    })
    .nested(IFLA_STATS_AF_SPEC, (af) => af.nested(AF_MPLS, (m) => m.bytes(MPLS_STATS_LINK, mpls)));
  write(
    'test/fixtures/rtnetlink-extended/synthetic-stats',
    'RTM_NEWSTATS with offload CPU-hit, L3 and MPLS link counters for ifindex 2',
    [message(RTM_NEWSTATS, header, attrs.toBuffer())],
  );
}

pkt64();
xstats();
linkStats();
