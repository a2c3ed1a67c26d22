import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  AppliedLog,
  SummaryState,
  createTelemetry,
  partitionOfTenant,
} from '../../src/consumer/index.js';
import { EventMetrics } from '../../src/consumer/event-metrics.js';
import { EventProcessor } from '../../src/consumer/event-processor.js';
import type { SummaryStateJson } from '../../src/consumer/summary-state.js';
import type { OperationEvent } from '../../src/domain/index.js';
import type { CloudEvent } from '../../src/events/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { cloudEvent } from '../helpers/consumer-events.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

function at(seconds: number, overrides: Partial<OperationEvent>, source?: string): CloudEvent {
  const event = cloudEvent({ startedAt: new Date(T0 + seconds * 1000), points: 0, ...overrides });
  return source === undefined ? event : { ...event, source };
}

const started = (s: number, instanceId: string, source?: string) =>
  at(
    s,
    { operation: 'service_started', instanceId, tenantId: '', table: '', collection: '' },
    source,
  );
const opened = (s: number, instanceId: string, streamId: string, source?: string) =>
  at(s, { operation: 'stream_opened', instanceId, streamId }, source);
const closed = (s: number, instanceId: string, streamId: string) =>
  at(s, { operation: 'stream_closed', instanceId, streamId });

/**
 * Instance a starts and opens three streams and closes one; it is killed; b starts and opens
 * one of its own; another host's instance c keeps one open throughout.
 */
const HISTORY: readonly CloudEvent[] = [
  started(0, 'a'),
  started(0, 'c', '/vectoradmin/other-host'),
  opened(1, 'a', 'a1'),
  opened(2, 'a', 'a2'),
  opened(3, 'a', 'a3'),
  opened(3, 'c', 'c1', '/vectoradmin/other-host'),
  closed(4, 'a', 'a3'),
  started(10, 'b'),
  opened(11, 'b', 'b1'),
];

function stateOf(events: readonly CloudEvent[]): SummaryState {
  const state = new SummaryState(10_000);
  for (const e of events) state.apply(e);
  return state;
}

test('service restart - a new instance of a source ends the streams its predecessor never closed', () => {
  const before = stateOf(HISTORY.slice(0, 7));
  assert.equal(before.openStreamCount(), 3, 'a1, a2 and c1 are open while a runs');
  const state = stateOf(HISTORY);
  assert.equal(state.openStreamCount(), 2, 'b1 and the other host c1');
  assert.equal(state.endedByRestartCount(), 2, 'a1 and a2 ended by b starting');
  state.apply(closed(12, 'b', 'b1'));
  assert.equal(state.openStreamCount(), 1);
});

test('service restart - the same counts whatever order the events are applied in', () => {
  fc.assert(
    fc.property(fc.shuffledSubarray([...HISTORY], { minLength: HISTORY.length }), (shuffled) => {
      const state = stateOf(shuffled);
      assert.equal(state.openStreamCount(), 2);
      assert.equal(state.endedByRestartCount(), 2);
    }),
  );
});

test('service restart - a checkpoint round trip keeps what started and who opened what', () => {
  const restored = SummaryState.fromJSON(
    JSON.parse(JSON.stringify(stateOf(HISTORY.slice(0, 7)).toJSON())) as SummaryStateJson,
  );
  restored.apply(started(10, 'b'));
  assert.equal(restored.openStreamCount(), 1, 'only the other host c1');
  assert.equal(restored.endedByRestartCount(), 2);
  const json = stateOf(HISTORY).toJSON();
  const older = {
    ...json,
    starts: undefined,
    openStreams: json.openStreams.map(([id, n]) => [id, n] as const),
  };
  assert.equal(
    SummaryState.fromJSON(older).openStreamCount(),
    4,
    'an older checkpoint counts as before',
  );
});

test('service restart - a partition that does not own the start still ends its streams', () => {
  const telemetry = createTelemetry([]);
  const state = new SummaryState(10_000);
  // Two partitions; the start (no tenant) belongs to partition 0, the stream to partition 1.
  const partition = { index: 1, count: 2 };
  const processor = new EventProcessor(
    new AppliedLog(),
    state,
    {
      tracer: telemetry.tracer,
      metrics: new EventMetrics(telemetry.meter),
      logger: silentLogger,
    },
    Date.now(),
    partition,
  );
  const tenant = ['acme', 'globex', 'initech', 'umbrella'].find(
    (t) => partitionOfTenant(t, partition.count) === partition.index,
  );
  assert.ok(tenant !== undefined, 'some tenant belongs to partition 1');
  const events = [
    started(0, 'a'),
    at(1, {
      operation: 'stream_opened',
      instanceId: 'a',
      streamId: 's1',
      tenantId: tenant,
      collection: `client_${tenant}_docs`,
    }),
    started(10, 'b'),
  ];
  const handled = events.map((e, i) =>
    processor.handle(i + 1, Buffer.from(JSON.stringify(e)), e.subject),
  );
  assert.deepEqual(handled, ['skipped', 'apply', 'skipped']);
  assert.equal(state.openStreamCount(), 0);
  assert.equal(state.endedByRestartCount(), 1);
});
