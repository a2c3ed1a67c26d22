import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SummaryState, type Summary } from '../../src/consumer/index.js';
import { RETAINED_WINDOWS } from '../../src/consumer/summary-state.js';
import {
  cloudEvent,
  eventRun,
  exactCumulative,
  exactStats,
  keyOfSummary,
} from '../helpers/consumer-events.js';

const WINDOW_MS = 10_000;
// 2026-01-01T00:00:03Z: deliberately not on a window boundary.
const START_MS = Date.UTC(2026, 0, 1, 0, 0, 3);

function stateOf(events: ReturnType<typeof eventRun>): SummaryState {
  const state = new SummaryState(WINDOW_MS);
  for (const e of events) state.apply(e);
  return state;
}

/** HdrHistogram with 3 significant digits: within 0.1%, plus 1 µs for rounding to µs. */
function assertClose(actual: number, exact: number, what: string): void {
  const tolerance = exact * 0.001 + 0.001;
  assert.ok(
    Math.abs(actual - exact) <= tolerance,
    `${what}: ${actual} vs exact ${exact} (tolerance ${tolerance})`,
  );
}

test('summary state - cumulative percentiles match an independent computation over the raw events', () => {
  const events = eventRun(3000, 7, START_MS);
  const exact = exactCumulative(events);
  const cumulative = stateOf(events)
    .summaries()
    .filter((s) => s.scope === 'cumulative');
  assert.equal(cumulative.length, exact.size);
  for (const s of cumulative) {
    const e = exact.get(keyOfSummary(s));
    assert.ok(e !== undefined, `unexpected key ${keyOfSummary(s)}`);
    assert.equal(s.operations, e.operations);
    assert.equal(s.errors, e.errors);
    assert.equal(s.error_rate, e.errors / e.operations);
    assert.equal(s.points, e.points);
    assert.equal(s.bytes, e.bytes);
    assertClose(s.latency_ms.min, e.minMs, 'min');
    assertClose(s.latency_ms.max, e.maxMs, 'max');
    assertClose(s.latency_ms.mean, e.meanMs, 'mean');
    assertClose(s.latency_ms.p50, e.p50Ms, 'p50');
    assertClose(s.latency_ms.p95, e.p95Ms, 'p95');
    assertClose(s.latency_ms.p99, e.p99Ms, 'p99');
  }
});

test('summary state - rates divide by the span from the first start to the last end', () => {
  const events = [
    cloudEvent({ startedAt: new Date(START_MS), durationMs: 100, points: 10, bytes: 2_000_000 }),
    cloudEvent({
      startedAt: new Date(START_MS + 1900),
      durationMs: 100,
      points: 30,
      bytes: 2_000_000,
    }),
  ];
  const [s] = stateOf(events).summaries();
  assert.ok(s !== undefined);
  assert.equal(s.ops_per_s, 1);
  assert.equal(s.points_per_s, 20);
  assert.equal(s.mb_per_s, 2);
  assert.equal(s.first_started_at, new Date(START_MS).toISOString());
  assert.equal(s.last_ended_at, new Date(START_MS + 2000).toISOString());
});

test('summary state - one operation is 1 op/s, not 1/latency; refused points are no throughput', () => {
  const events = [
    cloudEvent({ startedAt: new Date(START_MS), durationMs: 2, points: 10, bytes: 500_000 }),
    cloudEvent({
      startedAt: new Date(START_MS),
      durationMs: 1,
      points: 99,
      bytes: 9_000_000,
      outcome: 'error',
      grpcCode: 'INVALID_ARGUMENT',
    }),
  ];
  const [s] = stateOf(events).summaries();
  assert.ok(s !== undefined);
  assert.equal(s.ops_per_s, 2, 'two operations within one second');
  assert.equal(s.points, 10);
  assert.equal(s.points_per_s, 10);
  assert.equal(s.mb_per_s, 0.5);
  assert.equal(s.errors, 1);
  assert.equal(s.server_errors, 0);
});

