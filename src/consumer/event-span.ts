import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  type Attributes,
  type HrTime,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator, addHrTimes, millisToHrTime } from '@opentelemetry/core';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_ERROR_TYPE,
  ATTR_RPC_METHOD,
  ATTR_RPC_STATUS_CODE,
  ATTR_RPC_SYSTEM_NAME,
  RPC_SYSTEM_NAME_VALUE_GRPC,
} from '@opentelemetry/semantic-conventions';
import type { Operation } from '../domain/index.js';
import type { CloudEvent } from '../events/index.js';

/** The gRPC service whose calls the events describe. */
export const RPC_SERVICE = 'vectoradmin.v1.VectorAdmin';

// Incubating semantic-convention attributes are copied, as the semconv package advises, rather
// than imported from its unstable entry point. The rpc.system / rpc.service /
// rpc.grpc.status_code trio predates rpc.system.name and rpc.status_code; both are set so
// backends on either generation of the conventions group the spans.
const ATTR_RPC_SYSTEM = 'rpc.system';
const ATTR_RPC_SERVICE = 'rpc.service';
const ATTR_RPC_GRPC_STATUS_CODE = 'rpc.grpc.status_code';
const ATTR_MESSAGING_SYSTEM = 'messaging.system';
const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
const ATTR_CLOUDEVENTS_EVENT_ID = 'cloudevents.event_id';
const ATTR_CLOUDEVENTS_EVENT_SOURCE = 'cloudevents.event_source';
const ATTR_CLOUDEVENTS_EVENT_TYPE = 'cloudevents.event_type';
const ATTR_CLOUDEVENTS_EVENT_SPEC_VERSION = 'cloudevents.event_spec_version';

/** The proto rpc each operation is served by (upsert batches of a stream: UpsertStream). */
const RPC_METHODS: Record<Operation, string> = {
  create_collection: 'CreateCollection',
  ensure_collection: 'EnsureCollection',
  get_collection: 'GetCollection',
  list_collections: 'ListCollections',
  describe_collections: 'DescribeCollections',
  delete_collection: 'DeleteCollection',
  provision_tenant: 'ProvisionTenant',
  deprovision_tenant: 'DeprovisionTenant',
  list_tables: 'ListTables',
  upsert: 'Upsert',
  delete_points: 'DeletePoints',
  get_points: 'GetPoints',
  search: 'Search',
  count: 'Count',
  stream_opened: 'UpsertStream',
  stream_closed: 'UpsertStream',
  // Not a call: the service announcing its start; no rpc serves it.
  service_started: 'Start',
  performance_test: 'RunPerformanceTest',
};

// gRPC status codes by name, in code order (0 = OK ... 16 = UNAUTHENTICATED).
const GRPC_CODES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

const propagator = new W3CTraceContextPropagator();

/**
 * Records one event as a finished SERVER span: named after the operation, with the event's
 * own start time and duration, parented under the caller's `traceparent` when the event has
 * one (so the caller's trace shows the VectorAdmin operation inside it).
 */
export function recordEventSpan(tracer: Tracer, event: CloudEvent): void {
  const { data } = event;
  const carrier: Record<string, string> = {};
  if (event.traceparent !== undefined) carrier.traceparent = event.traceparent;
  if (event.tracestate !== undefined) carrier.tracestate = event.tracestate;
  const parent = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  const startTime = millisToHrTime(Date.parse(data.started_at));
  const span = tracer.startSpan(
    data.operation,
    { kind: SpanKind.SERVER, startTime, attributes: eventAttributes(event) },
    parent,
  );
  if (data.outcome === 'error') {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      ...(data.error_message === undefined ? {} : { message: data.error_message }),
    });
  }
  span.end(addHrTimes(startTime, durationHrTime(data.duration_ms)));
}

/** The span attributes of an event. */
export function eventAttributes(event: CloudEvent): Attributes {
  const { data } = event;
  const method = upsertMethod(data.operation, data.stream_id);
  const code = GRPC_CODES.indexOf(data.grpc_code);
  return {
    [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM_NAME_VALUE_GRPC,
    [ATTR_RPC_METHOD]: `${RPC_SERVICE}/${method}`,
    [ATTR_RPC_STATUS_CODE]: data.grpc_code,
    [ATTR_RPC_SYSTEM]: 'grpc',
    [ATTR_RPC_SERVICE]: RPC_SERVICE,
    ...(code < 0 ? {} : { [ATTR_RPC_GRPC_STATUS_CODE]: code }),
    [ATTR_DB_OPERATION_NAME]: data.operation,
    ...(data.collection === '' ? {} : { [ATTR_DB_COLLECTION_NAME]: data.collection }),
    ...(data.outcome === 'error' ? { [ATTR_ERROR_TYPE]: data.grpc_code } : {}),
    // The event reached us over NATS: where it was published and under which message id.
    [ATTR_MESSAGING_SYSTEM]: 'nats',
    [ATTR_MESSAGING_DESTINATION_NAME]: event.subject,
    [ATTR_MESSAGING_MESSAGE_ID]: event.id,
    [ATTR_CLOUDEVENTS_EVENT_ID]: event.id,
    [ATTR_CLOUDEVENTS_EVENT_SOURCE]: event.source,
    [ATTR_CLOUDEVENTS_EVENT_TYPE]: event.type,
    [ATTR_CLOUDEVENTS_EVENT_SPEC_VERSION]: event.specversion,
    'vectoradmin.tenant_id': data.tenant_id,
    'vectoradmin.table': data.table,
    'vectoradmin.outcome': data.outcome,
    'vectoradmin.points': data.points ?? 0,
    ...(data.bytes === undefined ? {} : { 'vectoradmin.bytes': data.bytes }),
    ...(data.vector_size === undefined ? {} : { 'vectoradmin.vector_size': data.vector_size }),
    ...(data.stream_id === undefined ? {} : { 'vectoradmin.stream_id': data.stream_id }),
    ...(data.seq === undefined ? {} : { 'vectoradmin.stream_seq': data.seq }),
  };
}

// Upsert batches inside a stream come from UpsertStream; a unary Upsert has no stream id.
function upsertMethod(operation: Operation, streamId: string | undefined): string {
  return operation === 'upsert' && streamId !== undefined ? 'UpsertStream' : RPC_METHODS[operation];
}

// Exact to the nanosecond the float allows, so span durations equal the events' duration_ms.
function durationHrTime(durationMs: number): HrTime {
  const ns = Math.round(durationMs * 1e6);
  return [Math.floor(ns / 1e9), ns % 1e9];
}
