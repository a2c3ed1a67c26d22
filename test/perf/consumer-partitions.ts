// How much of the metrics consumer's work one partition does, side by side in one run:
// the whole stream through one processor, and the same stream through each of N partitions'
// processors (each skips the other partitions' tenants by subject). Prints events/s and the
// ratio of CPU per partition to the whole, which bounds the speed-up N processes on N cores get.
//
//   node --import tsx test/perf/consumer-partitions.ts [events=60000] [partitions=3] [rounds=3]
import { BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { AppliedLog, SummaryState, createTelemetry } from '../../src/consumer/index.js';
import { EventMetrics } from '../../src/consumer/event-metrics.js';
import { EventProcessor } from '../../src/consumer/event-processor.js';
import type { Partition } from '../../src/consumer/partition.js';
import { silentLogger } from '../../src/logging/index.js';
import { eventRun } from '../helpers/consumer-events.js';

const [events = 60_000, partitions = 3, rounds = 3] = process.argv.slice(2).map(Number);
const tenants = Array.from({ length: 48 }, (_, i) => `tenant-${i}`);
const messages = eventRun(events, 7, Date.now() - events * 5, 5, tenants).map((e) => ({
  subject: e.subject,
  data: new TextEncoder().encode(JSON.stringify(e)),
}));

function run(partition: Partition): { ms: number; applied: number } {
  const telemetry = createTelemetry([new BatchSpanProcessor(new InMemorySpanExporter())]);
  const processor = new EventProcessor(
    new AppliedLog(),
    new SummaryState(60_000),
    { tracer: telemetry.tracer, metrics: new EventMetrics(telemetry.meter), logger: silentLogger },
    Date.now(),
    partition,
  );
  const start = performance.now();
  messages.forEach((m, i) => processor.handle(i + 1, m.data, m.subject));
  const ms = performance.now() - start;
  void telemetry.shutdown();
  return { ms, applied: processor.stats.applied };
}

const whole: number[] = [];
const perPartition: number[][] = Array.from({ length: partitions }, () => []);
for (let round = 0; round < rounds; round += 1) {
  // Alternate which goes first, so warm-up and drift do not favour either side.
  if (round % 2 === 0) whole.push(run({ index: 0, count: 1 }).ms);
  for (let index = 0; index < partitions; index += 1) {
    const { ms, applied } = run({ index, count: partitions });
    perPartition[index]?.push(ms);
    if (round === 0)
      console.log(`partition ${index}/${partitions}: applies ${applied} of ${events}`);
  }
  if (round % 2 === 1) whole.push(run({ index: 0, count: 1 }).ms);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const wholeMs = median(whole);
console.log(
  `whole stream, 1 process: ${wholeMs.toFixed(0)} ms, ${((events / wholeMs) * 1000).toFixed(0)} events/s`,
);
const slowest = Math.max(...perPartition.map(median));
for (const [index, times] of perPartition.entries()) {
  const ms = median(times);
  console.log(
    `partition ${index}/${partitions}: ${ms.toFixed(0)} ms for the whole stream, ${(ms / wholeMs).toFixed(2)}x the single process's time`,
  );
}
console.log(
  `bound on the speed-up with ${partitions} processes on ${partitions} cores: ${(wholeMs / slowest).toFixed(2)}x (slowest partition)`,
);
