import { round, seconds } from './context.js';
import type { SyntheticTable } from './dataset.js';
import type { IngestRun } from './ingest-stream.js';
import type { ChartData, IngestFigure, ScenarioResult } from './report.js';

/** What the report draws of the ingest runs, filled as they finish. */
export interface IngestCharts {
  readonly throughput: ChartData['throughput'][number][];
  readonly latency: ChartData['latency'][number][];
}

/** An ingest run as a scenario result. */
export function ingestResult(
  name: string,
  run: IngestRun,
  table: SyntheticTable,
  batchSize: number,
  encoding: string,
  ok = true,
): ScenarioResult {
  return {
    test_name: name,
    success: ok && run.errors.length === 0 && run.acked === table.count,
    duration: seconds(run.durationMs),
    records_processed: run.sent,
    vectors_created: run.acked,
    errors: run.errors,
    metrics: {
      dims: table.dims,
      encoding,
      batch_size: batchSize,
      batches: run.batches,
      rejected_batches: run.rejectedBatches,
      reconnects: run.reconnects,
      vectors_per_s: round(run.vectorsPerS, 1),
      mb_per_s: round(run.mbPerS, 2),
      batch_latency: run.batchLatency,
      throughput_series: run.series,
    },
  };
}

/** Adds a run's throughput curve and batch latency to the charts. */
export function chartRun(charts: IngestCharts, name: string, run: IngestRun): void {
  charts.throughput.push({ name, points: run.series });
  charts.latency.push({
    group: name,
    p50_ms: run.batchLatency.p50_ms,
    p95_ms: run.batchLatency.p95_ms,
    p99_ms: run.batchLatency.p99_ms,
  });
}

/** A run's headline figures. */
export function figure(
  run: Pick<IngestRun, 'acked' | 'durationMs' | 'vectorsPerS' | 'mbPerS'>,
): IngestFigure {
  return {
    vectors: run.acked,
    seconds: seconds(run.durationMs),
    vectors_per_s: round(run.vectorsPerS, 1),
    mb_per_s: round(run.mbPerS, 2),
  };
}

/** service ÷ baseline vectors/s; undefined when the baseline wrote nothing. */
export function ratio(
  service: IngestFigure,
  baseline: IngestFigure | undefined,
): number | undefined {
  return baseline !== undefined && baseline.vectors_per_s > 0
    ? round(service.vectors_per_s / baseline.vectors_per_s)
    : undefined;
}
