// Parser and reader for the PCIe link and AER files of a network device's PCI function:
//   /sys/class/net/<dev>/device/{current,max}_link_{speed,width}  (drivers/pci/pci-sysfs.c)
//     speed "16.0 GT/s PCIe" (older kernels: "8 GT/s"), or "Unknown" when not trained;
//     width a decimal lane count
//   /sys/class/net/<dev>/device/aer_dev_{correctable,fatal,nonfatal}  (drivers/pci/pcie/aer.c)
//     "RxErr 0" per error bit, then "TOTAL_ERR_COR 3": the number of error messages the
//     device reported. One message can set several bits, so the TOTAL_ line is the count
//     of errors, and the per-bit lines are not summed.
// SR-IOV virtual functions (device/physfn exists) share their parent's link and are skipped.

import { omitUndefined } from './defined.js';
import { listHardwareNetDevices, readPerDevice } from './netdev.js';
import type { FileReader } from './paths.js';

/** Raw file texts of one device. A field is left out when its file is absent. */
export interface PcieFiles {
  readonly currentLinkSpeed?: string;
  readonly currentLinkWidth?: string;
  readonly maxLinkSpeed?: string;
  readonly maxLinkWidth?: string;
  readonly aerCorrectable?: string;
  readonly aerFatal?: string;
  readonly aerNonfatal?: string;
  /** Whether device/physfn exists, which marks an SR-IOV virtual function. */
  readonly virtualFunction: boolean;
}

/** Link state and AER totals of one device. A field is left out when the kernel gave none. */
export interface PcieDevice {
  readonly device: string;
  readonly currentSpeedGts?: number;
  readonly currentWidth?: number;
  readonly maxSpeedGts?: number;
  readonly maxWidth?: number;
  readonly aerCorrectable?: bigint;
  readonly aerFatal?: bigint;
  readonly aerNonfatal?: bigint;
}

/** Devices sorted by name and the malformed files or lines skipped. */
export interface PcieSnapshot {
  readonly devices: readonly PcieDevice[];
  readonly skipped: number;
}

const SPEED = /^(\d{1,3}(?:\.\d{1,2})?) GT\/s(?: PCIe)?$/;
const UNKNOWN_SPEED = /^Unknown( speed)?$/;
const WIDTH = /^\d{1,3}$/;
const AER_LINE = /^(\S+) (\d{1,20})$/;

type Counter = { skipped: number };

function parseSpeed(text: string | undefined, count: Counter): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  const match = SPEED.exec(trimmed);
  if (match !== null) return Number(match[1]);
  if (!UNKNOWN_SPEED.test(trimmed)) count.skipped++;
  return undefined;
}

function parseWidth(text: string | undefined, count: Counter): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (WIDTH.test(trimmed)) return Number(trimmed);
  count.skipped++;
  return undefined;
}

/**
 * Returns the value of the "TOTAL_" line of an aer_dev_* file. Each line that is not
 * "Name value" is skipped and counted, and so is a file without a TOTAL_ line.
 */
function parseAerTotal(text: string | undefined, count: Counter): bigint | undefined {
  if (text === undefined) return undefined;
  let total: bigint | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const match = AER_LINE.exec(line.trim());
    if (match === null) {
      count.skipped++;
      continue;
    }
    if (match[1]?.startsWith('TOTAL_')) total = BigInt(match[2] ?? '0');
  }
  if (total === undefined) count.skipped++;
  return total;
}

/**
 * Builds one entry per device that has a current_link_speed file and is not a virtual
 * function. Files that do not parse are skipped and counted.
 */
export function parsePcie(files: ReadonlyMap<string, PcieFiles>): PcieSnapshot {
  const count: Counter = { skipped: 0 };
  const devices: PcieDevice[] = [];
  for (const [device, f] of files) {
    if (f.virtualFunction || f.currentLinkSpeed === undefined) continue;
    const fields = omitUndefined({
      currentSpeedGts: parseSpeed(f.currentLinkSpeed, count),
      currentWidth: parseWidth(f.currentLinkWidth, count),
      maxSpeedGts: parseSpeed(f.maxLinkSpeed, count),
      maxWidth: parseWidth(f.maxLinkWidth, count),
      aerCorrectable: parseAerTotal(f.aerCorrectable, count),
      aerFatal: parseAerTotal(f.aerFatal, count),
      aerNonfatal: parseAerTotal(f.aerNonfatal, count),
    });
    devices.push({ device, ...fields });
  }
  return { devices, skipped: count.skipped };
}

/**
 * Reads the PCIe files of one device. A device without current_link_speed is no PCI function,
 * so its other files are not looked up.
 */
export async function readPcieFiles(reader: FileReader, device: string): Promise<PcieFiles> {
  const base = `class/net/${device}/device`;
  const read = (name: string): Promise<string | undefined> =>
    reader.readText('sysfs', `${base}/${name}`);
  const currentLinkSpeed = await read('current_link_speed');
  if (currentLinkSpeed === undefined) return { virtualFunction: false };
  if (await reader.isDirectory('sysfs', `${base}/physfn`)) return { virtualFunction: true };
  const [currentLinkWidth, maxLinkSpeed, maxLinkWidth, aerCorrectable, aerFatal, aerNonfatal] =
    await Promise.all([
      read('current_link_width'),
      read('max_link_speed'),
      read('max_link_width'),
      read('aer_dev_correctable'),
      read('aer_dev_fatal'),
      read('aer_dev_nonfatal'),
    ]);
  const texts = omitUndefined({
    currentLinkSpeed,
    currentLinkWidth,
    maxLinkSpeed,
    maxLinkWidth,
    aerCorrectable,
    aerFatal,
    aerNonfatal,
  });
  return { ...texts, virtualFunction: false };
}

/**
 * Reads the PCIe files of the non-virtual devices under /sys/class/net that pass `allowed`.
 * Returns undefined when /sys/class/net is absent.
 */
export async function readPcie(
  reader: FileReader,
  allowed: (name: string) => boolean,
): Promise<PcieSnapshot | undefined> {
  const devices = await listHardwareNetDevices(reader, allowed);
  if (devices === undefined) return undefined;
  return parsePcie(await readPerDevice(devices, (device) => readPcieFiles(reader, device)));
}
