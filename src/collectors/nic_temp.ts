// Collector nic_temp: temperatures of the sensors that a network driver registers with
// hwmon, from /sys/class/net/<dev>/device/hwmon/hwmon<n>/temp<k>_input.

import { type HwmonSnapshot, readHwmon } from '../files/hwmon.js';
import { NET_CLASS_PATH } from '../files/netdev.js';
import { fileReaderFor, ownNamespaceOnly, probePath, requireSnapshot } from '../files/probe.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { registerCollector } from './types.js';

const TEMPERATURE_CELSIUS: MetricDescriptor = {
  name: 'nft_nic_temperature_celsius',
  type: 'gauge',
  unit: 'celsius',
  help:
    'NIC sensor temperature in degrees Celsius; sensor is <chip>_temp<k> from the hwmon name ' +
    'file, from /sys/class/net/<dev>/device/hwmon/hwmon<n>/temp<k>_input (millidegrees).',
  labels: ['device', 'sensor'],
  source: '/sys/class/net/<dev>/device/hwmon/hwmon<n>/temp<k>_input',
};

/** Builds the temperature family: one sample per sensor. */
export function temperatureFamilies(snapshot: HwmonSnapshot): MetricFamily[] {
  const fam = family(TEMPERATURE_CELSIUS);
  for (const sensor of snapshot.sensors)
    addSample(fam, sensor.celsius, sensor.device, sensor.sensor);
  return [fam];
}

/** The nic_temp collector, registered under the name `nic_temp`. */
export const nicTempCollector = registerCollector({
  name: 'nic_temp',
  descriptors: [TEMPERATURE_CELSIUS],
  interfaceScoped: true,
  probe: async (ctx) =>
    ownNamespaceOnly(ctx) ??
    probePath(fileReaderFor(ctx.config), 'sysfs', NET_CLASS_PATH, 'directory'),
  async collect(ctx) {
    const reader = fileReaderFor(ctx.config);
    const snapshot = await readHwmon(reader, ctx.interfaceAllowed);
    return temperatureFamilies(requireSnapshot(ctx, snapshot, reader, 'sysfs', NET_CLASS_PATH));
  },
});
