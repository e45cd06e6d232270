// devlink parsers and collector on dumps captured from netdevsim in the kernel lab VM
// (scripts/capture-genl.sh lab devlink): whole snapshots and the golden exposition.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DevlinkSnapshot, devlinkFamilies } from '../../src/collectors/devlink.js';
import {
  parseDevice,
  parseHealthReporter,
  parseInfo,
  parsePort,
} from '../../src/families/devlink/parse.js';
import { forEachMessage } from '../../src/netlink/message.js';
import { loadDatagrams } from '../support/fixtures.js';
import { assertGolden, assertPromtoolClean, encodeChecked } from '../support/golden-file.js';

function parseAll<T>(name: string, parse: (b: Buffer, s: number, e: number) => T): T[] {
  const out: T[] = [];
  forEachMessage(loadDatagrams('devlink', name), (buf, _type, _flags, start, end) => {
    out.push(parse(buf, start, end));
  });
  return out;
}

const NSIM = { bus: 'netdevsim', device: 'netdevsim902' };

test('device dump lists netdevsim', () => {
  assert.deepStrictEqual(parseAll('dev', parseDevice), [NSIM]);
});

test('port dump lists two physical ports', () => {
  assert.deepStrictEqual(parseAll('port', parsePort), [
    { ...NSIM, index: 0, type: 2, flavour: 0, number: 1, netdev: 'eni902np1' },
    { ...NSIM, index: 1, type: 2, flavour: 0, number: 2, netdev: 'eni902np2' },
  ]);
});

test('info dump has driver and versions', () => {
  assert.deepStrictEqual(parseAll('info', parseInfo), [
    {
      ...NSIM,
      driver: 'netdevsim',
      serialNumber: '',
      boardSerialNumber: '',
      versions: [
        { kind: 'stored', name: 'fw.mgmt', value: '10.20.30' },
        { kind: 'running', name: 'fw.mgmt', value: '10.20.30' },
      ],
    },
  ]);
});

test('health dump counts the broken reporter', () => {
  assert.deepStrictEqual(parseAll('health', parseHealthReporter), [
    {
      ...NSIM,
      port: undefined,
      name: 'empty',
      state: 0,
      errors: 0n,
      recoveries: 0n,
      dumpTimestampNs: undefined,
    },
    {
      ...NSIM,
      port: undefined,
      name: 'dummy',
      state: 0,
      errors: 1n,
      recoveries: 1n,
      dumpTimestampNs: 1796418939881743960n,
    },
  ]);
});

function snapshot(): DevlinkSnapshot {
  return {
    devices: parseAll('dev', parseDevice),
    ports: parseAll('port', parsePort),
    info: parseAll('info', parseInfo),
    reporters: parseAll('health', parseHealthReporter),
  };
}

test('exposition matches the golden file', () => {
  assertGolden('devlink.prom', encodeChecked(devlinkFamilies(snapshot()), 'text'));
});

test('exposition passes promtool', (t) => {
  assertPromtoolClean(t, encodeChecked(devlinkFamilies(snapshot()), 'text'));
});

test('device without ports counts zero', () => {
  const families = devlinkFamilies({ devices: [NSIM], ports: [], info: [], reporters: [] });
  const ports = families.find((f) => f.desc.name === 'nft_devlink_ports');
  assert.deepStrictEqual(ports?.samples, [{ labels: ['netdevsim', 'netdevsim902'], value: 0 }]);
});
