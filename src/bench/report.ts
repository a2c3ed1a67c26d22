import type { BenchOptions } from './profiles.js';
import type { RatePoint } from './rate-series.js';
import type { SegmentRate } from './segments.js';

/** One scenario's outcome in the original plan's shape; `duration` is wall time in seconds. */
export interface ScenarioResult {
  readonly test_name: string;
  readonly success: boolean;
  readonly duration: number;
  readonly records_processed: number;
  readonly vectors_created: number;
  readonly errors: readonly string[];
  readonly metrics: Readonly<Record<string, unknown>>;
}

/** One ingest measured for the baselines. */
export interface IngestFigure {
  readonly vectors: number;
  readonly seconds: number;
  readonly vectors_per_s: number;
  readonly mb_per_s: number;
}

/** The baselines measured in the same run, with the service's rate as a ratio of each. */
export interface Baselines {
  readonly service: IngestFigure;
  /** The bench client alone building and encoding the same batches (no I/O): its own limit. */
  readonly client_only: IngestFigure;
  readonly direct?: IngestFigure;
  /** LanceDB `add` of the same prepared batches: no merge on id, no index. */
  readonly floor?: IngestFigure;
  readonly ceiling?: IngestFigure;
  readonly events_off?: IngestFigure;
  readonly ratios: {
    /** Service (events on) ÷ the store adapter called in-process: the service's overhead. */
    readonly service_vs_direct?: number;
    /** Direct ÷ the store floor: what an upsert costs beyond an append. */
    readonly direct_vs_floor?: number;
    /** Service ÷ a no-op gRPC sink fed the same messages: how close to the transport's limit. */
    readonly service_vs_ceiling?: number;
    /** Events on ÷ events off: what publishing events costs. */
    readonly events_on_vs_off?: number;
  };
}

export const TargetStatus = { Met: 'met', Missed: 'missed', NotMeasured: 'not measured' } as const;
export type TargetStatus = (typeof TargetStatus)[keyof typeof TargetStatus];

/** A project target and how this run measured against it. */
export interface TargetResult {
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  readonly status: TargetStatus;
  /** By how much the project falls short, when it does. */
  readonly shortfall?: string;
}

/** One ingest path's rate per segment of the table: flat when writes do not slow down. */
export interface SegmentedIngest {
  readonly path: string;
  readonly segment_vectors: number;
  readonly segments: readonly SegmentRate[];
  /** The last full segment's rate ÷ the first's. */
  readonly last_vs_first?: number;
}

/** A collection's vector index as GetCollection reported it at one moment. */
export interface IndexSample {
  /** Seconds since the primary ingest started. */
  readonly t_s: number;
  readonly points: number;
  readonly indexed: number;
  readonly status: string;
}

/** The primary collection's index over the ingest and the wait for it to catch up. */
export interface IndexWatchReport {
  readonly collection: string;
  readonly samples: readonly IndexSample[];
  /** The most points ever unindexed at once (points - indexed). */
  readonly max_lag: number;
  readonly at_ingest_end?: IndexSample;
  /** Seconds from the end of the ingest until green, or the limit. */
  readonly wait_s: number;
  readonly wait_limit_s: number;
  /** Green (every point indexed, or below the threshold) before the wait's limit. */
  readonly caught_up: boolean;
  readonly final?: IndexSample;
}

/** Points of one collection as the client, the store and the events count them. */
export interface AccountingRow {
  readonly scenario: string;
  readonly collection: string;
  readonly acked: number;
  readonly stored: number;
  /** From the consumer's summaries; null when no consumer ran. */
  readonly evented: number | null;
  readonly match: boolean;
}

/** One operation as the client counted it and as the consumer summarised its events. */
export interface CrossCheckRow {
  readonly operation: string;
  readonly client_ops: number;
  readonly consumer_ops: number;
  readonly diff_ops: number;
  readonly client_points: number;
  readonly consumer_points: number;
  readonly diff_points: number;
  readonly client_errors: number;
  readonly consumer_errors: number;
}

/** Client-observed vs server-side (event) latency of one operation on one collection. */
export interface LatencyCrossCheckRow {
  readonly operation: string;
  readonly collection: string;
  readonly ops: number;
  readonly client_p50_ms: number;
  readonly server_p50_ms: number;
  readonly client_p99_ms: number;
  readonly server_p99_ms: number;
}

/** The bench's figures beside the consumer's event-sourced summaries of the same run. */
export interface CrossCheck {
  readonly available: boolean;
  /** Why not, when unavailable. */
  readonly reason?: string;
  /** How long the consumer took to account for every event after the last call. */
  readonly waited_ms?: number;
  readonly complete?: boolean;
  readonly operations: readonly CrossCheckRow[];
  readonly latency: readonly LatencyCrossCheckRow[];
}

/** Peak resident memory of the processes under test. */
export interface MemoryReport {
  readonly server_peak_rss_mb?: number;
  /** The server's high-water mark right after the primary ingest. */
  readonly server_peak_rss_primary_ingest_mb?: number;
  /** The high-water mark after the primary ingest, its index and the searches on it. */
  readonly server_peak_rss_primary_mb?: number;
  readonly consumer_peak_rss_mb?: number;
}

/** A named line of a chart. */
export interface ChartSeries {
  readonly name: string;
  readonly points: readonly RatePoint[];
}

/** Everything the HTML report draws. */
export interface ChartData {
  readonly throughput: readonly ChartSeries[];
  readonly latency: readonly {
    readonly group: string;
    readonly p50_ms: number;
    readonly p95_ms: number;
    readonly p99_ms: number;
  }[];
  readonly concurrency: readonly {
    readonly concurrency: number;
    readonly qps: number;
    readonly p50_ms: number;
    readonly p99_ms: number;
  }[];
  readonly rss: readonly ChartSeries[];
}

/** Where the run happened. */
export interface Environment {
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly cpu_model: string;
  readonly total_memory_mb: number;
  /** 1/5/15-minute load averages when the run started and ended: a busy machine shows here. */
  readonly load_average_start: readonly number[];
  readonly load_average_end: readonly number[];
  /** The stack's embedded store settings as the variables that set them; empty when external. */
  readonly store_settings: Readonly<Record<string, string>>;
}

/** A whole run: written as report.json and rendered as report.md and report.html. */
export interface BenchReport {
  readonly schema: 'vector-admin-bench/1';
  readonly run_id: string;
  readonly started_at: string;
  readonly finished_at: string;
  readonly mode: 'self-contained' | 'external';
  readonly server_address: string;
  readonly options: BenchOptions;
  readonly environment: Environment;
  readonly notes: readonly string[];
  readonly scenarios: readonly ScenarioResult[];
  readonly baselines?: Baselines;
  /** Per-segment ingest rates of the primary ingest and of the in-process baselines. */
  readonly ingest_segments: readonly SegmentedIngest[];
  readonly index?: IndexWatchReport;
  readonly targets: readonly TargetResult[];
  readonly accounting: readonly AccountingRow[];
  readonly cross_check: CrossCheck;
  readonly memory: MemoryReport;
  readonly charts: ChartData;
  readonly skipped: readonly string[];
  /** Every scenario succeeded (targets are reported, not enforced). */
  readonly success: boolean;
  /** The run was stopped by a signal; the scenarios after it were skipped. */
  readonly interrupted: boolean;
}
