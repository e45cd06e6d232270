// Network devices as /sys/class/net lists them. NB: sysfs shows the devices of the network
// namespace that was current when it was mounted, not that of the reading process.

import type { FileReader } from './paths.js';

/** Relative path under the sysfs root. */
export const NET_CLASS_PATH = 'class/net';

/** Directory of the devices that the kernel registers without a parent device. */
export const VIRTUAL_NET_PATH = 'devices/virtual/net';

// Entries of /sys/class/net that are files, not devices (bonding's control file).
const NOT_DEVICES = new Set(['bonding_masters']);

/**
 * Lists network device names sorted byte-wise that pass `allowed`, or returns undefined when
 * /sys/class/net is absent. Names the allowlist cannot read back are left out.
 */
export async function listNetDevices(
  reader: FileReader,
  allowed: (name: string) => boolean,
): Promise<string[] | undefined> {
  const names = await reader.list('sysfs', NET_CLASS_PATH);
  if (names === undefined) return undefined;
  return names.filter(
    (name) =>
      !NOT_DEVICES.has(name) &&
      name !== '.' &&
      name !== '..' &&
      /^[^/:\s]{1,15}$/.test(name) &&
      allowed(name),
  );
}

/**
 * Lists like {@link listNetDevices} but leaves out virtual devices (lo, veth, bridges,
 * tunnels ...), which /sys/devices/virtual/net lists. One listing replaces a failed lookup
 * per virtual device, which matters on hosts with thousands of veths.
 */
export async function listHardwareNetDevices(
  reader: FileReader,
  allowed: (name: string) => boolean,
): Promise<string[] | undefined> {
  const devices = await listNetDevices(reader, allowed);
  if (devices === undefined) return undefined;
  const virtual = new Set((await reader.list('sysfs', VIRTUAL_NET_PATH)) ?? []);
  return devices.filter((device) => !virtual.has(device));
}

// Reads for different devices overlap up to this many at a time. libuv runs file system
// calls on its thread pool, which has 4 threads unless UV_THREADPOOL_SIZE sets another size.
const DEVICE_CONCURRENCY = 8;

/**
 * Runs `read` for every device, at most 8 at a time, and returns the results in the order
 * of `devices`. The first rejection rejects the whole call.
 */
export async function readPerDevice<T>(
  devices: readonly string[],
  read: (device: string) => Promise<T>,
): Promise<Map<string, T>> {
  const results: T[] = new Array(devices.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < devices.length) {
      const index = next++;
      results[index] = await read(devices[index] as string);
    }
  };
  const workers = Array.from({ length: Math.min(DEVICE_CONCURRENCY, devices.length) }, worker);
  await Promise.all(workers);
  return new Map(devices.map((device, index) => [device, results[index] as T]));
}
