import { plainId, wireVector } from '../client/index.js';
import { Operation } from '../domain/index.js';
import type { Filter, SearchParams } from '../gen/vectoradmin/v1/vectoradmin.js';
import { round, tallied, type BenchContext } from './context.js';
import type { RowFilter } from './exact-knn.js';
import type { IngestedCollection } from './ingest-scenario.js';
import { LatencyRecorder, type LatencyStats } from './latency.js';
import { mixSeed, mulberry32, SELECTIVITY_KEYS } from './payloads.js';

/** Results per query. */
export const K = 10;

/** How a level searches: default params (the index), exact, or filtered at a selectivity. */
export const SearchMode = {
  Indexed: 'indexed',
  Exact: 'exact',
  Filtered1: 'filtered_1pct',
  Filtered10: 'filtered_10pct',
} as const;
export type SearchMode = (typeof SearchMode)[keyof typeof SearchMode];

/** One level to measure: a mode at a concurrency. */
export interface LevelPlan {
  readonly mode: SearchMode;
  readonly concurrency: number;
}

/** One level's figures; recall over the first queries it made, against exact ground truth. */
export interface SearchLevel {
  readonly mode: SearchMode;
  readonly concurrency: number;
  readonly queries: number;
  readonly errors: number;
  readonly seconds: number;
  readonly qps: number;
  readonly latency: LatencyStats;
  /** Undefined until the ground truth is in (or when no query was sampled). */
  readonly recall_at_10?: number;
  readonly recall_queries: number;
}

/** A query a level made, kept to score its answer against the exact one. */
export interface RecallSample {
  readonly level: number;
  readonly row: number;
  readonly salt: number;
  readonly filter: RowFilter | undefined;
  readonly ids: readonly string[];
}

/** The levels of a run: every concurrency indexed and exact, then filtered at concurrency 1. */
export function levelPlans(concurrencies: readonly number[]): LevelPlan[] {
  return [
    ...concurrencies.map((concurrency) => ({ mode: SearchMode.Indexed, concurrency })),
    ...concurrencies.map((concurrency) => ({ mode: SearchMode.Exact, concurrency })),
    { mode: SearchMode.Filtered1, concurrency: 1 },
    { mode: SearchMode.Filtered10, concurrency: 1 },
  ];
}

// The payload key a filtered mode matches on; the query's own row always matches.
const SELECTIVITY: Partial<Record<SearchMode, (typeof SELECTIVITY_KEYS)[number]>> = {
  [SearchMode.Filtered1]: SELECTIVITY_KEYS[0],
  [SearchMode.Filtered10]: SELECTIVITY_KEYS[1],
};

/** The request pieces of `mode` for a query near `row`, and the rows its filter accepts. */
export function modeRequest(
  mode: SearchMode,
  row: number,
): { params?: SearchParams; filter?: Filter; accept?: RowFilter } {
  if (mode === SearchMode.Exact) return { params: { exact: true } };
  const selectivity = SELECTIVITY[mode];
  if (selectivity === undefined) return {};
  const { key, buckets } = selectivity;
  const bucket = row % buckets;
  return {
    filter: {
      must: [
        {
          key,
          condition: {
            $case: 'match',
            value: { value: { $case: 'integer', value: BigInt(bucket) } },
          },
        },
      ],
      should: [],
      mustNot: [],
    },
    accept: (r) => r % buckets === bucket,
  };
}

/**
 * Exact scans of an index-sized table run one at a time in the embedded store, so at
 * concurrency 8 the last query waits for seven scans of the million before its own: 30-35 s on
 * a loaded 2-core machine, past the client's default 30 s deadline.
 */
const EXACT_SEARCH_TIMEOUT_MS = 180_000;

/**
 * `plan.concurrency` workers query `target` until `searchMs` has passed (the queries in flight
 * then finish and count). The first `sampleSize` answers are kept for recall. Never throws for
 * failed queries: they are counted and the first are returned.
 */
