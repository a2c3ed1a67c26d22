import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToMicroseconds } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  SummaryState,
  createTelemetry,
  readSummaries,
  runConsumer,
  type ConsumerHandle,
} from '../../src/consumer/index.js';
import type { Config } from '../../src/config/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { cloudEvent, eventRun, publishEvents } from '../helpers/consumer-events.js';
import { startConsumerFixture } from '../helpers/consumer-stack.js';
import { waitFor } from '../helpers/wait-for.js';

const WINDOW_MS = 10_000;

async function startConsumer(config: Config, replay = false) {
  const exporter = new InMemorySpanExporter();
  const telemetry = createTelemetry([new SimpleSpanProcessor(exporter)]);
  const handle = await runConsumer(config, silentLogger, { telemetry, replay, tickMs: 100 });
  return { handle, exporter };
}

function appliedCount(handle: ConsumerHandle): number {
  return handle.dashboard().consumer.applied;
}

async function waitApplied(handle: ConsumerHandle, count: number, reason: string): Promise<void> {
  await waitFor(() => appliedCount(handle) >= count, { timeoutMs: 15_000, reason });
  assert.equal(appliedCount(handle), count, `${reason}: no more than that`);
}

function expectedSummaries(events: ReturnType<typeof eventRun>) {
  const state = new SummaryState(WINDOW_MS);
  for (const e of events) state.apply(e);
  return state.summaries();
}

test('consumer - every event becomes one span with its own times, name, parent and attributes', async () => {
  await using fx = await startConsumerFixture('consumer spans');
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const events = [
    cloudEvent({
      operation: 'search',
      durationMs: 12.345678,
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      tracestate: 'k=v',
    }),
    cloudEvent({
      operation: 'upsert',
      streamId: 'stream-1',
      seq: '3',
      vectorSize: 8,
      points: 64,
      bytes: 2048,
    }),
    cloudEvent({
      operation: 'delete_collection',
      outcome: 'error',
      grpcCode: 'NOT_FOUND',
      errorMessage: 'no such collection',
    }),
  ];
  await publishEvents(fx.js, events);
  const { handle, exporter } = await startConsumer(fx.config());
  await waitApplied(handle, events.length, 'all events applied');
  // Read before stop: shutting the provider down empties the in-memory exporter.
  const spans = exporter.getFinishedSpans();
  await handle.stop();
  assert.equal(spans.length, events.length);
  for (const event of events) {
    const span = spans.find((s) => s.attributes['cloudevents.event_id'] === event.id);
    assert.ok(span !== undefined, `a span for ${event.id}`);
    assert.equal(span.name, event.data.operation);
    assert.equal(span.kind, SpanKind.SERVER);
    assert.equal(hrTimeToMicroseconds(span.startTime), Date.parse(event.data.started_at) * 1000);
    assert.ok(
      Math.abs(hrTimeToMicroseconds(span.duration) - event.data.duration_ms * 1000) < 0.001 * 1000,
      'duration from the event',
    );
    assert.equal(span.attributes['db.collection.name'], event.data.collection);
    assert.equal(span.attributes['vectoradmin.tenant_id'], event.data.tenant_id);
    assert.equal(span.attributes['vectoradmin.table'], event.data.table);
    assert.equal(span.attributes['vectoradmin.outcome'], event.data.outcome);
    assert.equal(span.attributes['vectoradmin.points'], event.data.points);
    assert.equal(span.attributes['rpc.system.name'], 'grpc');
    assert.equal(span.attributes['messaging.system'], 'nats');
    assert.equal(span.attributes['messaging.destination.name'], event.subject);
  }
  const search = spans.find((s) => s.name === 'search');
  assert.equal(search?.spanContext().traceId, traceId, 'parented under the caller trace');
  assert.equal(search?.parentSpanContext?.spanId, '00f067aa0ba902b7');
  assert.equal(search?.attributes['rpc.method'], 'vectoradmin.v1.VectorAdmin/Search');
  const upsert = spans.find((s) => s.name === 'upsert');
  assert.equal(upsert?.parentSpanContext, undefined, 'no traceparent: a root span');
  assert.equal(upsert?.attributes['rpc.method'], 'vectoradmin.v1.VectorAdmin/UpsertStream');
  const failed = spans.find((s) => s.name === 'delete_collection');
  assert.equal(failed?.status.code, SpanStatusCode.ERROR);
  assert.equal(failed?.attributes['error.type'], 'NOT_FOUND');
  assert.equal(failed?.attributes['rpc.grpc.status_code'], 5);
});

test('consumer - republished events (same id, new sequence) are counted once', async () => {
  await using fx = await startConsumerFixture('consumer duplicates');
  const events = eventRun(40, 21, Date.now() - 60_000);
  await publishEvents(fx.js, events);
  // A publisher retry after the stream's duplicate window: no Nats-Msg-Id dedupe helps.
  await publishEvents(fx.js, events.slice(0, 25), { msgId: false });
  const { handle } = await startConsumer(fx.config());
  await waitFor(() => handle.dashboard().consumer.duplicate === 25, {
    timeoutMs: 15_000,
    reason: '25 duplicates seen',
  });
  assert.equal(appliedCount(handle), events.length);
  assert.deepEqual(handle.summaries(), expectedSummaries(events));
  await handle.stop();
});

