import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SummaryState, readSummaries } from '../../src/consumer/index.js';
import { eventRun, publishEvents } from '../helpers/consumer-events.js';
import { spawnConsumer, startConsumerFixture } from '../helpers/consumer-stack.js';
import { otlpAttribute, startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { waitFor } from '../helpers/wait-for.js';

const WINDOW_MS = 10_000;

function cumulativeOperations(summaries: Awaited<ReturnType<typeof readSummaries>>): number {
  return summaries.filter((s) => s.scope === 'cumulative').reduce((n, s) => n + s.operations, 0);
}

test('consumer process - killed mid-run and restarted, it loses and double-counts nothing', async () => {
  await using fx = await startConsumerFixture('consumer killed');
  const config = fx.config();
  const env = { ...fx.env, OTEL_TRACES_EXPORTER: 'none' };
  const events = eventRun(4000, 77, Date.now() - 300_000, 50);
  await publishEvents(fx.js, events.slice(0, 3000));
  const first = spawnConsumer(env);
  // The first checkpoint lands after 2000 messages (or 1 s): kill right after it, mid-stream.
  const seen = await waitFor(
    async () => {
      const n = cumulativeOperations(await readSummaries(config));
      return n > 0 ? n : undefined;
    },
    { timeoutMs: 20_000, reason: `a first checkpoint (consumer log: ${first.log()})` },
  );
  first.kill('SIGKILL');
  assert.equal(await first.exited, 'SIGKILL');
  assert.ok(seen < 3000, `killed mid-run (${seen} of 3000 checkpointed)`);
  await publishEvents(fx.js, events.slice(3000));

  const second = spawnConsumer(env);
  try {
    // Messages the killed process held unacked come back after AckWait (1 s here).
    await waitFor(async () => cumulativeOperations(await readSummaries(config)) >= events.length, {
      timeoutMs: 30_000,
      reason: 'the restarted consumer to checkpoint every event',
    });
    second.kill('SIGTERM');
    assert.equal(await second.exited, 0, `clean exit on SIGTERM: ${second.log()}`);
  } finally {
    second.kill('SIGKILL');
  }
  const expected = new SummaryState(WINDOW_MS);
  for (const e of events) expected.apply(e);
  assert.deepEqual(
    await readSummaries(config),
    expected.summaries(),
    'exactly the summaries of the events',
  );
});

test('consumer process - spans reach an OTLP/HTTP receiver with the events names, times and durations', async () => {
  await using fx = await startConsumerFixture('consumer otlp');
  await using receiver = await startOtlpReceiver();
  const events = eventRun(60, 12, Date.now() - 10_000);
  await publishEvents(fx.js, events);
  const consumer = spawnConsumer({
    ...fx.env,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  try {
    await waitFor(() => receiver.spans.length >= events.length, {
      timeoutMs: 20_000,
      reason: `${events.length} spans over OTLP (consumer log: ${consumer.log()})`,
    });
    consumer.kill('SIGTERM');
    assert.equal(await consumer.exited, 0);
  } finally {
    consumer.kill('SIGKILL');
  }
  assert.equal(receiver.spans.length, events.length, 'one span per event, none twice');
  assert.deepEqual(receiver.serviceNames, new Set(['vectoradmin']));
  for (const event of events) {
    const span = receiver.spans.find((s) => otlpAttribute(s, 'cloudevents.event_id') === event.id);
    assert.ok(span !== undefined, `span for ${event.id}`);
    assert.equal(span.name, event.data.operation);
    const startNs = BigInt(span.startTimeUnixNano);
    const durationNs = BigInt(span.endTimeUnixNano) - startNs;
    assert.equal(startNs, BigInt(Date.parse(event.data.started_at)) * 1_000_000n);
    const expectedNs = BigInt(Math.round(event.data.duration_ms * 1e6));
    assert.ok(
      durationNs - expectedNs < 1000n && expectedNs - durationNs < 1000n,
      `duration of ${event.id}`,
    );
    assert.equal(otlpAttribute(span, 'db.collection.name'), event.data.collection);
  }
});

test('consumer process - bad configuration exits with code 2', async () => {
  await using fx = await startConsumerFixture('consumer bad config');
  const consumer = spawnConsumer({ ...fx.env, VECTORADMIN_SUMMARY_WINDOW_MS: '5' });
  assert.equal(await consumer.exited, 2);
});
