// Collector nic_pcie: PCIe link speed and width of each network device's PCI function, the
// current value next to the maximum so that a link trained below its capability shows, and
// the AER error totals per severity. Virtual devices and SR-IOV virtual functions have none.

import { NET_CLASS_PATH } from '../files/netdev.js';
import { type PcieDevice, type PcieSnapshot, readPcie } from '../files/pcie.js';
import { fileReaderFor, ownNamespaceOnly, probePath, requireSnapshot } from '../files/probe.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { registerCollector } from './types.js';

const DEVICE = '/sys/class/net/<dev>/device';

function gauge(name: string, file: string, help: string): MetricDescriptor {
  return {
    name,
    type: 'gauge',
    help: `${help}, from ${DEVICE}/${file}.`,
    labels: ['device'],
    source: `${DEVICE}/${file}`,
  };
}

function counter(name: string, file: string, help: string): MetricDescriptor {
  return { ...gauge(name, file, help), type: 'counter' };
}

/** Descriptors with the snapshot field each one reads. */
const PCIE_METRICS: readonly (readonly [keyof Omit<PcieDevice, 'device'>, MetricDescriptor])[] = [
  [
    'currentSpeedGts',
    gauge(
      'nft_nic_pcie_link_speed_gts',
      'current_link_speed',
      'PCIe link speed in gigatransfers per second (GT/s) per lane as trained now',
    ),
  ],
  [
    'maxSpeedGts',
    gauge(
      'nft_nic_pcie_link_max_speed_gts',
      'max_link_speed',
      'Maximum PCIe link speed in gigatransfers per second (GT/s) per lane that the device supports',
    ),
  ],
  [
    'currentWidth',
    gauge(
      'nft_nic_pcie_link_width',
      'current_link_width',
      'PCIe link width in lanes as trained now',
    ),
  ],
  [
    'maxWidth',
    gauge(
      'nft_nic_pcie_link_max_width',
      'max_link_width',
      'Maximum PCIe link width in lanes that the device supports',
    ),
  ],
  [
    'aerCorrectable',
    counter(
      'nft_nic_pcie_aer_correctable_total',
      'aer_dev_correctable',
      'Correctable PCIe errors the device reported through AER (line TOTAL_ERR_COR)',
    ),
  ],
  [
    'aerNonfatal',
    counter(
      'nft_nic_pcie_aer_nonfatal_total',
      'aer_dev_nonfatal',
      'Non-fatal uncorrectable PCIe errors the device reported through AER (line TOTAL_ERR_NONFATAL)',
    ),
  ],
  [
    'aerFatal',
    counter(
      'nft_nic_pcie_aer_fatal_total',
      'aer_dev_fatal',
      'Fatal uncorrectable PCIe errors the device reported through AER (line TOTAL_ERR_FATAL)',
    ),
  ],
];

/** Builds the PCIe families: one sample per device for each value its files gave. */
export function pcieFamilies(snapshot: PcieSnapshot): MetricFamily[] {
  return PCIE_METRICS.map(([field, desc]) => {
    const fam = family(desc);
    for (const device of snapshot.devices) {
      const value = device[field];
      if (value !== undefined) addSample(fam, value, device.device);
    }
    return fam;
  });
}

/** The nic_pcie collector, registered under the name `nic_pcie`. */
export const nicPcieCollector = registerCollector({
  name: 'nic_pcie',
  descriptors: PCIE_METRICS.map(([, desc]) => desc),
  interfaceScoped: true,
  probe: async (ctx) =>
    ownNamespaceOnly(ctx) ??
    probePath(fileReaderFor(ctx.config), 'sysfs', NET_CLASS_PATH, 'directory'),
  async collect(ctx) {
    const reader = fileReaderFor(ctx.config);
    const snapshot = await readPcie(reader, ctx.interfaceAllowed);
    return pcieFamilies(requireSnapshot(ctx, snapshot, reader, 'sysfs', NET_CLASS_PATH));
  },
});
