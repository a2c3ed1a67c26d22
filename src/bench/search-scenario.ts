import { plainId, wireVector } from '../client/index.js';
import { Operation } from '../domain/index.js';
import type { SearchResponse } from '../gen/vectoradmin/v1/vectoradmin.js';
import { progressFor, round, seconds, tallied, type BenchContext } from './context.js';
import { exactTopK, recallAtK } from './exact-knn.js';
import type { IngestedCollection } from './ingest-scenario.js';
import { LatencyRecorder, type LatencyStats } from './latency.js';
import { mixSeed, mulberry32 } from './payloads.js';
import type { ChartData, ScenarioResult } from './report.js';

const K = 10;
// Exact candidates beyond k, so a float32 near-tie at rank k can still be recognised.
const EXTRA_CANDIDATES = 5;

/** One concurrency level's figures, overall and per collection (latency grows with size). */
export interface SearchLevel {
  readonly concurrency: number;
  readonly queries: number;
  readonly errors: number;
  readonly seconds: number;
  readonly qps: number;
  readonly latency: LatencyStats;
  readonly by_collection: readonly {
    readonly collection: string;
    readonly points: number;
    readonly latency: LatencyStats;
  }[];
}

/** The search scenario's result and its concurrency curve. */
export interface SearchOutcome {
  readonly result: ScenarioResult;
  readonly curve: ChartData['concurrency'][number][];
}

/**
 * Search latency and QPS at each concurrency level, queries spread round-robin over the
 * ingested collections (each a perturbed stored vector, top 10, no payload); then recall@10
 * of a sample per collection against brute force. With `exact` (the embedded store) anything
 * below 1.0 is a failure; against an ANN index it is the figure to read.
 */
export async function searchScenario(
  ctx: BenchContext,
  targets: readonly IngestedCollection[],
  exact: boolean,
): Promise<SearchOutcome> {
  const started = performance.now();
  const levels: SearchLevel[] = [];
  const errors: string[] = [];
  let salt = 0;
  const search = async (target: IngestedCollection, index: number, querySalt: number) => {
    const { table } = target;
    return tallied(
      ctx,
      Operation.Search,
      target.collection,
      () =>
        ctx.api.search({
          tenantId: table.tenantId,
          table: table.table,
          vector: wireVector(table.query(index, querySalt), 'f32le'),
          limit: K,
          withPayload: false,
        }),
      // A search event counts the hits it returned as its points.
      (r) => r.points.length,
    );
  };
  for (const concurrency of ctx.options.searchConcurrency) {
    const { failures, ...level } = await runLevel(ctx, targets, concurrency, (target, index) =>
      search(target, index, salt++),
    );
    levels.push(level);
    errors.push(...failures.slice(0, Math.max(0, 10 - errors.length)));
    ctx.log(
      `search c=${concurrency}: ${level.queries} queries, ${level.qps} QPS, p50 ${level.latency.p50_ms} ms, p99 ${level.latency.p99_ms} ms`,
    );
  }
  const recall = await measureRecall(ctx, targets, search, errors);
  const worst = Math.min(...recall.map((r) => r.recall_at_10));
  const failedQueries = levels.reduce((sum, l) => sum + l.errors, 0);
  return {
    result: {
      test_name: 'search',
      success: failedQueries === 0 && errors.length === 0 && (!exact || worst === 1),
      duration: seconds(performance.now() - started),
      records_processed: levels.reduce((sum, l) => sum + l.queries, 0),
      vectors_created: 0,
      errors: [
        ...errors,
        ...(exact && worst < 1 ? [`recall@10 ${worst} < 1.0 on an exact store`] : []),
      ],
      metrics: {
        k: K,
        collections: targets.map((t) => ({ collection: t.collection, points: t.acked })),
        levels,
        recall,
        recall_at_10_min: worst,
        store_is_exact: exact,
      },
    },
    curve: levels.map((l) => ({
      concurrency: l.concurrency,
      qps: l.qps,
      p50_ms: l.latency.p50_ms,
      p99_ms: l.latency.p99_ms,
    })),
  };
}

async function measureRecall(
  ctx: BenchContext,
  targets: readonly IngestedCollection[],
  search: (target: IngestedCollection, index: number, salt: number) => Promise<SearchResponse>,
  errors: string[],
): Promise<{ collection: string; queries: number; recall_at_10: number; brute_force_s: number }[]> {
  const out = [];
  const progress = progressFor(ctx, 'recall@10 (brute force)', targets.length);
  for (const [t, target] of targets.entries()) {
    const { table } = target;
    const next = mulberry32(mixSeed(ctx.options.seed ^ 0x3c6ef372, t));
    const indices = Array.from(
      { length: ctx.options.recallQueries },
      () => next() % Math.max(1, target.acked),
    );
    const salts = indices.map((_, q) => 1_000_000 + q);
    const bruteStarted = performance.now();
    const exact = await exactTopK(
      table,
      target.acked,
      indices.map((i, q) => table.query(i, salts[q] as number)),
      K + EXTRA_CANDIDATES,
      ctx.signal,
    );
    const bruteSeconds = (performance.now() - bruteStarted) / 1000;
    let sum = 0;
    for (const [q, index] of indices.entries()) {
      try {
        const response = await search(target, index, salts[q] as number);
        const ids = response.points.map((p) => String(plainId(p.id)));
        sum += recallAtK(ids, exact[q] ?? [], (i) => table.pointId(i), K);
      } catch (err) {
        errors.push(`recall query on ${target.collection}: ${(err as Error).message}`);
      }
    }
    out.push({
      collection: target.collection,
      queries: indices.length,
      recall_at_10: indices.length === 0 ? 1 : round(sum / indices.length, 4),
      brute_force_s: round(bruteSeconds, 2),
    });
    progress.advance(1);
  }
  progress.finish();
  return out;
}

// `concurrency` workers query round-robin over the targets until `searchMs` has passed (the
// queries in flight then finish and count).
async function runLevel(
  ctx: BenchContext,
  targets: readonly IngestedCollection[],
  concurrency: number,
  search: (target: IngestedCollection, index: number) => Promise<unknown>,
): Promise<SearchLevel & { readonly failures: string[] }> {
  const latency = new LatencyRecorder();
  const byCollection = new Map(targets.map((t) => [t, new LatencyRecorder()]));
  const failures: string[] = [];
  const started = performance.now();
  const deadline = started + ctx.options.searchMs;
  const worker = async (w: number) => {
    const next = mulberry32(mixSeed(ctx.options.seed + concurrency, w));
    for (let i = 0; performance.now() < deadline && !ctx.signal.aborted; i++) {
      const target = targets[(w + i) % targets.length] as IngestedCollection;
      const callStarted = performance.now();
      try {
        await search(target, next() % Math.max(1, target.acked));
        const ms = performance.now() - callStarted;
        latency.record(ms);
        byCollection.get(target)?.record(ms);
      } catch (err) {
        failures.push(`search ${target.collection}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const elapsedS = (performance.now() - started) / 1000;
  const stats = latency.stats();
  return {
    concurrency,
    queries: stats.count,
    errors: failures.length,
    seconds: round(elapsedS),
    qps: round(stats.count / elapsedS, 2),
    latency: stats,
    by_collection: targets.map((t) => ({
      collection: t.collection,
      points: t.acked,
      latency: byCollection.get(t)?.stats() ?? new LatencyRecorder().stats(),
    })),
    failures,
  };
}
