// The xfrm collector end to end: SAs and policies made with `ip xfrm` in a fresh namespace,
// the real exporter running there, and every series checked against `ip -s xfrm`.
//
// Kernels without ESP, AH and IPcomp transforms (CONFIG_INET_ESP and friends unset, as on the
// CI machine) reject complete SAs of those protocols with "Requested type not found", and
// without CONFIG_IPV6_MIP6 route2 and hao SAs too. Larval SAs (`ip xfrm state allocspi`)
// need no transform, so the host test uses them; SAs with traffic run in the kernel lab VM.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { startExporter } from '../support/exporter.js';
import { REPO_ROOT } from '../support/fixtures.js';
import { requireKernel, type TestNamespace, testNamespace } from '../support/netns.js';
import { expectedSeries, scrapedSeries } from './xfrm-ip.js';

const SOCKET_POLICIES = join(REPO_ROOT, 'test', 'kernel', 'xfrm_socket_policies.py');

/** Larval SAs by addresses, protocol and mode. */
const SAS = [
  'src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel reqid 7',
  'src 10.0.0.1 dst 10.0.0.3 proto esp mode tunnel',
  'src 10.0.0.1 dst 10.0.0.4 proto esp mode transport',
  'src 10.0.0.1 dst 10.0.0.5 proto esp mode beet',
  'src 2001:db8::1 dst 2001:db8::2 proto ah mode transport',
  'src 10.0.0.1 dst 10.0.0.6 proto comp mode tunnel',
];

/** Policies in every direction with both actions, a sub policy and an IPv6 one. */
const POLICIES = [
  'src 10.1.0.0/24 dst 10.0.0.0/24 dir out action allow tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel',
  'src 10.2.0.0/24 dst 10.0.0.0/24 dir out action block',
  'src fd00::/64 dst fd01::/64 dir out priority 5 tmpl src fd00::1 dst fd01::1 proto esp mode tunnel',
  'src 10.0.0.0/24 dst 10.1.0.0/24 dir in action allow',
  'src 10.0.0.0/24 dst 10.2.0.0/24 dir in ptype sub action block',
  'src 10.3.0.0/24 dst 10.4.0.0/24 dir fwd action allow',
  'src 10.5.0.0/24 dst 10.6.0.0/24 dir fwd action block',
];

/** Runs the socket policy helper in `ns` until the test ends. */
async function holdSocketPolicies(
  t: TestContext,
  ns: TestNamespace,
  inbound: number,
  outbound: number,
): Promise<void> {
  const child = spawn(
    'ip',
    ['netns', 'exec', ns.name, 'python3', SOCKET_POLICIES, String(inbound), String(outbound)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  t.after(() => {
    child.stdin.end();
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (chunk.includes('ready')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`socket policy helper exited with ${code}: ${stderr}`)),
    );
  });
}

test('xfrm matches ip -s xfrm', async (t) => {
  if (!requireKernel(t)) return;
  const ns = testNamespace(t, 'xfrm');
  // Larval SAs expire after net.core.xfrm_acq_expires seconds (30 by default).
  ns.exec('sysctl', '-qw', 'net.core.xfrm_acq_expires=3600');
  ns.ipBatch([
    ...SAS.map((sa) => `xfrm state allocspi ${sa}`),
    ...POLICIES.map((policy) => `xfrm policy add ${policy}`),
  ]);
  await holdSocketPolicies(t, ns, 1, 2);
  const exporter = await startExporter(ns);
  t.after(() => exporter.stop());

  const response = exporter.get('/metrics?collect[]=xfrm');
  assert.equal(response.status, 200);
  const now = BigInt(Math.floor(Date.now() / 1000));
  const expected = expectedSeries(ns.ip, now);
  assert.deepStrictEqual(scrapedSeries(response.body), expected);

  // The scene itself, so that a scene that failed to build cannot pass unnoticed.
  assert.deepStrictEqual(
    {
      esp: expected['nft_xfrm_security_associations{proto="esp",mode="tunnel"}'],
      comp: expected['nft_xfrm_security_associations{proto="comp",mode="tunnel"}'],
      subIn: expected['nft_xfrm_security_policies{dir="in",action="block"}'],
      socketOut: expected['nft_xfrm_socket_policies{dir="out"}'],
    },
    { esp: '2', comp: '1', subIn: '1', socketOut: '2' },
  );
});