export async function runLevel(
  ctx: BenchContext,
  target: IngestedCollection,
  plan: LevelPlan,
  levelIndex: number,
  sampleSize: number,
  nextSalt: () => number,
): Promise<{ level: SearchLevel; samples: RecallSample[]; failures: string[] }> {
  const latency = new LatencyRecorder();
  const samples: RecallSample[] = [];
  const failures: string[] = [];
  let failed = 0;
  const started = performance.now();
  const deadline = started + ctx.options.searchMs;
  const worker = async (w: number) => {
    const next = mulberry32(mixSeed(ctx.options.seed + 97 * levelIndex, w));
    while (performance.now() < deadline && !ctx.signal.aborted) {
      const row = next() % Math.max(1, target.acked);
      const salt = nextSalt();
      const request = modeRequest(plan.mode, row);
      const callStarted = performance.now();
      try {
        const response = await searchOnce(ctx, target, row, salt, request);
        latency.record(performance.now() - callStarted);
        if (samples.length < sampleSize) {
          const ids = response.points.map((p) => String(plainId(p.id)));
          samples.push({ level: levelIndex, row, salt, filter: request.accept, ids });
        }
      } catch (err) {
        failed += 1;
        if (failures.length < 5)
          failures.push(`${plan.mode} c${plan.concurrency}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, (_, w) => worker(w)));
  const elapsedS = (performance.now() - started) / 1000;
  const stats = latency.stats();
  return {
    level: {
      mode: plan.mode,
      concurrency: plan.concurrency,
      queries: stats.count,
      errors: failed,
      seconds: round(elapsedS),
      qps: round(stats.count / elapsedS, 2),
      latency: stats,
      recall_queries: samples.length,
    },
    samples,
    failures,
  };
}

/** One search of `target` near `row`, counted as the service's events count it. */
function searchOnce(
  ctx: BenchContext,
  target: IngestedCollection,
  row: number,
  salt: number,
  request: ReturnType<typeof modeRequest>,
) {
  const { table } = target;
  return tallied(
    ctx,
    Operation.Search,
    target.collection,
    () =>
      ctx.api.search(
        {
          tenantId: table.tenantId,
          table: table.table,
          vector: wireVector(table.query(row, salt), 'f32le'),
          limit: K,
          withPayload: false,
          ...(request.params === undefined ? {} : { params: request.params }),
          ...(request.filter === undefined ? {} : { filter: request.filter }),
        },
        request.params?.exact === true ? EXACT_SEARCH_TIMEOUT_MS : undefined,
      ),
    // A search event counts the hits it returned as its points.
    (r) => r.points.length,
  );
}

/** The warm-up's figures: its queries' latency in the order sent, the first one apart. */
export interface WarmupFigures {
  readonly queries: number;
  readonly errors: number;
  /** The first answered query's latency (failed ones are counted in `errors`). */
  readonly first_ms: number | null;
  readonly latency: LatencyStats;
}

/**
 * `count` queries with default params, one at a time, before the timed levels: the first
 * searches of a table fill LanceDB's caches, which a long-running server has already done.
 */
export async function warmUp(
  ctx: BenchContext,
  target: IngestedCollection,
  count: number,
  nextSalt: () => number,
): Promise<{ figures: WarmupFigures; failures: string[] }> {
  const latency = new LatencyRecorder();
  const next = mulberry32(mixSeed(ctx.options.seed, 7_919));
  const failures: string[] = [];
  let first: number | null = null;
  for (let i = 0; i < count && !ctx.signal.aborted; i++) {
    const started = performance.now();
    try {
      const row = next() % Math.max(1, target.acked);
      await searchOnce(ctx, target, row, nextSalt(), modeRequest(SearchMode.Indexed, row));
      const ms = performance.now() - started;
      first ??= round(ms);
      latency.record(ms);
    } catch (err) {
      failures.push(`warm-up: ${(err as Error).message}`);
    }
  }
  const latencyStats = latency.stats();
  return {
    figures: {
      queries: latencyStats.count,
      errors: failures.length,
      first_ms: first,
      latency: latencyStats,
    },
    failures: failures.slice(0, 5),
  };
}
