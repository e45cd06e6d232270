// Collector irq: interrupts per numbered IRQ from /proc/interrupts, summed across CPUs, or
// per CPU when `irq.perCpu` is set. `irq.nameInclude` and `irq.nameExclude` filter IRQs by
// their handler names (the `device` label, for example `eth0-TxRx-0`) as a whole match;
// exclude wins over include. Architecture rows (NMI, LOC, RES ...) are not exported.

import { INTERRUPTS_PATH, type InterruptsSnapshot, readInterrupts } from '../files/interrupts.js';
import { wholeMatch } from '../files/match.js';
import { fileReaderFor, probePath, requireSnapshot } from '../files/probe.js';
import { addSample, family, type MetricDescriptor, type MetricFamily } from '../metrics/model.js';
import { registerCollector } from './types.js';

const IRQ_TOTAL: MetricDescriptor = {
  name: 'nft_irq_total',
  type: 'counter',
  help: 'Interrupts of the numbered IRQ summed across online CPUs, from /proc/interrupts.',
  labels: ['irq', 'device'],
  source: '/proc/interrupts',
};

const IRQ_CPU_TOTAL: MetricDescriptor = {
  name: 'nft_irq_cpu_total',
  type: 'counter',
  help: 'Interrupts of the numbered IRQ on one CPU, from /proc/interrupts; exported instead of nft_irq_total when irq.per_cpu is set.',
  labels: ['irq', 'device', 'cpu'],
  source: '/proc/interrupts',
};

/** Options of {@link irqFamilies}, from the `irq` section of the configuration. */
export interface IrqOptions {
  readonly perCpu: boolean;
  readonly nameInclude?: RegExp;
  readonly nameExclude?: RegExp;
}

/**
 * Builds the irq families. Sums leave out CPUs that are offline, whose counts the kernel
 * does not print, so a sum can drop when a CPU goes offline.
 */
export function irqFamilies(snapshot: InterruptsSnapshot, options: IrqOptions): MetricFamily[] {
  const include = options.nameInclude === undefined ? undefined : wholeMatch(options.nameInclude);
  const exclude = options.nameExclude === undefined ? undefined : wholeMatch(options.nameExclude);
  const sums = family(IRQ_TOTAL);
  const perCpu = family(IRQ_CPU_TOTAL);
  for (const row of snapshot.irqs) {
    if (include !== undefined && !include.test(row.device)) continue;
    if (exclude?.test(row.device)) continue;
    if (options.perCpu) {
      row.counts.forEach((count, index) => {
        addSample(perCpu, count, row.irq, row.device, String(snapshot.cpus[index]));
      });
    } else {
      addSample(
        sums,
        row.counts.reduce((a, b) => a + b, 0),
        row.irq,
        row.device,
      );
    }
  }
  return [sums, perCpu];
}

/** The irq collector, registered under the name `irq`. */
export const irqCollector = registerCollector({
  name: 'irq',
  descriptors: [IRQ_TOTAL, IRQ_CPU_TOTAL],
  interfaceScoped: false,
  probe: (ctx) => probePath(fileReaderFor(ctx.config), 'procfs', INTERRUPTS_PATH, 'file'),
  async collect(ctx) {
    const reader = fileReaderFor(ctx.config);
    const snapshot = requireSnapshot(
      ctx,
      await readInterrupts(reader),
      reader,
      'procfs',
      INTERRUPTS_PATH,
    );
    return irqFamilies(snapshot, ctx.config.irq);
  },
});
