import os from 'node:os';
import type { BenchReport, ChartData, MemoryReport } from './report.js';
import type { BenchStack } from './stack.js';

/**
 * The stack's processes run in their own process groups, so a Ctrl-C reaches only the bench.
 * The first signal aborts the run and stops the stack (calls in flight fail fast, the
 * remaining scenarios are skipped, the data dir is removed as usual); a second one exits at
 * once. Returns the uninstaller.
 */
export function onInterrupt(
  abort: AbortController,
  stack: () => BenchStack | undefined,
  log: (line: string) => void,
): () => void {
  const handler = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    log(`${signal}: stopping the run (again to exit at once)`);
    abort.abort(new Error(`interrupted by ${signal}`));
    stack()
      ?.stop()
      .catch((err: unknown) => log(`stopping the stack failed: ${(err as Error).message}`));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}

/** The server's high-water marks after the primary ingest and after its index and searches. */
export interface PrimaryMemory {
  readonly ingestMb?: number;
  readonly primaryMb?: number;
}

/** Peak RSS of the stack's server and consumer; empty against an external server. */
export function memoryOf(stack: BenchStack | undefined, primary: PrimaryMemory): MemoryReport {
  if (stack === undefined) return {};
  const server = stack.server.rss.peakMb();
  const consumer = stack.consumer?.rss.peakMb();
  return {
    ...(server === undefined ? {} : { server_peak_rss_mb: server }),
    ...(primary.ingestMb === undefined
      ? {}
      : { server_peak_rss_primary_ingest_mb: primary.ingestMb }),
    ...(primary.primaryMb === undefined ? {} : { server_peak_rss_primary_mb: primary.primaryMb }),
    ...(consumer === undefined ? {} : { consumer_peak_rss_mb: consumer }),
  };
}

/** RSS over the run of server and consumer; stops their samplers. */
export function rssSeries(stack: BenchStack | undefined): ChartData['rss'] {
  if (stack === undefined) return [];
  const series = [{ name: 'server', points: stack.server.rss.stop().series }];
  if (stack.consumer !== undefined)
    series.push({ name: 'consumer', points: stack.consumer.rss.stop().series });
  return series;
}

/** Where the run happened, with the load average at its start and now. */
export function environment(
  loadAtStart: number[],
  storeSettings: Readonly<Record<string, string>>,
): BenchReport['environment'] {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? 'unknown',
    total_memory_mb: Math.round(os.totalmem() / 1024 / 1024),
    load_average_start: loadAtStart,
    load_average_end: loadAverage(),
    store_settings: storeSettings,
  };
}

/** The 1/5/15-minute load averages. */
export function loadAverage(): number[] {
  return os.loadavg().map((load) => Math.round(load * 100) / 100);
}

/** What a reader must know to read the figures. */
export function notes(stack: BenchStack | undefined): string[] {
  const cores = os.cpus().length;
  if (stack === undefined)
    return [
      `external server: figures include the network to it; the bench client used ${cores} local cores`,
    ];
  return [
    `client (this process), server, consumer, NATS and the embedded store share the same ${cores} cores: figures are for the whole system on this machine`,
    `server and consumer run as separate processes (node + tsx when run from source); RSS is theirs alone`,
    `NATS ${stack.natsSpawned ? 'spawned for this run' : `at ${stack.natsUrl}`}`,
  ];
}
