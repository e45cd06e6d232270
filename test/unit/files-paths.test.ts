import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listNetDevices, readPerDevice } from '../../src/files/netdev.js';
import {
  FileReader,
  type FileRoot,
  type FileSystem,
  isAllowedPath,
  PathNotAllowedError,
} from '../../src/files/paths.js';

/** A file system that records every call and serves a fixed tree of files and directories. */
function spyFileSystem(tree: Record<string, string | string[] | Error>): {
  fs: FileSystem;
  calls: string[];
} {
  const calls: string[] = [];
  const lookup = (path: string): string | string[] => {
    const entry = tree[path];
    if (entry instanceof Error) throw entry;
    if (entry === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return entry;
  };
  const fs: FileSystem = {
    readFile: async (path) => {
      calls.push(`readFile ${path}`);
      const entry = lookup(path);
      if (Array.isArray(entry)) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
      return Buffer.from(entry, 'utf8');
    },
    readdir: async (path) => {
      calls.push(`readdir ${path}`);
      const entry = lookup(path);
      if (!Array.isArray(entry)) throw Object.assign(new Error('ENOTDIR'), { code: 'ENOTDIR' });
      return entry.map((name) => Buffer.from(name, 'latin1'));
    },
    isDirectory: async (path) => {
      calls.push(`isDirectory ${path}`);
      return Array.isArray(lookup(path));
    },
  };
  return { fs, calls };
}

const ROOTS = { procfs: '/host/proc', sysfs: '/host/sys' };

describe('isAllowedPath', () => {
  const cases: { name: string; root: FileRoot; path: string; allowed: boolean }[] = [
    { name: 'softnet_stat', root: 'procfs', path: 'net/softnet_stat', allowed: true },
    { name: 'snmp', root: 'procfs', path: 'net/snmp', allowed: true },
    { name: 'snmp6', root: 'procfs', path: 'net/snmp6', allowed: true },
    { name: 'netstat', root: 'procfs', path: 'net/netstat', allowed: true },
    { name: 'sockstat', root: 'procfs', path: 'net/sockstat', allowed: true },
    { name: 'sockstat6', root: 'procfs', path: 'net/sockstat6', allowed: true },
    { name: 'softirqs', root: 'procfs', path: 'softirqs', allowed: true },
    { name: 'interrupts', root: 'procfs', path: 'interrupts', allowed: true },
    { name: 'own auxv', root: 'procfs', path: 'self/auxv', allowed: true },
    { name: 'another process auxv', root: 'procfs', path: '1/auxv', allowed: false },
    { name: 'process environment', root: 'procfs', path: 'self/environ', allowed: false },
    { name: 'kcore', root: 'procfs', path: 'kcore', allowed: false },
    { name: 'net/dev', root: 'procfs', path: 'net/dev', allowed: false },
    { name: 'procfs file under sysfs root', root: 'sysfs', path: 'net/snmp', allowed: false },
    { name: 'sysfs file under procfs root', root: 'procfs', path: 'class/net', allowed: false },
    { name: 'parent escape', root: 'procfs', path: 'net/../../etc/shadow', allowed: false },
    { name: 'dot segment', root: 'procfs', path: 'net/./snmp', allowed: false },
    { name: 'absolute path', root: 'procfs', path: '/etc/passwd', allowed: false },
    { name: 'double slash', root: 'procfs', path: 'net//snmp', allowed: false },
    { name: 'trailing slash', root: 'procfs', path: 'net/snmp/', allowed: false },
    { name: 'NUL byte', root: 'procfs', path: 'net/snmp\0', allowed: false },
    { name: 'empty path', root: 'procfs', path: '', allowed: false },
    { name: 'class/net listing', root: 'sysfs', path: 'class/net', allowed: true },
    { name: 'queues listing', root: 'sysfs', path: 'class/net/eth0/queues', allowed: true },
    {
      name: 'BQL limit',
      root: 'sysfs',
      path: 'class/net/eth0/queues/tx-12/byte_queue_limits/limit',
      allowed: true,
    },
    {
      name: 'BQL inflight',
      root: 'sysfs',
      path: 'class/net/eth0/queues/tx-0/byte_queue_limits/inflight',
      allowed: true,
    },
    {
      name: 'BQL limit_max',
      root: 'sysfs',
      path: 'class/net/eth0/queues/tx-0/byte_queue_limits/limit_max',
      allowed: false,
    },
    {
      name: 'receive queue',
      root: 'sysfs',
      path: 'class/net/eth0/queues/rx-0/byte_queue_limits/limit',
      allowed: false,
    },
    {
      name: 'link speed',
      root: 'sysfs',
      path: 'class/net/eth0/device/current_link_speed',
      allowed: true,
    },
    {
      name: 'max width',
      root: 'sysfs',
      path: 'class/net/eth0/device/max_link_width',
      allowed: true,
    },
    {
      name: 'AER fatal',
      root: 'sysfs',
      path: 'class/net/eth0/device/aer_dev_fatal',
      allowed: true,
    },
    { name: 'physfn', root: 'sysfs', path: 'class/net/eth0/device/physfn', allowed: true },
    {
      name: 'PCI config space',
      root: 'sysfs',
      path: 'class/net/eth0/device/config',
      allowed: false,
    },
    { name: 'PCI BAR', root: 'sysfs', path: 'class/net/eth0/device/resource0', allowed: false },
    { name: 'hwmon listing', root: 'sysfs', path: 'class/net/eth0/device/hwmon', allowed: true },
    {
      name: 'hwmon directory',
      root: 'sysfs',
      path: 'class/net/eth0/device/hwmon/hwmon3',
      allowed: true,
    },
    {
      name: 'hwmon name',
      root: 'sysfs',
      path: 'class/net/eth0/device/hwmon/hwmon3/name',
      allowed: true,
    },
    {
      name: 'temperature input',
      root: 'sysfs',
      path: 'class/net/eth0/device/hwmon/hwmon3/temp12_input',
      allowed: true,
    },
    {
      name: 'pwm control',
      root: 'sysfs',
      path: 'class/net/eth0/device/hwmon/hwmon3/pwm1',
      allowed: false,
    },
    {
      name: 'device name of 15 bytes',
      root: 'sysfs',
      path: 'class/net/abcdefghijklmno/queues',
      allowed: true,
    },
    {
      name: 'device name of 16 bytes',
      root: 'sysfs',
      path: 'class/net/abcdefghijklmnop/queues',
      allowed: false,
    },
    { name: 'device named dot-dot', root: 'sysfs', path: 'class/net/../queues', allowed: false },
    {
      name: 'device name with colon',
      root: 'sysfs',
      path: 'class/net/eth0:1/queues',
      allowed: false,
    },
    {
      name: 'device name with space',
      root: 'sysfs',
      path: 'class/net/eth 0/queues',
      allowed: false,
    },
    { name: 'other sysfs class', root: 'sysfs', path: 'class/block', allowed: false },
  ];
  for (const c of cases) {
    it(`${c.allowed ? 'allows' : 'rejects'} ${c.name}`, () => {
      assert.equal(isAllowedPath(c.root, c.path), c.allowed);
    });
  }
});

describe('FileReader', () => {
  it('rejects a path before any call', async () => {
    const { fs, calls } = spyFileSystem({ '/host/proc/kcore': 'secret' });
    const reader = new FileReader(ROOTS, fs);
    await assert.rejects(reader.readText('procfs', 'kcore'), (err: unknown) => {
      assert.ok(err instanceof PathNotAllowedError);
      assert.deepEqual(
        { code: err.code, root: err.root, relPath: err.relPath, message: err.message },
        {
          code: 'NLX_ERR_PATH_NOT_ALLOWED',
          root: 'procfs',
          relPath: 'kcore',
          message:
            'reading procfs path "kcore" is not allowed; the file collectors read only the ' +
            'allowlisted files in src/files/paths.ts',
        },
      );
      return true;
    });
    await assert.rejects(reader.list('sysfs', 'class/block'), PathNotAllowedError);
    await assert.rejects(reader.isDirectory('sysfs', 'class/net/../..'), PathNotAllowedError);
    await assert.rejects(reader.readBytes('procfs', 'net/../../etc/shadow'), PathNotAllowedError);
    assert.deepEqual(calls, []);
  });

  it('reads below the configured roots', async () => {
    const { fs, calls } = spyFileSystem({
      '/host/proc/net/snmp': 'Ip: Forwarding\nIp: 1\n',
      '/host/sys/class/net/eth0/device/physfn': [],
    });
    const reader = new FileReader(ROOTS, fs);
    assert.equal(await reader.readText('procfs', 'net/snmp'), 'Ip: Forwarding\nIp: 1\n');
    assert.equal(await reader.isDirectory('sysfs', 'class/net/eth0/device/physfn'), true);
    assert.deepEqual(calls, [
      'readFile /host/proc/net/snmp',
      'isDirectory /host/sys/class/net/eth0/device/physfn',
    ]);
  });

  it('returns undefined for absent files', async () => {
    const { fs } = spyFileSystem({
      '/host/sys/class/net/eth0/device/current_link_speed': Object.assign(new Error('EINVAL'), {
        code: 'EINVAL',
      }),
    });
    const reader = new FileReader(ROOTS, fs);
    assert.equal(await reader.readText('procfs', 'net/snmp6'), undefined);
    assert.equal(await reader.list('sysfs', 'class/net'), undefined);
    assert.equal(await reader.isDirectory('sysfs', 'class/net/eth0/device/physfn'), false);
    assert.equal(
      await reader.readText('sysfs', 'class/net/eth0/device/current_link_speed'),
      undefined,
    );
  });

  it('throws permission errors', async () => {
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const { fs } = spyFileSystem({ '/host/proc/net/snmp': denied });
    const reader = new FileReader(ROOTS, fs);
    await assert.rejects(reader.readText('procfs', 'net/snmp'), denied);
  });

  it('sorts listings and drops non-UTF-8 names', async () => {
    const { fs } = spyFileSystem({ '/host/sys/class/net': ['veth1', 'eth0', 'caf\xe9', 'br-lan'] });
    const reader = new FileReader(ROOTS, fs);
    assert.deepEqual(await reader.list('sysfs', 'class/net'), ['br-lan', 'eth0', 'veth1']);
  });
});

describe('listNetDevices', () => {
  it('leaves out bonding_masters and filtered names', async () => {
    const { fs } = spyFileSystem({
      '/host/sys/class/net': ['bonding_masters', 'eth0', 'eth1', 'lo'],
    });
    const reader = new FileReader(ROOTS, fs);
    assert.deepEqual(await listNetDevices(reader, (name) => name !== 'eth1'), ['eth0', 'lo']);
  });
});

describe('readPerDevice', () => {
  it('keeps device order with overlapping reads', async () => {
    const devices = Array.from({ length: 20 }, (_, i) => `veth${i}`);
    let running = 0;
    let maxRunning = 0;
    const results = await readPerDevice(devices, async (device) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 20 - Number(device.slice(4))));
      running--;
      return device.toUpperCase();
    });
    assert.deepEqual(
      [...results.entries()],
      devices.map((d) => [d, d.toUpperCase()]),
    );
    assert.equal(maxRunning, 8);
  });

  it('returns an empty map without devices', async () => {
    assert.deepEqual(await readPerDevice([], async () => 1), new Map());
  });
});
