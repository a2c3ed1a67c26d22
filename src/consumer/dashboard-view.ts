import { entryOf, Operation } from '../domain/index.js';
import type { Alert } from './alert-rules.js';
import type { DashboardState } from './dashboard-server.js';
import {
  MINUTE_SERIES,
  SECOND_SERIES,
  type KeyedSeries,
  type SeriesPoint,
} from './series-state.js';
import type { LatencySummary, Summary } from './summary.js';

/**
 * One colour per operation, fixed: a series keeps its colour whatever else appears or goes.
 * A Record over every operation, so a new operation cannot be added without one.
 */
export const OPERATION_COLORS: Readonly<Record<Operation, string>> = {
  [Operation.Upsert]: '#0969da',
  [Operation.Search]: '#1a7f37',
  [Operation.Count]: '#8250df',
  [Operation.DeletePoints]: '#cf222e',
  [Operation.GetPoints]: '#bf3989',
  [Operation.CreateCollection]: '#bc4c00',
  [Operation.EnsureCollection]: '#d4a72c',
  [Operation.GetCollection]: '#0550ae',
  [Operation.ListCollections]: '#116329',
  [Operation.DescribeCollections]: '#4d2d00',
  [Operation.DeleteCollection]: '#a40e26',
  [Operation.ProvisionTenant]: '#1b7c83',
  [Operation.DeprovisionTenant]: '#6639ba',
  [Operation.ListTables]: '#4d2d00',
  [Operation.StreamOpened]: '#57606a',
  [Operation.StreamClosed]: '#8c959f',
  [Operation.ServiceStarted]: '#e16f24',
  [Operation.PerformanceTest]: '#1b7c83',
};

/** The time ranges the dashboard offers, counted back from the newest event. */
export const DASHBOARD_RANGES = { '5m': 300_000, '1h': 3_600_000, all: Infinity } as const;
export type DashboardRange = keyof typeof DASHBOARD_RANGES;

/** What the viewer chose: a range and, optionally, one tenant and one collection. */
export interface DashboardQuery {
  readonly range: DashboardRange;
  readonly tenant?: string;
  readonly collection?: string;
}

/** A query parameter the dashboard cannot honour. */
export class DashboardQueryError extends Error {
  override readonly name = 'DashboardQueryError';
}

/** Reads `range`, `tenant` and `collection` from a URL's query; throws naming a bad one. */
export function parseDashboardQuery(params: URLSearchParams): DashboardQuery {
  const range = params.get('range') ?? '5m';
  if (!Object.hasOwn(DASHBOARD_RANGES, range)) {
    const allowed = Object.keys(DASHBOARD_RANGES).join(', ');
    throw new DashboardQueryError(`range must be one of ${allowed}, not ${JSON.stringify(range)}`);
  }
  const tenant = params.get('tenant') ?? '';
  const collection = params.get('collection') ?? '';
  return {
    range: range as DashboardRange,
    ...(tenant === '' ? {} : { tenant }),
    ...(collection === '' ? {} : { collection }),
  };
}

/**
 * The latencies of several summaries' events together, from their merged histograms
 * (SummaryState.mergedLatency); undefined when none of them is retained any more.
 */
export type MergedLatency = (summaries: readonly Summary[]) => LatencySummary | undefined;

/** What the page shows for one query: served on /api/stream, /snapshot and /snapshot.json. */
export interface DashboardView {
  readonly query: DashboardQuery;
  /** End of the newest event shown (or generation time without events): what ranges count back from. */
  readonly as_of: string;
  readonly consumer: DashboardState['consumer'];
  readonly colors: Readonly<Record<Operation, string>>;
  /** What the filters can choose from. */
  readonly tenants: readonly string[];
  readonly collections: readonly string[];
  /**
   * Per operation, the chart buckets within the range of the tenants and collections the
   * filters choose, added together: per second under 5m, per minute under 1h and all.
   */
  readonly series: readonly {
    readonly operation: Operation;
    readonly points: readonly SeriesPoint[];
  }[];
  /** The length of one chart bucket: 1000 (5m) or 60000 (1h, all). */
  readonly series_bucket_ms: number;
  /** Current window first, then older windows, newest first; by operations within each. */
  readonly rows: readonly Summary[];
  /** Per operation, the p99 of all the events of the newest window's rows shown together. */
  readonly p99_ms: readonly { readonly operation: Operation; readonly p99_ms: number }[];
  /** Points upserted per second in the newest window, over the rows shown. */
  readonly ingest_vectors_per_s: number;
  /** The performance probe's runs within the range (all tenants), when there were any. */
  readonly probe?: ProbeFigures;
  readonly alerts: readonly Alert[];
}

/** Probe runs in a range: how many, how many ended in error, and the newest one's duration. */
export interface ProbeFigures {
  readonly runs: number;
  readonly errors: number;
  /** The longest run of the newest chart bucket with a run: the latest run, in practice. */
  readonly last_ms: number;
  readonly last_at: string;
}

