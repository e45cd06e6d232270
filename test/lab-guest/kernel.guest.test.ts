// Runs inside the kernel lab VM. Proves that the guest kernel provides each subsystem the
// collectors need and that the host's tools reach it, each test in its own network namespace.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertLabGuest, createNetns, type Netns, run, runJson } from './support.js';

assertLabGuest();

// Fixed WireGuard keys so that the dump is known in full; generated with `wg genkey`.
const WG_PRIVATE_KEY = 'QM8lJuXLFX+wmPEnYfoESGo3M0WWdUNFYSghb/sOdEU=';
const WG_PUBLIC_KEY = '6KiW48hpzKt3fZVcJmdTQ5VCxvEiK2DVdzMNpky282I=';
const WG_PEER_PUBLIC_KEY = 'cxHdAoaGzz9LrI5t4djaYr4Lm+IUC8LYngGiDVZ9AnQ=';

function addDummy(netns: Netns, name: string): void {
  run('ip', [
    '-n',
    netns.name,
    'link',
    'add',
    name,
    'address',
    '02:00:00:00:00:01',
    'type',
    'dummy',
  ]);
}

test('dummy link listed by ip -j link', (t) => {
  const netns = createNetns(t, 'dummy');
  addDummy(netns, 'nlx0');

  assert.deepStrictEqual(runJson('ip', ['-n', netns.name, '-j', 'link', 'show', 'dev', 'nlx0']), [
    {
      ifindex: 2,
      ifname: 'nlx0',
      flags: ['BROADCAST', 'NOARP'],
      mtu: 1500,
      qdisc: 'noop',
      operstate: 'DOWN',
      linkmode: 'DEFAULT',
      group: 'default',
      txqlen: 1000,
      link_type: 'ether',
      address: '02:00:00:00:00:01',
      broadcast: 'ff:ff:ff:ff:ff:ff',
    },
  ]);
});

test('wireguard interface in wg show dump', (t) => {
  const netns = createNetns(t, 'wg');
  run('ip', ['-n', netns.name, 'link', 'add', 'wg0', 'type', 'wireguard']);
  const keyDir = mkdtempSync(join(tmpdir(), 'nlx-wg-'));
  t.after(() => rmSync(keyDir, { recursive: true, force: true }));
  const keyFile = join(keyDir, 'private.key');
  writeFileSync(keyFile, `${WG_PRIVATE_KEY}\n`, { mode: 0o600 });
  netns.exec('wg', ['set', 'wg0', 'listen-port', '51820', 'private-key', keyFile]);
  netns.exec('wg', ['set', 'wg0', 'peer', WG_PEER_PUBLIC_KEY, 'allowed-ips', '10.0.0.2/32']);

  // Interface line: name, private key, public key, listen port, fwmark. Peer line: name,
  // public key, preshared key, endpoint, allowed IPs, last handshake, rx, tx, keepalive.
  assert.equal(
    netns.exec('wg', ['show', 'all', 'dump']),
    `wg0\t${WG_PRIVATE_KEY}\t${WG_PUBLIC_KEY}\t51820\toff\n` +
      `wg0\t${WG_PEER_PUBLIC_KEY}\t(none)\t(none)\t10.0.0.2/32\t0\t0\t0\toff\n`,
  );
});

test('ipvsadm lists an added service', (t) => {
  const netns = createNetns(t, 'ipvs');
  addDummy(netns, 'nlx0');
  // IPVS accepts a masqueraded real server only at an address the namespace can route.
  run('ip', ['-n', netns.name, 'address', 'add', '10.0.0.1/24', 'dev', 'nlx0']);
  run('ip', ['-n', netns.name, 'link', 'set', 'nlx0', 'up']);
  netns.exec('ipvsadm', ['-A', '-t', '10.0.0.1:80', '-s', 'rr']);
  netns.exec('ipvsadm', ['-a', '-t', '10.0.0.1:80', '-r', '10.0.0.2:80', '-m']);

  assert.equal(
    netns.exec('ipvsadm', ['-Ln']),
    'IP Virtual Server version 1.2.1 (size=4096)\n' +
      'Prot LocalAddress:Port Scheduler Flags\n' +
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n' +
      'TCP  10.0.0.1:80 rr\n' +
      '  -> 10.0.0.2:80                  Masq    1      0          0         \n',
  );
});

test('devlink lists a netdevsim device', (t) => {
  const netns = createNetns(t, 'nsim');
  // netdevsim ids are global to the guest, and this file is the only one that uses this id.
  const id = 721;
  // The device and its devlink instance are created in the namespace of the writing process.
  netns.exec('sh', ['-c', `echo "${id} 1" > /sys/bus/netdevsim/new_device`]);
  netns.onRemove(() => run('sh', ['-c', `echo ${id} > /sys/bus/netdevsim/del_device`]));

  assert.deepStrictEqual(netns.execJson('devlink', ['-j', 'dev', 'show']), {
    dev: { [`netdevsim/netdevsim${id}`]: {} },
  });
  assert.deepStrictEqual(runJson('devlink', ['-j', 'dev', 'show']), { dev: {} });
});

test('fq_codel qdisc can be added', (t) => {
  const netns = createNetns(t, 'qdisc');
  addDummy(netns, 'nlx0');
  run('tc', ['-n', netns.name, 'qdisc', 'add', 'dev', 'nlx0', 'root', 'handle', '1:', 'fq_codel']);

  assert.deepStrictEqual(runJson('tc', ['-n', netns.name, '-j', 'qdisc', 'show', 'dev', 'nlx0']), [
    {
      kind: 'fq_codel',
      handle: '1:',
      root: true,
      refcnt: 2,
      options: {
        limit: 10240,
        flows: 1024,
        quantum: 1514,
        target: 4999,
        interval: 99999,
        memory_limit: 33554432,
        ecn: true,
        drop_batch: 64,
      },
    },
  ]);
});

interface GenlFamily {
  name: string;
  version: number;
  multicastGroups: string[];
}

/** Reads the name, version and multicast group names from `genl ctrl get` output. */
function parseGenlFamily(output: string): GenlFamily {
  const name = /^Name: (\S+)$/m.exec(output)?.[1];
  const version = /\bVersion: (0x[0-9a-f]+)/.exec(output)?.[1];
  if (name === undefined || version === undefined) {
    throw new Error(`genl ctrl get printed no name or version:\n${output}`);
  }
  const groups = output.split('multicast groups:')[1] ?? '';
  const multicastGroups = [...groups.matchAll(/name: (\S+)/g)].map((match) => match[1]!);
  return { name, version: Number.parseInt(version, 16), multicastGroups };
}

test('genl resolves NET_DM only in the initial namespace', (t) => {
  // drop_monitor registers its generic netlink family for the initial namespace only, so this
  // test uses the guest's initial namespace and checks that a new namespace cannot see it.
  assert.deepStrictEqual(parseGenlFamily(run('genl', ['ctrl', 'get', 'name', 'NET_DM'])), {
    name: 'NET_DM',
    version: 2,
    multicastGroups: ['events'],
  });

  const netns = createNetns(t, 'netdm');
  assert.throws(() => netns.exec('genl', ['ctrl', 'get', 'name', 'NET_DM']), {
    message: `ip netns exec ${netns.name} genl ctrl get name NET_DM exited with 255: RTNETLINK answers: No such file or directory\nError talking to the kernel`,
  });
});
