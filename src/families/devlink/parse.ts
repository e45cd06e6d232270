// Parsers from devlink generic netlink replies to readonly snapshots, after
// <linux/devlink.h> (Linux 6.1). Each takes the message body after the nlmsghdr: the 4-byte
// genlmsghdr and the attributes. No I/O, no logging.

import { GENL_HDRLEN } from '../../genl/family.js';
import { AttrCursor } from '../../netlink/attr.js';
import { DecodeError } from '../../netlink/errors.js';
import {
  DEVLINK_ATTR_BUS_NAME,
  DEVLINK_ATTR_DEV_NAME,
  DEVLINK_ATTR_HEALTH_REPORTER,
  DEVLINK_ATTR_HEALTH_REPORTER_DUMP_TS_NS,
  DEVLINK_ATTR_HEALTH_REPORTER_ERR_COUNT,
  DEVLINK_ATTR_HEALTH_REPORTER_NAME,
  DEVLINK_ATTR_HEALTH_REPORTER_RECOVER_COUNT,
  DEVLINK_ATTR_HEALTH_REPORTER_STATE,
  DEVLINK_ATTR_INFO_BOARD_SERIAL_NUMBER,
  DEVLINK_ATTR_INFO_DRIVER_NAME,
  DEVLINK_ATTR_INFO_SERIAL_NUMBER,
  DEVLINK_ATTR_INFO_VERSION_FIXED,
  DEVLINK_ATTR_INFO_VERSION_NAME,
  DEVLINK_ATTR_INFO_VERSION_RUNNING,
  DEVLINK_ATTR_INFO_VERSION_STORED,
  DEVLINK_ATTR_INFO_VERSION_VALUE,
  DEVLINK_ATTR_PORT_FLAVOUR,
  DEVLINK_ATTR_PORT_INDEX,
  DEVLINK_ATTR_PORT_NETDEV_NAME,
  DEVLINK_ATTR_PORT_NUMBER,
  DEVLINK_ATTR_PORT_TYPE,
} from './constants.js';

/** A devlink instance, named by bus and device (`netdevsim`, `netdevsim10`). */
export interface DevlinkDevice {
  readonly bus: string;
  readonly device: string;
}

/** A devlink port from DEVLINK_CMD_PORT_NEW. */
export interface DevlinkPort extends DevlinkDevice {
  readonly index: number;
  /** Port type (DEVLINK_PORT_TYPE_*). */
  readonly type: number | undefined;
  /** Port flavour (DEVLINK_PORT_FLAVOUR_*). */
  readonly flavour: number | undefined;
  /** Physical port number, for physical ports. */
  readonly number: number | undefined;
  /** Name of the port's netdev, for Ethernet ports that have one. */
  readonly netdev: string | undefined;
}

/** One version entry of DEVLINK_CMD_INFO_GET: a component name and its version. */
export interface DevlinkVersion {
  /** `fixed` (hardware), `running` (active firmware) or `stored` (flashed, active after reset). */
  readonly kind: 'fixed' | 'running' | 'stored';
  readonly name: string;
  readonly value: string;
}

/** Device information from DEVLINK_CMD_INFO_GET. */
export interface DevlinkInfo extends DevlinkDevice {
  readonly driver: string;
  readonly serialNumber: string;
  readonly boardSerialNumber: string;
  readonly versions: readonly DevlinkVersion[];
}

/** A health reporter of a device or one of its ports, from DEVLINK_CMD_HEALTH_REPORTER_GET. */
export interface HealthReporter extends DevlinkDevice {
  /** Port index for a port reporter; undefined for a device reporter. */
  readonly port: number | undefined;
  readonly name: string;
  /** DEVLINK_HEALTH_REPORTER_STATE_HEALTHY (0) or _ERROR (1). */
  readonly state: number;
  readonly errors: bigint;
  readonly recoveries: bigint;
  /** Wall-clock time in nanoseconds since the epoch of the dump the reporter holds, if any. */
  readonly dumpTimestampNs: bigint | undefined;
}