/** The view of `state` that `query` asks for. Pure: the same state and query, the same view. */
export function buildDashboardView(
  state: DashboardState,
  query: DashboardQuery,
  mergedLatency: MergedLatency,
): DashboardView {
  const newestMs = Math.max(
    0,
    ...state.summaries.map((s) => Date.parse(s.last_ended_at)),
    ...state.series.flatMap((s) => s.points.map((p) => p.t)),
  );
  const asOfMs = newestMs > 0 ? newestMs : Date.parse(state.generated_at);
  const fromMs = asOfMs - DASHBOARD_RANGES[query.range];
  const matches = (tenant: string | undefined, collection: string | undefined): boolean =>
    (query.tenant === undefined || tenant === query.tenant) &&
    (query.collection === undefined || collection === query.collection);
  const inRange = (s: Summary): boolean =>
    s.scope === 'cumulative'
      ? query.range === 'all'
      : Date.parse(s.window_start ?? '') + (s.window_ms ?? 0) > fromMs;
  const rows = state.summaries.filter((s) => matches(s.tenant_id, s.collection) && inRange(s));
  const currentStart = Math.max(0, ...rows.map(windowStartMs));
  rows.sort(
    (a, b) =>
      rank(a, currentStart) - rank(b, currentStart) ||
      windowStartMs(b) - windowStartMs(a) ||
      b.operations - a.operations ||
      a.operation.localeCompare(b.operation) ||
      a.tenant_id.localeCompare(b.tenant_id) ||
      a.collection.localeCompare(b.collection),
  );
  const current = rows.filter((s) => s.scope === 'window' && windowStartMs(s) === currentStart);
  const currentByOperation = new Map<Operation, Summary[]>();
  for (const s of current)
    currentByOperation.set(s.operation, [...(currentByOperation.get(s.operation) ?? []), s]);
  const p99 = new Map<Operation, number>();
  for (const [operation, summaries] of currentByOperation) {
    const merged = mergedLatency(summaries);
    if (merged !== undefined) p99.set(operation, merged.p99);
  }
  const minutes = query.range !== '5m';
  const bucketMs = (minutes ? MINUTE_SERIES : SECOND_SERIES).bucketMs;
  const series = mergedSeries(
    (minutes ? state.minute_series : state.series).filter((s) =>
      matches(s.tenant_id, s.collection),
    ),
    (t) => t + bucketMs > fromMs,
  );
  const probe = probeFigures(series);
  return {
    query,
    as_of: new Date(asOfMs).toISOString(),
    consumer: state.consumer,
    colors: OPERATION_COLORS,
    tenants: distinct(state.summaries.map((s) => s.tenant_id)),
    collections: distinct(
      state.summaries
        .filter((s) => query.tenant === undefined || s.tenant_id === query.tenant)
        .map((s) => s.collection),
    ),
    series,
    series_bucket_ms: bucketMs,
    rows,
    p99_ms: [...p99]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([operation, p99Ms]) => ({ operation, p99_ms: p99Ms })),
    ingest_vectors_per_s: current
      .filter((s) => s.operation === Operation.Upsert)
      .reduce((sum, s) => sum + s.points_per_s, 0),
    ...(probe === undefined ? {} : { probe }),
    alerts: state.alerts.filter(
      (a) =>
        (a.tenant_id === undefined && query.tenant === undefined) ||
        matches(a.tenant_id, a.collection),
    ),
  };
}

function probeFigures(series: DashboardView['series']): ProbeFigures | undefined {
  const points = series.find((s) => s.operation === Operation.PerformanceTest)?.points ?? [];
  const last = points.at(-1);
  if (last === undefined) return undefined;
  return {
    runs: points.reduce((sum, p) => sum + p.ops, 0),
    errors: points.reduce((sum, p) => sum + p.errors, 0),
    last_ms: last.max_ms,
    last_at: new Date(last.t).toISOString(),
  };
}

/** Per operation, the buckets of several keys' series added up (mean weighted by ops). */
function mergedSeries(
  series: readonly KeyedSeries[],
  inRange: (t: number) => boolean,
): DashboardView['series'] {
  const byOperation = new Map<Operation, Map<number, SeriesPoint>>();
  for (const s of series) {
    const buckets = entryOf(byOperation, s.operation, () => new Map<number, SeriesPoint>());
    for (const p of s.points) {
      if (!inRange(p.t)) continue;
      const q = buckets.get(p.t);
      buckets.set(
        p.t,
        q === undefined
          ? p
          : {
              t: p.t,
              ops: q.ops + p.ops,
              errors: q.errors + p.errors,
              points: q.points + p.points,
              mean_ms: (q.mean_ms * q.ops + p.mean_ms * p.ops) / (q.ops + p.ops),
              max_ms: Math.max(q.max_ms, p.max_ms),
            },
      );
    }
  }
  return [...byOperation]
    .filter(([, buckets]) => buckets.size > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([operation, buckets]) => ({
      operation,
      points: [...buckets.values()].sort((a, b) => a.t - b.t),
    }));
}

function windowStartMs(s: Summary): number {
  return s.window_start === undefined ? 0 : Date.parse(s.window_start);
}

// The current window's rows, then older windows, then the cumulative ones.
function rank(s: Summary, currentStart: number): number {
  if (s.scope === 'cumulative') return 2;
  return windowStartMs(s) === currentStart ? 0 : 1;
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values.filter((v) => v !== ''))].sort();
}
