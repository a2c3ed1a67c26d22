import { progressFor, seconds, type BenchContext } from './context.js';
import { exactTopK } from './exact-knn.js';
import type { IndexWatch } from './index-watch.js';
import type { IngestedCollection } from './ingest-scenario.js';
import type { ChartData, IndexSample, ScenarioResult } from './report.js';
import {
  exactVsIndexed,
  levelRecalls,
  minApproximateRecall,
  scalingRatios,
} from './search-figures.js';
import {
  K,
  levelPlans,
  runLevel,
  SearchMode,
  warmUp,
  type RecallSample,
  type SearchLevel,
} from './search-levels.js';

/** Recall@10 of every search that does not ask for exact results must reach this. */
export const RECALL_TARGET = 0.95;

// Exact candidates beyond k, so a float32 near-tie at rank k can still be recognised.
const EXTRA_CANDIDATES = 5;

/** The search scenario's result and its concurrency curve (default params). */
export interface SearchOutcome {
  readonly result: ScenarioResult;
  readonly curve: ChartData['concurrency'][number][];
}

/**
 * Search on the primary collection, where the volume is: every concurrency level with default
 * params (the index) and with `exact`, side by side, then filtered at 1% and 10% selectivity;
 * latency percentiles and QPS per level. The first answers of every level are then scored
 * against exact neighbours computed by brute force over the regenerated rows (filters
 * included), so recall@10 is known per level; a level below RECALL_TARGET fails the scenario.
 * A level that fails is recorded and the next one still runs.
 */
export async function searchScenario(
  ctx: BenchContext,
  target: IngestedCollection,
  watch: IndexWatch | undefined,
): Promise<SearchOutcome> {
  const started = performance.now();
  const errors: string[] = [];
  let statusAtSearch: IndexSample | undefined;
  try {
    statusAtSearch = await watch?.sample();
  } catch (err) {
    errors.push(`GetCollection before searching: ${(err as Error).message}`);
  }
  let salt = 0;
  let levels: SearchLevel[] = [];
  const samples: RecallSample[] = [];
  const warmup = await warmUp(ctx, target, ctx.options.warmupQueries, () => salt++);
  errors.push(...warmup.failures);
  if (warmup.figures.queries > 0) {
    const w = warmup.figures;
    ctx.log(
      `search warm-up: ${w.queries} queries, first ${w.first_ms} ms, p50 ${w.latency.p50_ms} ms, max ${w.latency.max_ms} ms`,
    );
  }
  for (const [index, plan] of levelPlans(ctx.options.searchConcurrency).entries()) {
    ctx.signal.throwIfAborted();
    const run = await runLevel(ctx, target, plan, index, ctx.options.recallQueries, () => salt++);
    levels.push(run.level);
    samples.push(...run.samples);
    errors.push(...run.failures.slice(0, Math.max(0, 10 - errors.length)));
    const l = run.level;
    ctx.log(
      `search ${l.mode} c=${l.concurrency}: ${l.queries} queries, ${l.qps} QPS, p50 ${l.latency.p50_ms} ms, p99 ${l.latency.p99_ms} ms`,
    );
  }
  const bruteStarted = performance.now();
  try {
    levels = await scoreRecall(ctx, target, levels, samples);
  } catch (err) {
    errors.push(`recall ground truth: ${(err as Error).message}`);
  }
  const bruteForceS = seconds(performance.now() - bruteStarted);
  const worst = minApproximateRecall(levels);
  const exactRecall = levels
    .filter((l) => l.mode === SearchMode.Exact && l.recall_at_10 !== undefined)
    .map((l) => l.recall_at_10 as number);
  const failedQueries = levels.reduce((sum, l) => sum + l.errors, 0);
  const recallShort = worst !== undefined && worst < RECALL_TARGET;
  return {
    result: {
      test_name: 'search',
      success: failedQueries === 0 && errors.length === 0 && !recallShort,
      duration: seconds(performance.now() - started),
      records_processed: levels.reduce((sum, l) => sum + l.queries, 0),
      vectors_created: 0,
      errors: [
        ...errors,
        ...(recallShort ? [`recall@10 ${worst} < ${RECALL_TARGET} with default params`] : []),
      ],
      metrics: {
        k: K,
        collection: target.collection,
        points: target.acked,
        status_at_search: statusAtSearch ?? null,
        warmup: warmup.figures,
        levels,
        scaling: scalingRatios(levels),
        exact_vs_indexed: exactVsIndexed(levels),
        recall_at_10_min: worst ?? null,
        recall_at_10_exact_min: exactRecall.length === 0 ? null : Math.min(...exactRecall),
        recall_target: RECALL_TARGET,
        brute_force_s: bruteForceS,
      },
    },
    curve: levels
      .filter((l) => l.mode === SearchMode.Indexed)
      .map((l) => ({
        concurrency: l.concurrency,
        qps: l.qps,
        p50_ms: l.latency.p50_ms,
        p99_ms: l.latency.p99_ms,
      })),
  };
}

// One brute-force pass over the collection's rows answers every sampled query at once.
async function scoreRecall(
  ctx: BenchContext,
  target: IngestedCollection,
  levels: SearchLevel[],
  samples: readonly RecallSample[],
): Promise<SearchLevel[]> {
  if (samples.length === 0) return levels;
  const { table } = target;
  const progress = progressFor(ctx, `recall@10: brute force, ${samples.length} queries`, 1);
  const truths = await exactTopK(
    table,
    target.acked,
    samples.map((s) => table.query(s.row, s.salt)),
    K + EXTRA_CANDIDATES,
    ctx.signal,
    samples.map((s) => s.filter),
  );
  progress.advance(1);
  progress.finish();
  return levelRecalls(levels, samples, truths, (i) => table.recordId(i));
}