function attributes(buf: Buffer, start: number, end: number, what: string): AttrCursor {
  if (end - start < GENL_HDRLEN) {
    throw new DecodeError(
      `${what}/genlmsghdr`,
      `expected at least ${GENL_HDRLEN} bytes`,
      end - start,
    );
  }
  return new AttrCursor(buf, start + GENL_HDRLEN, end, what);
}

/** Parses one DEVLINK_CMD_NEW message of a DEVLINK_CMD_GET dump. Throws DecodeError. */
export function parseDevice(buf: Buffer, start: number, end: number): DevlinkDevice {
  const cursor = attributes(buf, start, end, 'DEVLINK_CMD_NEW');
  let bus = '';
  let device = '';
  while (cursor.next()) {
    switch (cursor.type) {
      case DEVLINK_ATTR_BUS_NAME:
        bus = cursor.str('DEVLINK_ATTR_BUS_NAME');
        break;
      case DEVLINK_ATTR_DEV_NAME:
        device = cursor.str('DEVLINK_ATTR_DEV_NAME');
        break;
    }
  }
  return { bus, device };
}

/** Parses one DEVLINK_CMD_PORT_NEW message of a DEVLINK_CMD_PORT_GET dump. Throws DecodeError. */
export function parsePort(buf: Buffer, start: number, end: number): DevlinkPort {
  const cursor = attributes(buf, start, end, 'DEVLINK_CMD_PORT_NEW');
  let bus = '';
  let device = '';
  let index: number | undefined;
  let type: number | undefined;
  let flavour: number | undefined;
  let number: number | undefined;
  let netdev: string | undefined;
  while (cursor.next()) {
    switch (cursor.type) {
      case DEVLINK_ATTR_BUS_NAME:
        bus = cursor.str('DEVLINK_ATTR_BUS_NAME');
        break;
      case DEVLINK_ATTR_DEV_NAME:
        device = cursor.str('DEVLINK_ATTR_DEV_NAME');
        break;
      case DEVLINK_ATTR_PORT_INDEX:
        index = cursor.u32('DEVLINK_ATTR_PORT_INDEX');
        break;
      case DEVLINK_ATTR_PORT_TYPE:
        type = cursor.u16('DEVLINK_ATTR_PORT_TYPE');
        break;
      case DEVLINK_ATTR_PORT_FLAVOUR:
        flavour = cursor.u16('DEVLINK_ATTR_PORT_FLAVOUR');
        break;
      case DEVLINK_ATTR_PORT_NUMBER:
        number = cursor.u32('DEVLINK_ATTR_PORT_NUMBER');
        break;
      case DEVLINK_ATTR_PORT_NETDEV_NAME:
        netdev = cursor.str('DEVLINK_ATTR_PORT_NETDEV_NAME');
        break;
    }
  }
  if (index === undefined)
    throw new DecodeError('DEVLINK_CMD_PORT_NEW/DEVLINK_ATTR_PORT_INDEX', 'missing', 0);
  return { bus, device, index, type, flavour, number, netdev };
}

/** Parses one DEVLINK_CMD_INFO_GET reply. Throws DecodeError. */
export function parseInfo(buf: Buffer, start: number, end: number): DevlinkInfo {
  const cursor = attributes(buf, start, end, 'DEVLINK_CMD_INFO_GET');
  let bus = '';
  let device = '';
  let driver = '';
  let serialNumber = '';
  let boardSerialNumber = '';
  const versions: DevlinkVersion[] = [];
  while (cursor.next()) {
    switch (cursor.type) {
      case DEVLINK_ATTR_BUS_NAME:
        bus = cursor.str('DEVLINK_ATTR_BUS_NAME');
        break;
      case DEVLINK_ATTR_DEV_NAME:
        device = cursor.str('DEVLINK_ATTR_DEV_NAME');
        break;
      case DEVLINK_ATTR_INFO_DRIVER_NAME:
        driver = cursor.str('DEVLINK_ATTR_INFO_DRIVER_NAME');
        break;
      case DEVLINK_ATTR_INFO_SERIAL_NUMBER:
        serialNumber = cursor.str('DEVLINK_ATTR_INFO_SERIAL_NUMBER');
        break;
      case DEVLINK_ATTR_INFO_BOARD_SERIAL_NUMBER:
        boardSerialNumber = cursor.str('DEVLINK_ATTR_INFO_BOARD_SERIAL_NUMBER');
        break;
      case DEVLINK_ATTR_INFO_VERSION_FIXED:
        versions.push(parseVersion(cursor.nested('DEVLINK_ATTR_INFO_VERSION_FIXED'), 'fixed'));
        break;
      case DEVLINK_ATTR_INFO_VERSION_RUNNING:
        versions.push(parseVersion(cursor.nested('DEVLINK_ATTR_INFO_VERSION_RUNNING'), 'running'));
        break;
      case DEVLINK_ATTR_INFO_VERSION_STORED:
        versions.push(parseVersion(cursor.nested('DEVLINK_ATTR_INFO_VERSION_STORED'), 'stored'));
        break;
    }
  }
  return { bus, device, driver, serialNumber, boardSerialNumber, versions };
}