test('consumer - a restart resumes at the checkpoint; replay rebuilds identical summaries', async () => {
  await using fx = await startConsumerFixture('consumer restart replay');
  const config = fx.config();
  const events = eventRun(600, 33, Date.now() - 120_000, 150);
  await publishEvents(fx.js, events.slice(0, 350));
  const first = await startConsumer(config);
  await waitApplied(first.handle, 350, 'first run applied its events');
  await first.handle.stop();
  await publishEvents(fx.js, events.slice(350));
  const second = await startConsumer(config);
  await waitApplied(second.handle, 250, 'the restarted consumer applied only the new events');
  const live = second.handle.summaries();
  assert.deepEqual(
    live,
    expectedSummaries(events),
    'live summaries are the pure function of the events',
  );
  await second.handle.stop();
  assert.deepEqual(await readSummaries(config), live, 'the checkpoint holds the live summaries');

  const replay = await startConsumer(config, true);
  await waitApplied(replay.handle, events.length, 'replay applied the whole stream');
  assert.deepEqual(replay.handle.summaries(), live, 'replay equals live');
  await replay.handle.stop();
  assert.deepEqual(await readSummaries(config), live);
});

test('consumer - Prometheus endpoint exposes duration, points, bytes and errors by operation, tenant and collection', async () => {
  await using fx = await startConsumerFixture('consumer prometheus');
  const events = eventRun(120, 4, Date.now() - 30_000);
  await publishEvents(fx.js, events);
  const { handle } = await startConsumer(fx.config());
  await waitApplied(handle, events.length, 'events applied');
  const text = await (await fetch(`http://127.0.0.1:${handle.prometheusPort}/metrics`)).text();
  await handle.stop();
  const sum = (metric: string, filter: (labels: string) => boolean = () => true): number =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${metric}{`))
      .filter((l) => filter(l.slice(l.indexOf('{'), l.lastIndexOf('}') + 1)))
      .reduce((total, l) => total + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  assert.equal(sum('vectoradmin_operation_duration_count'), events.length);
  assert.equal(
    sum('vectoradmin_operation_errors_total'),
    events.filter((e) => e.data.outcome === 'error').length,
  );
  const acmeSearches = events.filter(
    (e) => e.data.tenant_id === 'acme' && e.data.operation === 'search',
  );
  assert.equal(
    sum(
      'vectoradmin_operation_points_total',
      (l) =>
        l.includes('vectoradmin_tenant_id="acme"') &&
        l.includes('vectoradmin_operation="search"') &&
        l.includes('db_collection_name="client_acme_docs"'),
    ),
    acmeSearches.reduce((n, e) => n + (e.data.points ?? 0), 0),
  );
  assert.equal(
    sum('vectoradmin_operation_bytes_total'),
    events.reduce((n, e) => n + (e.data.bytes ?? 0), 0),
  );
});

test('consumer - summaries and alerts are published on NATS', async () => {
  await using fx = await startConsumerFixture('consumer publishes');
  const summaries = fx.nc.subscribe('vectoradmin.v1.summaries.*', { timeout: 10_000 });
  const alerts = fx.nc.subscribe('vectoradmin.v1.alerts', { timeout: 10_000 });
  // All in one summary window (the previous one, which alerts still judge): times that
  // straddled a window boundary split acme's ok and failed upsert into different windows.
  const base = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS - WINDOW_MS + 1000;
  const events = [
    cloudEvent({
      startedAt: new Date(base),
      tenantId: 'acme',
      collection: 'client_acme_docs',
    }),
    cloudEvent({
      startedAt: new Date(base + 100),
      tenantId: 'acme',
      collection: 'client_acme_docs',
      outcome: 'error',
      grpcCode: 'INTERNAL',
    }),
    cloudEvent({
      startedAt: new Date(base + 200),
      tenantId: 'globex',
      table: 'docs',
      collection: 'client_globex_docs',
    }),
  ];
  await publishEvents(fx.js, events);
  const { handle } = await startConsumer(
    fx.config({ VECTORADMIN_ALERT_SERVER_ERROR_RATE: '0.2', VECTORADMIN_ALERT_MIN_OPS: '1' }),
  );
  const subjects = new Set<string>();
  for await (const m of summaries) {
    subjects.add(m.subject);
    const body = m.json<{ summaries: { tenant_id: string }[] }>();
    assert.ok(
      body.summaries.every((s) => m.subject.endsWith(`.${s.tenant_id}`)),
      'one tenant per subject',
    );
    if (subjects.size === 2) break;
  }
  assert.deepEqual(
    subjects,
    new Set(['vectoradmin.v1.summaries.acme', 'vectoradmin.v1.summaries.globex']),
  );
  for await (const m of alerts) {
    const alert = m.json<{ rule: string; tenant_id: string; value: number }>();
    assert.equal(alert.rule, 'server_error_rate');
    assert.equal(alert.tenant_id, 'acme');
    assert.equal(alert.value, 0.5);
    break;
  }
  assert.equal(handle.dashboard().alerts.length, 1);
  await handle.stop();
});
