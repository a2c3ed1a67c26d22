import type {
  Baselines,
  IndexWatchReport,
  MemoryReport,
  SegmentedIngest,
  TargetResult,
} from './report.js';
import { RECALL_TARGET } from './search-scenario.js';
import { SearchMode, type SearchLevel } from './search-levels.js';

/** Ingest with events on must reach this fraction of the direct in-process baseline. */
export const INGEST_VS_DIRECT_TARGET = 0.8;
/** The direct upsert must reach this fraction of the store floor (LanceDB append). */
export const DIRECT_VS_FLOOR_TARGET = 0.7;
/** The last ingest segment's rate must reach this fraction of the first's. */
export const LAST_VS_FIRST_SEGMENT_TARGET = 0.8;
/** Server RSS must stay under this while streaming and searching the full-profile volume. */
export const SERVER_RSS_TARGET_MB = 512;
/** The volume the RSS and latency targets are defined at. */
export const RSS_TARGET_VECTORS = 1_000_000;
/** Search at concurrency 1 with default params, p50 and p99. */
export const SEARCH_P50_TARGET_MS = 25;
export const SEARCH_P99_TARGET_MS = 100;
/** QPS at concurrency 8 ÷ QPS at concurrency 1. */
export const C8_VS_C1_TARGET = 2;

/** The figures the targets are judged on; any may be missing from a partial run. */
export interface TargetInputs {
  readonly baselines: Baselines | undefined;
  readonly segments: readonly SegmentedIngest[];
  readonly memory: MemoryReport;
  /** The search scenario's metrics. */
  readonly search: Readonly<Record<string, unknown>> | undefined;
  readonly index: IndexWatchReport | undefined;
  readonly vectors: number;
  readonly dims: number;
}

/** The project's targets against this run's figures; shortfalls say by how much. */
export function evaluateTargets(inputs: TargetInputs): TargetResult[] {
  const { baselines, vectors } = inputs;
  const volume = `${vectors.toLocaleString('en-US')} × ${inputs.dims}`;
  const levels = (inputs.search?.levels ?? []) as readonly SearchLevel[];
  const indexedAt = (c: number) =>
    levels.find((l) => l.mode === SearchMode.Indexed && l.concurrency === c && l.queries > 0);
  const c1 = indexedAt(1);
  const c8 = indexedAt(8);
  const recall = inputs.search?.recall_at_10_min;
  const service = inputs.segments[0];
  const peak = inputs.memory.server_peak_rss_primary_mb;
  const atScale = vectors >= RSS_TARGET_VECTORS && inputs.dims >= 1536;
  const index = inputs.index;
  const searchLatency = (percentile: 'p50' | 'p99', targetMs: number) =>
    atMost(
      `search ${percentile}, c1`,
      `search at concurrency 1, default params: ${percentile} <= ${targetMs} ms (at 1,000,000 points)`,
      c1?.latency[`${percentile}_ms`],
      targetMs,
      (v) => `${v} ms at ${volume}`,
      'ms',
    );
  return [
    searchLatency('p50', SEARCH_P50_TARGET_MS),
    searchLatency('p99', SEARCH_P99_TARGET_MS),
    atLeast(
      'recall@10',
      `recall@10 >= ${RECALL_TARGET} at every level with default params (filtered included)`,
      typeof recall === 'number' ? recall : undefined,
      RECALL_TARGET,
      (v) => `lowest ${v} at ${volume}`,
    ),
    atLeast(
      'search scaling',
      `QPS at concurrency 8 >= ${C8_VS_C1_TARGET}x concurrency 1`,
      c1 !== undefined && c8 !== undefined && c1.qps > 0 ? round2(c8.qps / c1.qps) : undefined,
      C8_VS_C1_TARGET,
      (v) => `${v}x (${c8?.qps} vs ${c1?.qps} QPS)`,
    ),
    atLeast(
      'ingest stays flat',
      `ingest rate of the last segment >= ${LAST_VS_FIRST_SEGMENT_TARGET}x the first (service)`,
      service?.last_vs_first,
      LAST_VS_FIRST_SEGMENT_TARGET,
      (v) => `${v}x over segments of ${service?.segment_vectors.toLocaleString('en-US')}`,
    ),
    atLeast(
      'ingest vs direct',
      `service (events on) >= ${INGEST_VS_DIRECT_TARGET}x the direct in-process baseline`,
      baselines?.direct === undefined ? undefined : baselines.ratios.service_vs_direct,
      INGEST_VS_DIRECT_TARGET,
      (v) =>
        `${v}x (${baselines?.service.vectors_per_s} vs ${baselines?.direct?.vectors_per_s} vectors/s)`,
    ),
    atLeast(
      'direct vs floor',
      `direct upsert >= ${DIRECT_VS_FLOOR_TARGET}x the store floor (LanceDB add, no merge)`,
      baselines?.floor === undefined ? undefined : baselines.ratios.direct_vs_floor,
      DIRECT_VS_FLOOR_TARGET,
      (v) =>
        `${v}x (${baselines?.direct?.vectors_per_s} vs ${baselines?.floor?.vectors_per_s} vectors/s)`,
    ),
    peak !== undefined && !atScale
      ? {
          name: 'server RSS',
          target: rssTarget(),
          measured: `peak ${peak} MB at ${volume} (run --full to measure the target volume)`,
          status: 'not measured',
        }
      : atMost(
          'server RSS',
          rssTarget(),
          peak,
          SERVER_RSS_TARGET_MB,
          (v) => `peak ${v} MB over ingest, index and search`,
          'MB',
        ),
    index === undefined
      ? notMeasured('index caught up', 'index green before searching')
      : {
          name: 'index caught up',
          target: `index green before searching (within ${index.wait_limit_s} s)`,
          measured: `${index.caught_up ? 'after' : 'not after'} ${index.wait_s} s (${index.final?.indexed ?? '?'} of ${index.final?.points ?? '?'} indexed, ${index.final?.status ?? '?'})`,
          status: index.caught_up ? 'met' : 'missed',
        },
  ];
}

function rssTarget(): string {
  return `server RSS < ${SERVER_RSS_TARGET_MB} MB while streaming and searching ${RSS_TARGET_VECTORS.toLocaleString('en-US')} vectors of 1,536 dims`;
}

function notMeasured(name: string, target: string): TargetResult {
  return { name, target, measured: 'not measured in this run', status: 'not measured' };
}

/** A target the figure must reach or exceed. */
export function atLeast(
  name: string,
  target: string,
  value: number | undefined,
  floor: number,
  describe: (value: number) => string,
): TargetResult {
  if (value === undefined) return notMeasured(name, target);
  const met = value >= floor;
  return {
    name,
    target,
    measured: describe(value),
    status: met ? 'met' : 'missed',
    ...(met ? {} : { shortfall: `${percent(1 - value / floor)}% below target` }),
  };
}

/** A target the figure must not exceed. */
export function atMost(
  name: string,
  target: string,
  value: number | undefined,
  ceiling: number,
  describe: (value: number) => string,
  unit: string,
): TargetResult {
  if (value === undefined) return notMeasured(name, target);
  const met = value <= ceiling;
  return {
    name,
    target,
    measured: describe(value),
    status: met ? 'met' : 'missed',
    ...(met
      ? {}
      : {
          shortfall: `${round2(value - ceiling)} ${unit} over (${percent(value / ceiling - 1)}%)`,
        }),
  };
}

function percent(fraction: number): number {
  return Math.round(fraction * 1000) / 10;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
