// The sock_diag collector on a kernel that has raw_diag, which the CI kernel lacks: the same
// socket scene as the host kernel test, a raw socket included, compared with ss in the
// guest. The collector runs in this process, so no HTTP connection adds sockets.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { sockDiagCollector } from '../../src/collectors/sock_diag.js';
import { dumpInetSockets } from '../../src/families/sockdiag/client.js';
import { AF_INET, IPPROTO_MPTCP, IPPROTO_RAW } from '../../src/families/sockdiag/constants.js';
import { SocketTally } from '../../src/families/sockdiag/parse.js';
import { encodeFamilies } from '../../src/metrics/exposition.js';
import { NETLINK_SOCK_DIAG } from '../../src/netlink/constants.js';
import { isUnavailable } from '../../src/netlink/errors.js';
import { NetlinkSocket } from '../../src/netlink/socket.js';
import {
  dumpedProtocols,
  expectedSeries,
  type Optional,
  readSs,
  type SsRunner,
  type SsSocket,
  scrapedSeries,
} from '../kernel/sock_diag-ss.js';
import { testConfig, testContext } from '../support/config.js';
import { REPO_ROOT } from '../support/fixtures.js';
import { assertLabGuest, createNetns, type Netns, run } from './support.js';

assertLabGuest();

const SCENE = join(REPO_ROOT, 'test', 'kernel', 'sock_diag_scene.py');
/** ss reads take seconds under TCG, so SYN retransmits may fall between them more often. */
const ATTEMPTS = 10;

async function canDump(path: string, protocol: number): Promise<boolean> {
  const socket = NetlinkSocket.open(NETLINK_SOCK_DIAG, { netns: path });
  try {
    await dumpInetSockets(socket, AF_INET, protocol, new SocketTally('', ''), {}, 0);
    return true;
  } catch (err) {
    if (isUnavailable(err)) return false;
    throw err;
  } finally {
    socket.close();
  }
}

async function collect(path: string, byFamily: boolean): Promise<Record<string, string>> {
  const ctx = testContext(testConfig({ sockDiag: { byFamily } }), { netns: path });
  return scrapedSeries(encodeFamilies(await sockDiagCollector.collect(ctx), 'text'));
}

test('sock_diag matches ss with raw sockets', async (t) => {
  const netns: Netns = createNetns(t, 'sockdiag');
  const path = `/run/netns/${netns.name}`;
  run('ip', ['-n', netns.name, 'link', 'set', 'lo', 'up']);
  run('ip', ['-n', netns.name, 'link', 'add', 'nlxbh0', 'type', 'veth', 'peer', 'name', 'nlxbh1']);
  run('ip', ['-n', netns.name, 'link', 'set', 'nlxbh0', 'up']);
  run('ip', ['-n', netns.name, 'link', 'set', 'nlxbh1', 'up']);
  run('ip', ['-n', netns.name, 'addr', 'add', '192.0.2.1/24', 'dev', 'nlxbh0']);
  run('ip', [
    '-n',
    netns.name,
    'neigh',
    'add',
    '192.0.2.2',
    'lladdr',
    '02:00:00:00:00:02',
    'dev',
    'nlxbh0',
    'nud',
    'permanent',
  ]);

  const scene = spawn('ip', ['netns', 'exec', netns.name, 'python3', SCENE, 'full'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  netns.onRemove(() => {
    scene.stdin.end();
    if (scene.exitCode === null) scene.kill('SIGTERM');
  });
  let stderr = '';
  scene.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    scene.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('"ready"')) resolve();
    });
    scene.once('exit', (code) => reject(new Error(`socket scene exited with ${code}: ${stderr}`)));
  });

  const optional: Optional = {
    mptcp: await canDump(path, IPPROTO_MPTCP),
    raw: await canDump(path, IPPROTO_RAW),
  };
  assert.equal(optional.raw, true, 'the lab kernel dumps raw sockets');
  const ss: SsRunner = (...args) => netns.exec('ss', args);

  let result:
    | { sockets: SsSocket[]; merged: Record<string, string>; split: Record<string, string> }
    | undefined;
  for (let attempt = 0; attempt < ATTEMPTS && result === undefined; attempt++) {
    const before = readSs(ss, optional);
    const merged = await collect(path, false);
    const split = await collect(path, true);
    const after = readSs(ss, optional);
    if (JSON.stringify(before) === JSON.stringify(after))
      result = { sockets: before, merged, split };
  }
  assert.ok(
    result !== undefined,
    `the sockets kept changing between ss reads in ${ATTEMPTS} attempts`,
  );

  const dumped = dumpedProtocols(optional);
  assert.deepStrictEqual(result.merged, expectedSeries(result.sockets, dumped, false));
  assert.deepStrictEqual(result.split, expectedSeries(result.sockets, dumped, true));
  assert.equal(
    result.merged['nft_sockets{protocol="raw",state="unconnected"}'],
    '1',
    'the scene has one raw socket',
  );
});