test('summary state - windows are aligned to event time and hold exactly their events', () => {
  const events = eventRun(2000, 11, START_MS, 61);
  const windows = stateOf(events)
    .summaries()
    .filter((s) => s.scope === 'window');
  for (const s of windows) {
    const startMs = Date.parse(s.window_start ?? '');
    assert.equal(startMs % WINDOW_MS, 0, 'window starts on a multiple of the window length');
    const inWindow = events.filter((e) => {
      const t = Date.parse(e.data.started_at);
      return (
        t >= startMs &&
        t < startMs + WINDOW_MS &&
        keyOfSummary(s) === `${e.data.operation}|${e.data.tenant_id}|${e.data.collection}`
      );
    });
    const exact = exactStats(inWindow);
    assert.equal(s.operations, exact.operations);
    assertClose(s.latency_ms.p99, exact.p99Ms, 'window p99');
  }
  const total = windows.reduce((sum, s) => sum + s.operations, 0);
  assert.equal(total, events.length, 'every event is in exactly one window');
});

test('summary state - keeps the newest windows only, counted from the newest event', () => {
  const events = eventRun(RETAINED_WINDOWS + 20, 3, START_MS, WINDOW_MS);
  const starts = new Set(
    stateOf(events)
      .summaries()
      .flatMap((s) => (s.window_start === undefined ? [] : [s.window_start])),
  );
  assert.equal(starts.size, RETAINED_WINDOWS);
  const cumulative = stateOf(events)
    .summaries()
    .filter((s) => s.scope === 'cumulative');
  assert.equal(
    cumulative.reduce((sum, s) => sum + s.operations, 0),
    events.length,
    'cumulative keeps everything',
  );
});

test('summary state - any order of the same events gives identical summaries (replay equality)', () => {
  const events = eventRun(300, 5, START_MS, 400);
  const expected = stateOf(events).summaries();
  fc.assert(
    fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (shuffled) => {
      assert.deepEqual(stateOf(shuffled).summaries(), expected);
    }),
    { numRuns: 15 },
  );
});

test('summary state - a checkpoint round trip restores identical summaries and keeps counting', () => {
  const events = eventRun(1200, 9, START_MS);
  const first = stateOf(events.slice(0, 700));
  const restored = SummaryState.fromJSON(
    JSON.parse(JSON.stringify(first.toJSON())) as ReturnType<SummaryState['toJSON']>,
  );
  assert.deepEqual(restored.summaries(), first.summaries());
  for (const e of events.slice(700)) restored.apply(e);
  assert.deepEqual(restored.summaries(), stateOf(events).summaries());
});

test('summary state - takeChanged returns only what changed since the last call', () => {
  const state = new SummaryState(WINDOW_MS);
  state.apply(
    cloudEvent({ startedAt: new Date(START_MS), tenantId: 'acme', collection: 'client_acme_docs' }),
  );
  assert.equal(state.takeChanged().length, 2, 'cumulative and its window');
  assert.deepEqual(state.takeChanged(), []);
  state.apply(
    cloudEvent({
      startedAt: new Date(START_MS),
      operation: 'search',
      tenantId: 'globex',
      table: 'docs',
      collection: 'client_globex_docs',
    }),
  );
  const changed: Summary[] = state.takeChanged();
  assert.deepEqual(new Set(changed.map((s) => s.tenant_id)), new Set(['globex']));
});

test('summary state - open upsert streams count opens minus closes in any order', () => {
  const state = new SummaryState(WINDOW_MS);
  const open = (id: string) => cloudEvent({ operation: 'stream_opened', streamId: id, points: 0 });
  const close = (id: string) => cloudEvent({ operation: 'stream_closed', streamId: id, points: 0 });
  state.apply(close('s1'));
  assert.equal(state.openStreamCount(), 0);
  state.apply(open('s1'));
  state.apply(open('s2'));
  assert.equal(state.openStreamCount(), 1);
  state.apply(close('s2'));
  assert.equal(state.openStreamCount(), 0);
});

