import { z } from 'zod';
import { VectorAdminError } from '../domain/errors.js';
import type { Operation, OperationEvent } from '../domain/ports.js';
import schema from './schema/operation-event.schema.json' with { type: 'json' };
import { eventScope, parseEventSubject, subjectOf } from './subjects.js';

// The JSON Schema file is the one definition of the event: the runtime validator below is
// built from it, and the TS types mirror it by hand (no schema-to-type generator among our
// dependencies); test/unit/cloud-event.test.ts fails when their keys drift apart.

/** The `data` of an operation event, as operation-event.schema.json defines it. */
export interface OperationEventData {
  readonly instance_id: string;
  readonly tenant_id: string;
  readonly table: string;
  readonly collection: string;
  readonly operation: Operation;
  readonly outcome: 'ok' | 'error';
  readonly grpc_code: string;
  readonly started_at: string;
  readonly duration_ms: number;
  readonly points?: number;
  readonly points_requested?: number;
  readonly bytes?: number;
  readonly vector_size?: number;
  readonly error_message?: string;
  readonly stream_id?: string;
  readonly seq?: string;
  readonly calls?: number;
}

/** A CloudEvents 1.0 structured-mode event carrying one operation's data. */
export interface CloudEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: `io.vectoradmin.v1.${Operation}`;
  /** The NATS subject the event is published on. */
  readonly subject: string;
  /** When the operation finished. */
  readonly time: string;
  readonly datacontenttype: 'application/json';
  /** Distributed-tracing extension: the caller's W3C trace context. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  readonly data: OperationEventData;
}

/** The event's JSON Schema (draft 2020-12), for consumers that validate on their side. */
export const operationEventSchema: unknown = schema;

/** Longest error message an event carries; longer ones are cut. */
export const MAX_ERROR_MESSAGE_CHARS = 1024;

const validator = z.fromJSONSchema(schema as z.core.JSONSchema.JSONSchema);
const GRPC_CODES: ReadonlySet<string> = new Set(schema.$defs.data.properties.grpc_code.enum);
const EVENT_ID = new RegExp(schema.properties.id.pattern);
const INSTANCE_ID = new RegExp(schema.$defs.data.properties.instance_id.pattern);
const TRACEPARENT = new RegExp(schema.properties.traceparent.pattern);
const MAX_TRACESTATE_CHARS = schema.properties.tracestate.maxLength;

/** The CloudEvent for an operation; `source` names the producing instance (a URI reference). */
export function toCloudEvent(event: OperationEvent, source: string): CloudEvent {
  if (!EVENT_ID.test(event.id)) {
    throw new VectorAdminError('internal', 'event id must be 1-128 printable ASCII characters');
  }
  if (!INSTANCE_ID.test(event.instanceId)) {
    throw new VectorAdminError('internal', 'instance id must be 1-128 printable ASCII characters');
  }
  // Refused requests may carry a tenant or table that is not a valid one: the subject files
  // them under `_`, and data says the same (empty), so the two always agree.
  const { tenantId, table } = eventScope(event.tenantId, event.table);
  const subject = subjectOf({ tenantId, table }, event.operation);
  const durationMs = Math.max(0, event.durationMs);
  const traced = event.traceparent !== undefined && isTraceparent(event.traceparent);
  const data: OperationEventData = {
    instance_id: event.instanceId,
    tenant_id: tenantId,
    table,
    collection: event.collection.slice(0, 255),
    operation: event.operation,
    outcome: event.outcome,
    grpc_code: GRPC_CODES.has(event.grpcCode) ? event.grpcCode : 'UNKNOWN',
    started_at: event.startedAt.toISOString(),
    duration_ms: durationMs,
    ...count('points', event.points),
    ...count('points_requested', event.pointsRequested),
    ...count('bytes', event.bytes),
    ...(event.vectorSize !== undefined && event.vectorSize >= 1
      ? count('vector_size', event.vectorSize)
      : {}),
    ...(event.errorMessage === undefined
      ? {}
      : { error_message: event.errorMessage.slice(0, MAX_ERROR_MESSAGE_CHARS) }),
    ...(event.streamId === undefined || event.streamId === ''
      ? {}
      : { stream_id: event.streamId.slice(0, 128) }),
    ...(event.seq === undefined || !/^[0-9]{1,20}$/.test(event.seq) ? {} : { seq: event.seq }),
    ...(event.calls !== undefined && Number.isInteger(event.calls) && event.calls > 1
      ? { calls: event.calls }
      : {}),
  };
  return {
    specversion: '1.0',
    id: event.id,
    source,
    type: `io.vectoradmin.v1.${event.operation}`,
    subject,
    time: new Date(event.startedAt.getTime() + durationMs).toISOString(),
    datacontenttype: 'application/json',
    ...(traced ? { traceparent: event.traceparent } : {}),
    ...(traced && event.tracestate !== undefined && event.tracestate.length <= MAX_TRACESTATE_CHARS
      ? { tracestate: event.tracestate }
      : {}),
    data,
  };
}

/**
 * Parses and validates an event received from NATS against the schema and the rules the
 * schema cannot state (type, subject and outcome agree with data). Throws invalid_argument
 * listing every violation.
 */
export function parseCloudEvent(json: string | Uint8Array): CloudEvent {
  let value: unknown;
  try {
    value = JSON.parse(typeof json === 'string' ? json : Buffer.from(json).toString('utf8'));
  } catch (err) {
    throw new VectorAdminError('invalid_argument', 'event is not JSON', { cause: err });
  }
  const parsed = validator.safeParse(value);
  if (!parsed.success) {
    const violations = parsed.error.issues.map((issue) => ({
      field: issue.path.map(String).join('.') || '(event)',
      message: issue.message,
    }));
    throw new VectorAdminError('invalid_argument', 'event does not match its schema', {
      cause: parsed.error,
      violations,
    });
  }
  const event = parsed.data as CloudEvent;
  const violations = crossFieldViolations(event);
  if (violations.length > 0) {
    throw new VectorAdminError('invalid_argument', 'event is inconsistent', { violations });
  }
  return event;
}

function crossFieldViolations(event: CloudEvent): { field: string; message: string }[] {
  const { data } = event;
  const problems: { field: string; message: string }[] = [];
  if (event.type !== `io.vectoradmin.v1.${data.operation}`) {
    problems.push({ field: 'type', message: 'does not match data.operation' });
  }
  const parts = parseEventSubject(event.subject);
  if (
    parts?.tenantId !== data.tenant_id ||
    parts.table !== data.table ||
    parts.operation !== data.operation
  ) {
    problems.push({
      field: 'subject',
      message: 'does not match data tenant_id, table and operation',
    });
  }
  if ((data.outcome === 'ok') !== (data.grpc_code === 'OK')) {
    problems.push({ field: 'data.outcome', message: 'ok exactly when grpc_code is OK' });
  }
  return problems;
}

// W3C Trace Context: version ff is invalid, and all-zero trace or parent ids are invalid.
function isTraceparent(value: string): boolean {
  if (!TRACEPARENT.test(value) || value.startsWith('ff-')) return false;
  const [, traceId = '', parentId = ''] = value.split('-');
  return !/^0+$/.test(traceId) && !/^0+$/.test(parentId);
}

function count<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  if (value === undefined || !Number.isSafeInteger(value) || value < 0) return {};
  return { [key]: value } as Partial<Record<K, number>>;
}
