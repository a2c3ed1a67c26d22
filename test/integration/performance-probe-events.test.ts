import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTelemetry, runConsumer, type Summary } from '../../src/consumer/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { startConsumerFixture } from '../helpers/consumer-stack.js';
import { QdrantSpecPeer } from '../helpers/qdrant-spec-peer.js';
import { startTestStack, uniqueName } from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';

const POINTS = 120;

function cumulative(summaries: readonly Summary[], operation: string, tenant: string) {
  return summaries.find(
    (s) => s.scope === 'cumulative' && s.operation === operation && s.tenant_id === tenant,
  );
}

test('performance probe - scheduled runs are evented step by step, reach the consumer and its dashboard, and a failed or slow run alerts', async () => {
  await using fx = await startConsumerFixture('probe schedule');
  const probeTenant = uniqueName('probe-sched');
  await using consumer = await runConsumer(
    // Every run is slower than this: probe_slow fires in each window with a run.
    fx.config({ VECTORADMIN_ALERT_PROBE_MS: '0.5' }),
    silentLogger,
    { telemetry: createTelemetry([]), tickMs: 100 },
  );
  await using peer = await QdrantSpecPeer.start();
  await using stack = await startTestStack({
    tenants: [probeTenant],
    natsUrl: fx.server.url,
    env: {
      VECTORADMIN_STORE: 'qdrant',
      QDRANT_URL: peer.url,
      QDRANT_TIMEOUT: '5',
      PERFORMANCE_TEST_TENANT_ID: probeTenant,
      PERFORMANCE_TEST_ENABLED: 'on',
      PERFORMANCE_TEST_INTERVAL_MS: '1000',
      PERFORMANCE_TEST_POINTS: String(POINTS),
      PERFORMANCE_TEST_VECTOR_SIZE: '16',
    },
  });
  // No call is made: only the schedule runs the probe.
  const runs = await waitFor(
    () => {
      const s = cumulative(consumer.summaries(), 'performance_test', probeTenant);
      return s !== undefined && s.operations >= 2 ? s : undefined;
    },
    {
      timeoutMs: 30_000,
      reason: 'two scheduled probe runs counted by the consumer',
      detail: () => consumer.summaries().map((s) => `${s.scope} ${s.operation} ${s.tenant_id}`),
    },
  );
  assert.equal(runs.errors, 0, 'every scheduled run passed');
  assert.equal(runs.collection, `client_${probeTenant}_performance_probe`);
  assert.ok(runs.latency_ms.max > 0, 'the run duration is measured');
  const summaries = consumer.summaries();
  for (const op of ['ensure_collection', 'upsert', 'search', 'count', 'delete_collection']) {
    const s = cumulative(summaries, op, probeTenant);
    assert.ok(s !== undefined && s.operations >= 2, `the probe's ${op} steps are evented`);
  }
  const upserts = cumulative(summaries, 'upsert', probeTenant);
  assert.ok((upserts?.points ?? 0) >= 2 * POINTS, 'each run upserted its points');
  const slow = consumer.dashboard().alerts.find((a) => a.rule === 'probe_slow');
  assert.equal(slow?.tenant_id, probeTenant);
  assert.equal(slow?.threshold, 0.5);
  assert.match(slow?.message ?? '', /^probe_slow: probe on .+ \(threshold 0\.5 ms\)/);

  const dashboard = `http://127.0.0.1:${consumer.dashboardPort}`;
  const view = (await (await fetch(`${dashboard}/snapshot.json`)).json()) as {
    probe?: { runs: number; errors: number; last_ms: number };
    series: { operation: string }[];
  };
  assert.ok(
    view.series.some((s) => s.operation === 'performance_test'),
    'runs over time',
  );
  assert.ok((view.probe?.runs ?? 0) >= 2, 'the probe figures count the runs');
  assert.equal(view.probe?.errors, 0);
  assert.ok((view.probe?.last_ms ?? 0) > 0);

  // The store drops the next search: the next scheduled run fails, and says so.
  peer.inject('query_points', { kind: 'reset' });
  const failedAlert = await waitFor(
    () => consumer.dashboard().alerts.find((a) => a.rule === 'probe_failed'),
    { timeoutMs: 30_000, reason: 'a probe_failed alert after the store dropped a search' },
  );
  assert.equal(failedAlert.tenant_id, probeTenant);
  assert.equal(failedAlert.value, 1);
  assert.match(
    failedAlert.message,
    /^probe_failed: probe on .+: 1 of \d+ runs failed \(threshold 0\)/,
  );
  await waitFor(
    async () => {
      const after = (await (await fetch(`${dashboard}/snapshot.json`)).json()) as typeof view;
      return (after.probe?.errors ?? 0) >= 1;
    },
    { timeoutMs: 10_000, reason: 'the failed run on the dashboard' },
  );
  await stack.stop();
});
