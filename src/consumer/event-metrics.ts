import type { Counter, Histogram, Meter } from '@opentelemetry/api';
import { ATTR_DB_COLLECTION_NAME, ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import type { CloudEvent } from '../events/index.js';
import type { Admission } from './applied-log.js';

// Seconds, as OTel duration metrics are; from 0.5 ms (a cached lookup) to 60 s (a large stream).
const DURATION_BUCKETS_S = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

// The counters by instrument name: [unit, description] (the description is Prometheus' HELP).
const COUNTERS = {
  'vectoradmin.operation.points': ['{point}', 'Points written, deleted, returned or counted.'],
  'vectoradmin.operation.bytes': ['By', 'Request payload bytes.'],
  'vectoradmin.operation.errors': ['{error}', 'Operations that ended with an error.'],
  'vectoradmin.consumer.deliveries': [
    '{message}',
    'Messages the metrics consumer received, by what it did with them.',
  ],
} as const;

/**
 * OpenTelemetry instruments fed by the applied events: duration, points, bytes and errors by
 * operation, tenant and collection, plus the consumer's own delivery outcomes. Prometheus sees
 * them as vectoradmin_operation_duration (seconds), vectoradmin_operation_points_total, ...
 */
export class EventMetrics {
  private readonly duration: Histogram;
  private readonly points: Counter;
  private readonly bytes: Counter;
  private readonly errors: Counter;
  private readonly deliveries: Counter;

  constructor(meter: Meter) {
    this.duration = meter.createHistogram('vectoradmin.operation.duration', {
      description: 'Duration of VectorAdmin operations, from their events.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    });
    const counter = (name: keyof typeof COUNTERS): Counter => {
      const [unit, description] = COUNTERS[name];
      return meter.createCounter(name, { description, unit });
    };
    this.points = counter('vectoradmin.operation.points');
    this.bytes = counter('vectoradmin.operation.bytes');
    this.errors = counter('vectoradmin.operation.errors');
    this.deliveries = counter('vectoradmin.consumer.deliveries');
  }

  /** Records one applied event. */
  record(event: CloudEvent): void {
    const { data } = event;
    const attributes = {
      'vectoradmin.operation': data.operation,
      'vectoradmin.tenant_id': data.tenant_id,
      [ATTR_DB_COLLECTION_NAME]: data.collection,
    };
    this.duration.record(data.duration_ms / 1000, {
      ...attributes,
      'vectoradmin.outcome': data.outcome,
    });
    this.points.add(data.points ?? 0, attributes);
    this.bytes.add(data.bytes ?? 0, attributes);
    if (data.outcome === 'error')
      this.errors.add(data.calls ?? 1, { ...attributes, [ATTR_ERROR_TYPE]: data.grpc_code });
  }

  /** Counts one delivered message by outcome. */
  delivered(result: Admission | 'invalid' | 'skipped'): void {
    this.deliveries.add(1, { 'vectoradmin.delivery': result });
  }
}
