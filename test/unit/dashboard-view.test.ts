import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DashboardState } from '../../src/consumer/index.js';
import {
  buildDashboardView,
  parseDashboardQuery,
  type DashboardView,
} from '../../src/consumer/dashboard-view.js';
import { SummaryState } from '../../src/consumer/summary-state.js';
import type { CloudEvent } from '../../src/events/index.js';
import { cloudEvent } from '../helpers/consumer-events.js';

// 2026-01-01T01:00:03Z: not on a minute boundary.
const NOW_MS = Date.UTC(2026, 0, 1, 1, 0, 3);
const WINDOW_MS = 60_000;

function viewOf(events: readonly CloudEvent[], query: string): DashboardView {
  const summary = new SummaryState(WINDOW_MS);
  for (const e of events) summary.apply(e);
  const state: DashboardState = {
    generated_at: new Date(NOW_MS).toISOString(),
    consumer: {
      name: 'test',
      stream: 'VECTORADMIN_EVENTS',
      applied: events.length,
      redelivered: 0,
      duplicate: 0,
      invalid: 0,
      skipped: 0,
      partition: '0/1',
      contiguous_seq: events.length,
      stream_pending: 0,
      open_streams: 0,
      streams_ended_by_restart: 0,
    },
    series: summary.series('second'),
    minute_series: summary.series('minute'),
    summaries: summary.currentSummaries(),
    alerts: [],
  };
  return buildDashboardView(state, parseDashboardQuery(new URLSearchParams(query)), (rows) =>
    summary.mergedLatency(rows),
  );
}

function searches(count: number, tenantId: string, atMs: number, durationMs = 1): CloudEvent[] {
  return Array.from({ length: count }, () =>
    cloudEvent({
      operation: 'search',
      tenantId,
      collection: `client_${tenantId}_docs`,
      startedAt: new Date(atMs),
      durationMs,
    }),
  );
}

/** Operations per chart, summed over its buckets. */
function chartOps(view: DashboardView): Record<string, number> {
  return Object.fromEntries(
    view.series.map((s) => [s.operation, s.points.reduce((n, p) => n + p.ops, 0)]),
  );
}

test('dashboard view - the charts follow the tenant and collection filters', () => {
  const events = [
    ...searches(10, 'acme', NOW_MS - 2000, 4),
    ...searches(5, 'globex', NOW_MS - 2000, 2),
    cloudEvent({
      tenantId: 'globex',
      collection: 'client_globex_docs',
      startedAt: new Date(NOW_MS),
    }),
  ];
  assert.deepEqual(chartOps(viewOf(events, 'range=5m')), { search: 15, upsert: 1 });
  const globex = viewOf(events, 'range=5m&tenant=globex');
  assert.deepEqual(chartOps(globex), { search: 5, upsert: 1 });
  assert.deepEqual(globex.series[0]?.points, [
    { t: NOW_MS - 2000, ops: 5, errors: 0, points: 50, mean_ms: 2, max_ms: 2 },
  ]);
  assert.deepEqual(chartOps(viewOf(events, 'tenant=acme&collection=client_acme_docs')), {
    search: 10,
  });
  assert.deepEqual(chartOps(viewOf(events, 'tenant=acme&collection=other')), {});
  const both = viewOf(events, 'range=5m').series.find((s) => s.operation === 'search');
  assert.equal(both?.points[0]?.mean_ms, (10 * 4 + 5 * 2) / 15, 'merged means weigh by ops');
});

test('dashboard view - the charts of the last hour and of all draw per minute over the hour', () => {
  const events = [...searches(3, 'initech', NOW_MS - 30 * 60_000), ...searches(2, 'acme', NOW_MS)];
  const fiveMinutes = viewOf(events, 'range=5m');
  assert.equal(fiveMinutes.series_bucket_ms, 1000);
  assert.deepEqual(chartOps(fiveMinutes), { search: 2 });
  for (const range of ['1h', 'all']) {
    const view = viewOf(events, `range=${range}`);
    assert.equal(view.series_bucket_ms, 60_000, range);
    assert.deepEqual(chartOps(view), { search: 5 }, range);
    assert.deepEqual(
      view.series[0]?.points.map((p) => p.t),
      [NOW_MS - 30 * 60_000 - 3000, NOW_MS - 3000],
      `${range}: minute buckets`,
    );
  }
  assert.deepEqual(chartOps(viewOf(events, 'range=1h&tenant=initech')), { search: 3 });
});

test('dashboard view - p99 per operation is that of the rows shown merged, not the highest row p99', () => {
  const events = [...searches(1000, 'acme', NOW_MS, 1), ...searches(5, 'globex', NOW_MS, 100)];
  const view = viewOf(events, 'range=5m');
  assert.deepEqual(
    view.rows.map((r) => r.latency_ms.p99),
    [1, 100],
    'each row alone',
  );
  assert.deepEqual(view.p99_ms, [{ operation: 'search', p99_ms: 1 }]);
  assert.deepEqual(viewOf(events, 'range=5m&tenant=globex').p99_ms, [
    { operation: 'search', p99_ms: 100 },
  ]);
});
