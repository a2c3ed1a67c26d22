import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTelemetry, runConsumer, type Summary } from '../../src/consumer/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { startConsumerFixture } from '../helpers/consumer-stack.js';
import { startTestStack, uniqueName } from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';

const POINTS = 120;

function cumulative(summaries: readonly Summary[], operation: string, tenant: string) {
  return summaries.find(
    (s) => s.scope === 'cumulative' && s.operation === operation && s.tenant_id === tenant,
  );
}

test('performance probe - scheduled runs are evented, step by step, and reach the metrics consumer', async () => {
  await using fx = await startConsumerFixture('probe schedule');
  const probeTenant = uniqueName('probe-sched');
  await using consumer = await runConsumer(fx.config(), silentLogger, {
    telemetry: createTelemetry([]),
    tickMs: 100,
  });
  await using stack = await startTestStack({
    tenants: [probeTenant],
    natsUrl: fx.server.url,
    env: {
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
  assert.ok(
    consumer.dashboard().series.some((s) => s.operation === 'performance_test'),
    'probe runs are on the dashboard over time',
  );
  await stack.stop();
});