function parseVersion(version: AttrCursor, kind: DevlinkVersion['kind']): DevlinkVersion {
  let name = '';
  let value = '';
  while (version.next()) {
    switch (version.type) {
      case DEVLINK_ATTR_INFO_VERSION_NAME:
        name = version.str('DEVLINK_ATTR_INFO_VERSION_NAME');
        break;
      case DEVLINK_ATTR_INFO_VERSION_VALUE:
        value = version.str('DEVLINK_ATTR_INFO_VERSION_VALUE');
        break;
    }
  }
  return { kind, name, value };
}

/**
 * Parses one DEVLINK_CMD_HEALTH_REPORTER_GET reply. The reporter's attributes are read from
 * the DEVLINK_ATTR_HEALTH_REPORTER nest, and from the top level too, where some kernels put
 * them. Throws DecodeError.
 */
export function parseHealthReporter(buf: Buffer, start: number, end: number): HealthReporter {
  const cursor = attributes(buf, start, end, 'DEVLINK_CMD_HEALTH_REPORTER_GET');
  const reporter = {
    bus: '',
    device: '',
    port: undefined as number | undefined,
    name: '',
    state: 0,
    errors: 0n,
    recoveries: 0n,
    dumpTimestampNs: undefined as bigint | undefined,
  };
  // NB: the nest is followed one level deep only, so a crafted message cannot recurse.
  const read = (c: AttrCursor, top: boolean): void => {
    while (c.next()) {
      switch (c.type) {
        case DEVLINK_ATTR_BUS_NAME:
          reporter.bus = c.str('DEVLINK_ATTR_BUS_NAME');
          break;
        case DEVLINK_ATTR_DEV_NAME:
          reporter.device = c.str('DEVLINK_ATTR_DEV_NAME');
          break;
        case DEVLINK_ATTR_PORT_INDEX:
          reporter.port = c.u32('DEVLINK_ATTR_PORT_INDEX');
          break;
        case DEVLINK_ATTR_HEALTH_REPORTER:
          if (top) read(c.nested('DEVLINK_ATTR_HEALTH_REPORTER'), false);
          break;
        case DEVLINK_ATTR_HEALTH_REPORTER_NAME:
          reporter.name = c.str('DEVLINK_ATTR_HEALTH_REPORTER_NAME');
          break;
        case DEVLINK_ATTR_HEALTH_REPORTER_STATE:
          reporter.state = c.u8('DEVLINK_ATTR_HEALTH_REPORTER_STATE');
          break;
        case DEVLINK_ATTR_HEALTH_REPORTER_ERR_COUNT:
          reporter.errors = c.u64('DEVLINK_ATTR_HEALTH_REPORTER_ERR_COUNT');
          break;
        case DEVLINK_ATTR_HEALTH_REPORTER_RECOVER_COUNT:
          reporter.recoveries = c.u64('DEVLINK_ATTR_HEALTH_REPORTER_RECOVER_COUNT');
          break;
        case DEVLINK_ATTR_HEALTH_REPORTER_DUMP_TS_NS:
          reporter.dumpTimestampNs = c.u64('DEVLINK_ATTR_HEALTH_REPORTER_DUMP_TS_NS');
          break;
      }
    }
  };
  read(cursor, true);
  return reporter;
}
