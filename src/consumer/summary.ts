import type { Operation } from '../domain/index.js';
import type { Aggregate } from './aggregate.js';

/** Latencies of a summary in milliseconds. */
export interface LatencySummary {
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * A benchmark summary of one operation × tenant × collection, over one event-time window or
 * cumulative. Field names are snake_case because this is also the JSON published on
 * `vectoradmin.v1.summaries.<key>` and printed by `vector-admin summary --json`, next to the
 * events' own snake_case data.
 */
export interface Summary {
  readonly scope: 'cumulative' | 'window';
  /** Start of the window (RFC 3339), windows aligned to event time; absent when cumulative. */
  readonly window_start?: string;
  readonly window_ms?: number;
  readonly operation: Operation;
  /** Empty for events that named no valid tenant. */
  readonly tenant_id: string;
  /** Empty for operations without a collection. */
  readonly collection: string;
  readonly operations: number;
  /** Every failed operation, the caller's mistakes included. */
  readonly errors: number;
  readonly error_rate: number;
  /** Failures of the service itself (UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED, ...). */
  readonly server_errors: number;
  readonly server_error_rate: number;
  /** Calls refused for their credentials (UNAUTHENTICATED, PERMISSION_DENIED). */
  readonly auth_failures: number;
  /** Points of successful operations only: a refused batch wrote nothing. */
  readonly points: number;
  readonly bytes: number;
  /** Earliest event start and latest event end: the span the rates are computed over. */
  readonly first_started_at: string;
  readonly last_ended_at: string;
  readonly ops_per_s: number;
  readonly points_per_s: number;
  readonly mb_per_s: number;
  readonly latency_ms: LatencySummary;
}

/** The shortest span rates are computed over: one second, in microseconds. */
const MIN_RATE_SPAN_US = 1_000_000;

/** Which summary an aggregate is: its key and, for windows, the window. */
export interface SummaryKey {
  readonly operation: Operation;
  readonly tenantId: string;
  readonly collection: string;
  readonly window?: { readonly startMs: number; readonly lengthMs: number };
}

/**
 * The summary of an aggregate. Rates divide by the events' active span (first start to last
 * end) rather than the window length, so a partly filled window or an idle tail does not
 * dilute them; the span counts as at least one second, so a lone operation reads as 1 op/s and
 * not as 1/latency; MB is 10^6 bytes.
 */
export function toSummary(key: SummaryKey, aggregate: Aggregate): Summary {
  const spanS = Math.max(MIN_RATE_SPAN_US, aggregate.lastEndUs - aggregate.firstStartUs) / 1e6;
  return {
    scope: key.window === undefined ? 'cumulative' : 'window',
    ...(key.window === undefined
      ? {}
      : {
          window_start: new Date(key.window.startMs).toISOString(),
          window_ms: key.window.lengthMs,
        }),
    operation: key.operation,
    tenant_id: key.tenantId,
    collection: key.collection,
    operations: aggregate.count,
    errors: aggregate.errors,
    error_rate: aggregate.count === 0 ? 0 : aggregate.errors / aggregate.count,
    server_errors: aggregate.serverErrors,
    server_error_rate: aggregate.count === 0 ? 0 : aggregate.serverErrors / aggregate.count,
    auth_failures: aggregate.authFailures,
    points: aggregate.points,
    bytes: aggregate.bytes,
    first_started_at: new Date(Math.floor(aggregate.firstStartUs / 1000)).toISOString(),
    last_ended_at: new Date(Math.ceil(aggregate.lastEndUs / 1000)).toISOString(),
    ops_per_s: aggregate.count / spanS,
    points_per_s: aggregate.points / spanS,
    mb_per_s: aggregate.bytes / 1e6 / spanS,
    latency_ms: latencyOf(aggregate),
  };
}

/** The latencies of an aggregate's events, in milliseconds. */
export function latencyOf(aggregate: Aggregate): LatencySummary {
  const ms = (us: number): number => us / 1000;
  // A bucket's highest equivalent value can exceed the exact max (or a p50 the max, with one
  // sample); the exact extremes bound every percentile, still within HdrHistogram's 0.1%.
  const bound = (us: number): number => Math.min(Math.max(us, aggregate.minUs), aggregate.maxUs);
  const percentiles = aggregate.percentiles();
  return {
    min: ms(aggregate.minUs),
    mean: ms(aggregate.count === 0 ? 0 : aggregate.sumUs / aggregate.count),
    p50: ms(bound(percentiles.p50)),
    p95: ms(bound(percentiles.p95)),
    p99: ms(bound(percentiles.p99)),
    max: ms(aggregate.maxUs),
  };
}

/**
 * A summary key as one string, for maps: a JSON array, because collection names may contain
 * any separator character.
 */
export function summaryKeyId(operation: Operation, tenantId: string, collection: string): string {
  return JSON.stringify([operation, tenantId, collection]);
}

/** The key a summaryKeyId names. */
export function parseSummaryKeyId(id: string): SummaryKey {
  const [operation, tenantId, collection] = JSON.parse(id) as [Operation, string, string];
  return { operation, tenantId, collection };
}

/** Orders summaries deterministically: cumulative first, then windows by time, then by key. */
export function compareSummaries(a: Summary, b: Summary): number {
  const fields = (s: Summary): string[] => [
    s.scope === 'cumulative' ? '0' : '1',
    s.window_start ?? '',
    s.operation,
    s.tenant_id,
    s.collection,
  ];
  const left = fields(a);
  const right = fields(b);
  for (let i = 0; i < left.length; i += 1) {
    const l = left[i] ?? '';
    const r = right[i] ?? '';
    if (l !== r) return l < r ? -1 : 1;
  }
  return 0;
}
