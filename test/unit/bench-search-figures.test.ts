import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  exactVsIndexed,
  levelRecalls,
  minApproximateRecall,
  scalingRatios,
} from '../../src/bench/search-figures.js';
import {
  levelPlans,
  modeRequest,
  SearchMode,
  type SearchLevel,
} from '../../src/bench/search-levels.js';
import { LatencyRecorder } from '../../src/bench/latency.js';

function level(mode: SearchMode, concurrency: number, qps: number, p50: number): SearchLevel {
  const latency = new LatencyRecorder();
  latency.record(p50);
  return {
    mode,
    concurrency,
    queries: 10,
    errors: 0,
    seconds: 1,
    qps,
    latency: latency.stats(),
    recall_queries: 0,
  };
}

test('bench search figures - recall per level from its own samples', () => {
  const levels = [level(SearchMode.Indexed, 1, 10, 5), level(SearchMode.Filtered1, 1, 10, 5)];
  const truth = Array.from({ length: 10 }, (_, i) => ({ index: i, score: 1 - i / 100 }));
  const id = (i: number) => `p${i}`;
  const all = truth.map((n) => id(n.index));
  const samples = [
    { level: 0, row: 0, salt: 0, filter: undefined, ids: all },
    { level: 0, row: 1, salt: 1, filter: undefined, ids: [...all.slice(0, 8), 'x', 'y'] },
    { level: 1, row: 2, salt: 2, filter: undefined, ids: all.slice(0, 5) },
  ];
  const scored = levelRecalls(levels, samples, [truth, truth, truth], id);
  assert.equal(scored[0]?.recall_at_10, 0.9);
  assert.equal(scored[1]?.recall_at_10, 0.5);
  assert.equal(minApproximateRecall(scored), 0.5);
  // A level without samples keeps no recall.
  assert.equal(levelRecalls(levels, [], [], id)[0]?.recall_at_10, undefined);
});

test('bench search figures - exact levels do not count toward the approximate recall', () => {
  const exact = { ...level(SearchMode.Exact, 1, 1, 100), recall_at_10: 0.5 };
  const indexed = { ...level(SearchMode.Indexed, 1, 1, 100), recall_at_10: 0.97 };
  assert.equal(minApproximateRecall([exact, indexed]), 0.97);
  assert.equal(minApproximateRecall([exact]), undefined);
});

test('bench search figures - concurrency scaling and exact ÷ indexed ratios', () => {
  const levels = [
    level(SearchMode.Indexed, 1, 50, 20),
    level(SearchMode.Indexed, 8, 150, 50),
    level(SearchMode.Exact, 1, 2, 500),
    level(SearchMode.Exact, 8, 3, 2_500),
    level(SearchMode.Filtered1, 1, 40, 25),
  ];
  assert.deepEqual(scalingRatios(levels), [
    { mode: 'indexed', from: 1, to: 8, qps_ratio: 3 },
    { mode: 'exact', from: 1, to: 8, qps_ratio: 1.5 },
  ]);
  assert.deepEqual(
    // The histogram keeps 3 significant digits, so the latency ratio is close, not exact.
    exactVsIndexed(levels).map((r) => [r.concurrency, Math.round(r.p50_ratio), r.qps_ratio]),
    [
      [1, 25, 25],
      [8, 50, 50],
    ],
  );
});

test('bench search levels - every concurrency indexed and exact, filtered at c1', () => {
  assert.deepEqual(
    levelPlans([1, 8]).map((p) => `${p.mode}@${p.concurrency}`),
    ['indexed@1', 'indexed@8', 'exact@1', 'exact@8', 'filtered_1pct@1', 'filtered_10pct@1'],
  );
});

test('bench search levels - a filtered query matches its own row and the stated share', () => {
  for (const [mode, buckets] of [
    [SearchMode.Filtered1, 100],
    [SearchMode.Filtered10, 10],
  ] as const) {
    const request = modeRequest(mode, 1_234);
    const accept = request.accept;
    assert.ok(accept !== undefined && request.filter !== undefined);
    assert.equal(accept(1_234), true);
    const share = Array.from({ length: 10_000 }, (_, r) => r).filter(accept).length;
    assert.equal(share, 10_000 / buckets);
    const condition = request.filter.must[0]?.condition;
    assert.equal(condition?.$case, 'match');
  }
  assert.deepEqual(modeRequest(SearchMode.Exact, 3), { params: { exact: true } });
  assert.deepEqual(modeRequest(SearchMode.Indexed, 3), {});
});
