import { randomUUID } from 'node:crypto';
import { headers, type JetStreamClient } from 'nats';
import type { Operation, OperationEvent } from '../../src/domain/index.js';
import { toCloudEvent, type CloudEvent } from '../../src/events/index.js';
import type { Summary } from '../../src/consumer/index.js';
import { seededRandom } from './points.js';

/** The CloudEvents source the test events claim. */
export const TEST_SOURCE = '/vectoradmin/test';

/** A CloudEvent for one operation; `overrides` replaces any OperationEvent field. */
export function cloudEvent(overrides: Partial<OperationEvent> = {}): CloudEvent {
  const event: OperationEvent = {
    id: randomUUID(),
    operation: 'upsert',
    instanceId: 'test-instance',
    tenantId: 'acme',
    table: 'docs',
    collection: 'client_acme_docs',
    outcome: 'ok',
    grpcCode: 'OK',
    startedAt: new Date(),
    durationMs: 1.5,
    points: 10,
    bytes: 4096,
    ...overrides,
  };
  return toCloudEvent(event, TEST_SOURCE);
}

const OPERATIONS: readonly Operation[] = ['upsert', 'search', 'count', 'delete_points'];
const TENANTS = ['acme', 'globex'] as const;

/**
 * `count` varied, reproducible events from `startMs` on, spaced `spacingMs` apart: two tenants
 * unless told others, four operations, heavy-tailed durations (0.05 ms to ~2 s), ~7% errors.
 */
export function eventRun(
  count: number,
  seed: number,
  startMs: number,
  spacingMs = 37,
  tenants: readonly string[] = TENANTS,
): CloudEvent[] {
  const random = seededRandom(seed);
  const events: CloudEvent[] = [];
  for (let i = 0; i < count; i += 1) {
    const tenantId = tenants[Math.floor(random() * tenants.length)] ?? 'acme';
    const operation = OPERATIONS[Math.floor(random() * OPERATIONS.length)] ?? 'upsert';
    const failed = random() < 0.07;
    events.push(
      cloudEvent({
        id: `run-${seed}-${i}`,
        operation,
        tenantId,
        table: 'docs',
        collection: `client_${tenantId}_docs`,
        outcome: failed ? 'error' : 'ok',
        grpcCode: failed ? 'UNAVAILABLE' : 'OK',
        startedAt: new Date(startMs + i * spacingMs),
        // Log-uniform over ~4.6 decades, rounded to 0.001 ms as the service would not be.
        durationMs: Math.round(0.05 * Math.exp(random() * 10.6) * 1e6) / 1e6,
        points: Math.floor(random() * 512),
        bytes: Math.floor(random() * 1_000_000),
      }),
    );
  }
  return events;
}

/** Publishes events to JetStream as the event bus does (msgID = event id unless told otherwise). */
export async function publishEvents(
  js: JetStreamClient,
  events: readonly CloudEvent[],
  options: { readonly msgId?: boolean } = {},
): Promise<void> {
  for (const event of events) {
    const h = headers();
    if (event.traceparent !== undefined) h.set('traceparent', event.traceparent);
    await js.publish(event.subject, JSON.stringify(event), {
      headers: h,
      ...(options.msgId === false ? {} : { msgID: event.id }),
    });
  }
}

/** Exact statistics of a set of events, computed independently of the consumer's code. */
export interface ExactStats {
  readonly operations: number;
  readonly errors: number;
  readonly points: number;
  readonly bytes: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly meanMs: number;
  /** Nearest-rank percentiles over the exact durations. */
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

/** Groups events by operation × tenant × collection (the cumulative summaries' key). */
export function exactCumulative(events: readonly CloudEvent[]): Map<string, ExactStats> {
  const groups = new Map<string, CloudEvent[]>();
  for (const e of events) {
    const key = summaryKey(e.data.operation, e.data.tenant_id, e.data.collection);
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return new Map([...groups].map(([key, group]) => [key, exactStats(group)]));
}

/** Exact statistics of one group. */
export function exactStats(events: readonly CloudEvent[]): ExactStats {
  const durations = events.map((e) => e.data.duration_ms).sort((a, b) => a - b);
  const succeeded = events.filter((e) => e.data.outcome === 'ok');
  const rank = (p: number): number =>
    durations[Math.max(1, Math.ceil((p / 100) * durations.length)) - 1] ?? 0;
  return {
    operations: events.length,
    errors: events.filter((e) => e.data.outcome === 'error').length,
    // Throughput counts what succeeded: a refused operation moved no points.
    points: succeeded.reduce((sum, e) => sum + (e.data.points ?? 0), 0),
    bytes: succeeded.reduce((sum, e) => sum + (e.data.bytes ?? 0), 0),
    minMs: durations[0] ?? 0,
    maxMs: durations[durations.length - 1] ?? 0,
    meanMs: durations.reduce((a, b) => a + b, 0) / durations.length,
    p50Ms: rank(50),
    p95Ms: rank(95),
    p99Ms: rank(99),
  };
}

/** The key `exactCumulative` uses, for a summary. */
export function keyOfSummary(s: Summary): string {
  return summaryKey(s.operation, s.tenant_id, s.collection);
}

function summaryKey(operation: string, tenantId: string, collection: string): string {
  return `${operation}|${tenantId}|${collection}`;
}
