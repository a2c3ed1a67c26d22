import { round } from './context.js';
import { recallAtK, type Neighbour } from './exact-knn.js';
import { K, SearchMode, type RecallSample, type SearchLevel } from './search-levels.js';

/** QPS at the highest concurrency ÷ QPS at concurrency 1, per mode. */
export interface ScalingRatio {
  readonly mode: SearchMode;
  readonly from: number;
  readonly to: number;
  readonly qps_ratio: number;
}

/** Exact search ÷ indexed search at one concurrency, measured in the same run. */
export interface ExactVsIndexed {
  readonly concurrency: number;
  /** Exact p50 ÷ indexed p50: how many times slower a search is without the index. */
  readonly p50_ratio: number;
  readonly p99_ratio: number;
  /** Indexed QPS ÷ exact QPS. */
  readonly qps_ratio: number;
}

/** Recall@10 of each level's sampled answers against the exact answers (`truths[i]` for sample i). */
export function levelRecalls(
  levels: readonly SearchLevel[],
  samples: readonly RecallSample[],
  truths: readonly (readonly Neighbour[])[],
  idOf: (row: number) => string,
): SearchLevel[] {
  const sums = levels.map(() => ({ sum: 0, n: 0 }));
  samples.forEach((sample, i) => {
    const acc = sums[sample.level];
    if (acc === undefined) return;
    acc.sum += recallAtK(sample.ids, truths[i] ?? [], idOf, K);
    acc.n += 1;
  });
  return levels.map((level, i) => {
    const acc = sums[i];
    if (acc === undefined || acc.n === 0) return level;
    return { ...level, recall_at_10: round(acc.sum / acc.n, 4) };
  });
}

/** The lowest recall over the levels that do not ask for exact search; undefined if none. */
export function minApproximateRecall(levels: readonly SearchLevel[]): number | undefined {
  const recalls = levels
    .filter((l) => l.mode !== SearchMode.Exact && l.recall_at_10 !== undefined)
    .map((l) => l.recall_at_10 as number);
  return recalls.length === 0 ? undefined : Math.min(...recalls);
}

/** The level of `mode` at `concurrency`, if it ran. */
export function levelOf(
  levels: readonly SearchLevel[],
  mode: SearchMode,
  concurrency: number,
): SearchLevel | undefined {
  return levels.find((l) => l.mode === mode && l.concurrency === concurrency && l.queries > 0);
}

/** How QPS grows from concurrency 1 to the highest level, for each mode run at both. */
export function scalingRatios(levels: readonly SearchLevel[]): ScalingRatio[] {
  const out: ScalingRatio[] = [];
  for (const mode of Object.values(SearchMode)) {
    const one = levelOf(levels, mode, 1);
    const top = levels
      .filter((l) => l.mode === mode && l.concurrency > 1 && l.queries > 0)
      .sort((a, b) => b.concurrency - a.concurrency)[0];
    if (one === undefined || top === undefined || one.qps <= 0) continue;
    out.push({ mode, from: 1, to: top.concurrency, qps_ratio: round(top.qps / one.qps, 2) });
  }
  return out;
}

/** Exact beside indexed at every concurrency where both ran. */
export function exactVsIndexed(levels: readonly SearchLevel[]): ExactVsIndexed[] {
  const out: ExactVsIndexed[] = [];
  for (const indexed of levels.filter((l) => l.mode === SearchMode.Indexed && l.queries > 0)) {
    const exact = levelOf(levels, SearchMode.Exact, indexed.concurrency);
    if (exact === undefined) continue;
    const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 2) : 0);
    out.push({
      concurrency: indexed.concurrency,
      p50_ratio: ratio(exact.latency.p50_ms, indexed.latency.p50_ms),
      p99_ratio: ratio(exact.latency.p99_ms, indexed.latency.p99_ms),
      qps_ratio: ratio(indexed.qps, exact.qps),
    });
  }
  return out;
}
