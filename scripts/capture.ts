// Records one netlink request and the kernel's reply datagrams as a test fixture:
// <out>.hex holds one datagram per line in hex, and <out>.json notes the request, the
// command that made the capture, the scene, the kernel version, the architecture and the date.
//
// Usage: npm run capture -- --preset NAME --out test/fixtures/FAMILY/CASE [--netns NAME]
//        [--scene "what the namespace held"] [--arg VALUE]
// Presets: rtm_getlink, rtm_getaddr, rtm_getroute, rtm_getneigh, the generic netlink
// presets of scripts/genl-presets.ts (some take --arg, a device name or a count), and the
// sock_diag and XFRM presets of scripts/request-presets.ts, and the conntrack and nftables
// presets of scripts/netfilter-presets.ts (nft_getsetelem takes --arg FAMILY:TABLE:SET).

import { writeFileSync } from 'node:fs';
import { arch, release } from 'node:os';
import { parseArgs } from 'node:util';
import {
  NETLINK_GENERIC,
  NETLINK_NETFILTER,
  NETLINK_ROUTE,
  NLM_F_DUMP,
  NLM_F_REQUEST,
} from '../src/netlink/constants.js';
import { NetlinkSocket } from '../src/netlink/socket.js';
import { captureGenl, GENL_PRESETS } from './genl-presets.js';
import { captureNetfilter, NETFILTER_PRESETS } from './netfilter-presets.js';
import { captureRequest, REQUEST_PRESETS } from './request-presets.js';

interface Preset {
  readonly protocol: number;
  readonly type: number;
  readonly typeName: string;
  readonly headerLength: number;
}

const PRESETS: Readonly<Record<string, Preset>> = {
  rtm_getlink: { protocol: NETLINK_ROUTE, type: 18, typeName: 'RTM_GETLINK', headerLength: 16 },
  rtm_getaddr: { protocol: NETLINK_ROUTE, type: 22, typeName: 'RTM_GETADDR', headerLength: 8 },
  rtm_getroute: { protocol: NETLINK_ROUTE, type: 26, typeName: 'RTM_GETROUTE', headerLength: 12 },
  rtm_getneigh: { protocol: NETLINK_ROUTE, type: 30, typeName: 'RTM_GETNEIGH', headerLength: 12 },
};

/** Sidecar of a fixture: where its bytes came from. */
export interface FixtureOrigin {
  readonly request: string;
  readonly protocol: number;
  readonly command: string;
  readonly scene: string;
  readonly kernel: string;
  readonly arch: string;
  readonly date: string;
}

/** Writes the datagrams and their origin sidecar to `<out>.hex` and `<out>.json`. */
function writeCapture(
  out: string,
  datagrams: readonly Buffer[],
  request: string,
  protocol: number,
  scene: string,
): void {
  writeFileSync(`${out}.hex`, datagrams.map((d) => d.toString('hex')).join('\n') + '\n');
  const origin: FixtureOrigin = {
    request,
    protocol,
    command:
      process.env['CAPTURE_COMMAND'] ?? `npm run capture -- ${process.argv.slice(2).join(' ')}`,
    scene,
    kernel: release(),
    arch: `${arch()} little-endian`,
    date: new Date().toISOString().slice(0, 10),
  };
  writeFileSync(`${out}.json`, JSON.stringify(origin, null, 2) + '\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string' },
      out: { type: 'string' },
      netns: { type: 'string' },
      scene: { type: 'string', default: '' },
      arg: { type: 'string' },
    },
  });
  const genl = values.preset === undefined ? undefined : GENL_PRESETS[values.preset];
  const preset = values.preset === undefined ? undefined : PRESETS[values.preset];
  const request = values.preset === undefined ? undefined : REQUEST_PRESETS[values.preset];
  const netfilter = values.preset === undefined ? undefined : NETFILTER_PRESETS[values.preset];
  if (
    (preset === undefined &&
      genl === undefined &&
      request === undefined &&
      netfilter === undefined) ||
    values.out === undefined
  ) {
    const names = [
      ...Object.keys(PRESETS),
      ...Object.keys(GENL_PRESETS),
      ...Object.keys(REQUEST_PRESETS),
      ...Object.keys(NETFILTER_PRESETS),
    ].join('|');
    throw new Error(
      `usage: capture --preset ${names} --out PATH [--netns NAME] [--scene TEXT] [--arg VALUE]`,
    );
  }
  const netns = values.netns === undefined ? undefined : `/run/netns/${values.netns}`;
  if (genl !== undefined) {
    const socket = NetlinkSocket.open(NETLINK_GENERIC, netns === undefined ? {} : { netns });
    try {
      const reply = await captureGenl(socket, genl, values.arg);
      writeCapture(values.out, reply.datagrams, reply.request, NETLINK_GENERIC, values.scene);
      console.log(
        `${values.out}: ${reply.messages} messages in ${reply.datagrams.length} datagrams`,
      );
    } finally {
      socket.close();
    }
    return;
  }
  if (request !== undefined) {
    const socket = NetlinkSocket.open(request.protocol, netns === undefined ? {} : { netns });
    try {
      const reply = await captureRequest(socket, request);
      writeCapture(values.out, reply.datagrams, reply.request, request.protocol, values.scene);
      console.log(
        `${values.out}: ${reply.messages} messages in ${reply.datagrams.length} datagrams`,
      );
    } finally {
      socket.close();
    }
    return;
  }
  if (netfilter !== undefined) {
    const socket = NetlinkSocket.open(NETLINK_NETFILTER, netns === undefined ? {} : { netns });
    try {
      const reply = await captureNetfilter(socket, netfilter, values.arg);
      writeCapture(values.out, reply.datagrams, reply.request, NETLINK_NETFILTER, values.scene);
      console.log(
        `${values.out}: ${reply.messages} messages in ${reply.datagrams.length} datagrams`,
      );
    } finally {
      socket.close();
    }
    return;
  }
  if (preset === undefined) return;
  const socket = NetlinkSocket.open(preset.protocol, netns === undefined ? {} : { netns });
  try {
    const reply = await socket.dump(preset.type, new Uint8Array(preset.headerLength), undefined, {
      op: `dump ${preset.typeName}`,
    });
    writeFileSync(
      `${values.out}.hex`,
      reply.datagrams.map((d) => d.toString('hex')).join('\n') + '\n',
    );
    const origin: FixtureOrigin = {
      request: `${preset.typeName} flags=0x${(NLM_F_REQUEST | NLM_F_DUMP).toString(16)} zeroed ${preset.headerLength}-byte header`,
      protocol: preset.protocol,
      command:
        process.env['CAPTURE_COMMAND'] ?? `npm run capture -- ${process.argv.slice(2).join(' ')}`,
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
