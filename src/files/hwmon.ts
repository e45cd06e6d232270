// Parser and reader for NIC temperature sensors that the driver registers with hwmon:
//   /sys/class/net/<dev>/device/hwmon/hwmon<n>/name           chip name, for example "ixgbe"
//   /sys/class/net/<dev>/device/hwmon/hwmon<n>/temp<k>_input  signed millidegrees Celsius
// (Documentation/hwmon/sysfs-interface.rst). Virtual devices and most drivers register none.
// The hwmon<n> numbers are assigned in probe order and change across boots, so they name a
// sensor only when two chips of one device share a chip name.

import { listHardwareNetDevices, readPerDevice } from './netdev.js';
import type { FileReader } from './paths.js';

/** Raw texts of one hwmon directory. */
export interface HwmonDirFiles {
  /** Directory name, `hwmon<n>`. */
  readonly dir: string;
  /** Text of the name file, left out when the file is absent. */
  readonly name?: string;
  /** temp<k>_input texts in ascending k. */
  readonly temps: readonly { readonly index: number; readonly input: string }[];
  /** temp<k>_input files that exist but failed to read (ENODATA, EIO, EAGAIN). */
  readonly unreadable: number;
}

/** One temperature sensor. */
export interface HwmonSensor {
  readonly device: string;
  /** `<chip>_temp<k>`, or `<chip>_hwmon<n>_temp<k>` when two chips of the device share a name. */
  readonly sensor: string;
  readonly celsius: number;
}

/** Sensors by device name, then directory, then index, and the malformed values skipped. */
export interface HwmonSnapshot {
  readonly sensors: readonly HwmonSensor[];
  readonly skipped: number;
}

const MILLIDEGREES = /^-?\d{1,9}$/;

/**
 * Converts each device's temp<k>_input texts to degrees Celsius. Values that are not
 * integers and files that failed to read are skipped and counted.
 */
export function parseHwmon(files: ReadonlyMap<string, readonly HwmonDirFiles[]>): HwmonSnapshot {
  const sensors: HwmonSensor[] = [];
  let skipped = 0;
  for (const [device, dirs] of files) {
    const chips = dirs.map((dir) => dir.name?.trim() ?? '');
    dirs.forEach((dir, position) => {
      const chip = chips[position] ?? '';
      const shared = chips.filter((other) => other === chip).length > 1;
      const prefix = shared ? [chip, dir.dir].filter((part) => part !== '').join('_') : chip;
      skipped += dir.unreadable;
      for (const temp of dir.temps) {
        const text = temp.input.trim();
        if (!MILLIDEGREES.test(text)) {
          skipped++;
          continue;
        }
        const sensor = prefix === '' ? `temp${temp.index}` : `${prefix}_temp${temp.index}`;
        sensors.push({ device, sensor, celsius: Number(text) / 1000 });
      }
    });
  }
  return { sensors, skipped };
}

// Errors of a sensor that exists but cannot be read right now.
const SENSOR_ERRORS = new Set(['ENODATA', 'EIO', 'EAGAIN', 'ETIMEDOUT']);

async function readSensor(reader: FileReader, path: string): Promise<string | undefined | null> {
  try {
    return await reader.readText('sysfs', path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && SENSOR_ERRORS.has(code)) return null;
    throw err;
  }
}

async function readHwmonDir(reader: FileReader, base: string, dir: string): Promise<HwmonDirFiles> {
  const entries = (await reader.list('sysfs', `${base}/${dir}`)) ?? [];
  const indexes = entries
    .map((entry) => /^temp(\d{1,3})_input$/.exec(entry)?.[1])
    .filter((index) => index !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const name = await reader.readText('sysfs', `${base}/${dir}/name`);
  const inputs = await Promise.all(
    indexes.map((index) => readSensor(reader, `${base}/${dir}/temp${index}_input`)),
  );
  const temps: { index: number; input: string }[] = [];
  let unreadable = 0;
  indexes.forEach((index, position) => {
    const input = inputs[position];
    if (input === null) unreadable++;
    else if (input !== undefined) temps.push({ index, input });
  });
  return name === undefined ? { dir, temps, unreadable } : { dir, name, temps, unreadable };
}

/** Reads every hwmon directory of one device, or returns an empty list. */
export async function readHwmonFiles(reader: FileReader, device: string): Promise<HwmonDirFiles[]> {
  const base = `class/net/${device}/device/hwmon`;
  const dirs = ((await reader.list('sysfs', base)) ?? []).filter((dir) => /^hwmon\d+$/.test(dir));
  dirs.sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  return Promise.all(dirs.map((dir) => readHwmonDir(reader, base, dir)));
}

/**
 * Reads the hwmon temperatures of the non-virtual devices under /sys/class/net that pass
 * `allowed`. Returns undefined when /sys/class/net is absent.
 */
export async function readHwmon(
  reader: FileReader,
  allowed: (name: string) => boolean,
): Promise<HwmonSnapshot | undefined> {
  const devices = await listHardwareNetDevices(reader, allowed);
  if (devices === undefined) return undefined;
  return parseHwmon(await readPerDevice(devices, (device) => readHwmonFiles(reader, device)));
}