test('summary state - the per-second series counts events by start second', () => {
  const state = new SummaryState(WINDOW_MS);
  state.apply(cloudEvent({ startedAt: new Date(START_MS), durationMs: 2 }));
  state.apply(
    cloudEvent({
      startedAt: new Date(START_MS + 500),
      durationMs: 4,
      outcome: 'error',
      grpcCode: 'INTERNAL',
    }),
  );
  state.apply(cloudEvent({ startedAt: new Date(START_MS + 1000), durationMs: 8 }));
  state.apply(cloudEvent({ startedAt: new Date(START_MS + 1000), tenantId: 'globex' }));
  const acme = { operation: 'upsert', tenant_id: 'acme', collection: 'client_acme_docs' };
  assert.deepEqual(state.series('second'), [
    {
      ...acme,
      points: [
        { t: START_MS, ops: 2, errors: 1, points: 10, mean_ms: 3, max_ms: 4 },
        { t: START_MS + 1000, ops: 1, errors: 0, points: 10, mean_ms: 8, max_ms: 8 },
      ],
    },
    {
      ...acme,
      tenant_id: 'globex',
      points: [{ t: START_MS + 1000, ops: 1, errors: 0, points: 10, mean_ms: 1.5, max_ms: 1.5 }],
    },
  ]);
  const minute = START_MS - (START_MS % 60_000);
  assert.deepEqual(state.series('minute')[0], {
    ...acme,
    points: [{ t: minute, ops: 3, errors: 1, points: 20, mean_ms: 14 / 3, max_ms: 8 }],
  });
});

test('summary state - per-second series keep 10 minutes, per-minute series an hour, through a checkpoint', () => {
  const state = new SummaryState(WINDOW_MS);
  state.apply(cloudEvent({ startedAt: new Date(START_MS) }));
  state.apply(cloudEvent({ startedAt: new Date(START_MS + 30 * 60_000) }));
  const restored = SummaryState.fromJSON(
    JSON.parse(JSON.stringify(state.toJSON())) as ReturnType<SummaryState['toJSON']>,
  );
  const times = (resolution: 'second' | 'minute') =>
    restored.series(resolution).flatMap((s) => s.points.map((p) => p.t - START_MS));
  assert.deepEqual(times('second'), [30 * 60_000]);
  assert.deepEqual(times('minute'), [-(START_MS % 60_000), 30 * 60_000 - (START_MS % 60_000)]);
  restored.apply(cloudEvent({ startedAt: new Date(START_MS + 61 * 60_000) }));
  assert.equal(times('minute').length, 2, 'the first minute fell out of the hour');
});

test('summary state - the latency of several keys comes from their merged histograms', () => {
  const state = new SummaryState(WINDOW_MS);
  // 1,000 fast searches of one tenant and 5 slow ones of another: each key's own p99 is its
  // only latency, but 5 in 1,005 are under 1%, so the p99 of all of them is the fast one.
  for (let i = 0; i < 1000; i += 1)
    state.apply(cloudEvent({ operation: 'search', startedAt: new Date(START_MS), durationMs: 1 }));
  for (let i = 0; i < 5; i += 1) {
    state.apply(
      cloudEvent({
        operation: 'search',
        tenantId: 'globex',
        collection: 'client_globex_docs',
        startedAt: new Date(START_MS),
        durationMs: 100,
      }),
    );
  }
  const windows = state.currentSummaries().filter((s) => s.scope === 'window');
  assert.deepEqual(windows.map((s) => s.latency_ms.p99).sort(), [1, 100]);
  const merged = state.mergedLatency(windows);
  assert.equal(merged?.p99, 1);
  assert.equal(merged?.max, 100);
  assert.equal(merged?.mean, (1000 + 500) / 1005);
  const cumulative = state.currentSummaries().filter((s) => s.scope === 'cumulative');
  assert.equal(state.mergedLatency(cumulative)?.p99, 1);
  assert.equal(state.mergedLatency([]), undefined);
});

test('summary state - percentiles stay within the exact min and max', () => {
  const state = new SummaryState(WINDOW_MS);
  state.apply(cloudEvent({ startedAt: new Date(START_MS), durationMs: 61.783 }));
  const [s] = state.summaries();
  assert.deepEqual(s?.latency_ms, {
    min: 61.783,
    mean: 61.783,
    p50: 61.783,
    p95: 61.783,
    p99: 61.783,
    max: 61.783,
  });
});

test("summary state - a stream ended for the caller's silence is a caller error, not a server error", () => {
  const ended = (operation: 'stream_closed' | 'search') =>
    cloudEvent({
      startedAt: new Date(START_MS),
      durationMs: 1,
      operation,
      outcome: 'error',
      grpcCode: 'DEADLINE_EXCEEDED',
    });
  const [idle] = stateOf([ended('stream_closed')]).summaries();
  assert.equal(idle?.errors, 1);
  assert.equal(idle?.server_errors, 0, 'the idle timeout closing a silent stream');
  const [slow] = stateOf([ended('search')]).summaries();
  assert.equal(slow?.server_errors, 1, 'a search that ran out of time is the service failing');
});
