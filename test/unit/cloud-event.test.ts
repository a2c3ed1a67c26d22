import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { Operation, hasErrorCode, type OperationEvent } from '../../src/domain/index.js';
import {
  MAX_ERROR_MESSAGE_CHARS,
  operationEventSchema,
  parseCloudEvent,
  toCloudEvent,
  type CloudEvent,
  type OperationEventData,
} from '../../src/events/index.js';

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(operationEventSchema as object);
const schema = operationEventSchema as {
  properties: Record<string, unknown>;
  required: string[];
  $defs: { data: { properties: Record<string, unknown>; required: string[] } };
};

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const GRPC_ERRORS = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'UNAVAILABLE',
  'RESOURCE_EXHAUSTED',
  'INTERNAL',
];

/** Events as the API layer makes them: every operation, outcome and optional field. */
const operationEventArb: fc.Arbitrary<OperationEvent> = fc
  .record(
    {
      operation: fc.constantFrom(...Object.values(Operation)),
      instanceId: fc.uuid(),
      tenantId: fc.oneof(
        fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,62}$/),
        fc.constant('_'),
        fc.string(),
      ),
      table: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_]{0,62}$/), fc.constant(''), fc.string()),
      collection: fc.string({ maxLength: 300 }),
      failed: fc.option(fc.constantFrom(...GRPC_ERRORS), { nil: undefined }),
      startedAt: fc.date({
        min: new Date('2000-01-01'),
        max: new Date('2100-01-01'),
        noInvalidDate: true,
      }),
      durationMs: fc.double({ min: 0, max: 1e7, noNaN: true }),
      points: fc.option(fc.nat(), { nil: undefined }),
      pointsRequested: fc.option(fc.nat(), { nil: undefined }),
      bytes: fc.option(fc.nat(), { nil: undefined }),
      vectorSize: fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
      errorMessage: fc.string({ maxLength: 2000, unit: 'grapheme' }),
      streamId: fc.option(fc.uuid(), { nil: undefined }),
      seq: fc.option(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String), { nil: undefined }),
      traced: fc.boolean(),
    },
    {
      requiredKeys: [
        'operation',
        'instanceId',
        'tenantId',
        'table',
        'collection',
        'startedAt',
        'durationMs',
        'errorMessage',
        'traced',
      ],
    },
  )
  .map(({ failed, traced, errorMessage, ...rest }) => ({
    ...rest,
    id: randomUUID(),
    outcome: failed === undefined ? ('ok' as const) : ('error' as const),
    grpcCode: failed ?? 'OK',
    ...(failed === undefined ? {} : { errorMessage }),
    ...(traced ? { traceparent: TRACEPARENT, tracestate: 'vendor=abc' } : {}),
  }));

// Compile-time checked: these objects must name exactly the TS types' keys (and required ones).
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
const dataKeys = {
  instance_id: true,
  tenant_id: true,
  table: true,
  collection: true,
  operation: true,
  outcome: true,
  grpc_code: true,
  started_at: true,
  duration_ms: true,
  points: true,
  points_requested: true,
  bytes: true,
  vector_size: true,
  error_message: true,
  stream_id: true,
  seq: true,
  calls: true,
} satisfies Record<keyof OperationEventData, true>;
const dataRequired = {
  instance_id: true,
  tenant_id: true,
  table: true,
  collection: true,
  operation: true,
  outcome: true,
  grpc_code: true,
  started_at: true,
  duration_ms: true,
} satisfies Record<RequiredKeys<OperationEventData>, true>;
const envelopeKeys = {
  specversion: true,
  id: true,
  source: true,
  type: true,
  subject: true,
  time: true,
  datacontenttype: true,
  traceparent: true,
  tracestate: true,
  data: true,
} satisfies Record<keyof CloudEvent, true>;
const envelopeRequired = {
  specversion: true,
  id: true,
  source: true,
  type: true,
  subject: true,
  time: true,
  datacontenttype: true,
  data: true,
} satisfies Record<RequiredKeys<CloudEvent>, true>;

const sorted = (o: object): string[] => (Array.isArray(o) ? o.map(String) : Object.keys(o)).sort();

function sample(overrides: Partial<OperationEvent> = {}): OperationEvent {
  return {
    id: randomUUID(),
    operation: Operation.Upsert,
    instanceId: 'instance-1',
    tenantId: 'acme',
    table: 'docs',
    collection: 'client_acme_docs',
    outcome: 'ok',
    grpcCode: 'OK',
    startedAt: new Date('2025-01-02T03:04:05.006Z'),
    durationMs: 12.5,
    points: 256,
    bytes: 1_572_864,
    vectorSize: 1536,
    streamId: 'stream-1',
    seq: '7',
    ...overrides,
  };
}

test('cloud-event - the schema names exactly the fields of the TS types', () => {
  assert.deepEqual(sorted(schema.$defs.data.properties), sorted(dataKeys));
  assert.deepEqual(sorted(schema.$defs.data.required), sorted(dataRequired));
  assert.deepEqual(sorted(schema.properties), sorted(envelopeKeys));
  assert.deepEqual(sorted(schema.required), sorted(envelopeRequired));
});

test('cloud-event - events of every operation and outcome validate against the schema and parse back', () => {
  fc.assert(
    fc.property(operationEventArb, (event) => {
      const ce = toCloudEvent(event, '/vectoradmin/test');
      assert.ok(validate(ce), JSON.stringify(validate.errors));
      assert.deepEqual(parseCloudEvent(JSON.stringify(ce)), ce);
    }),
    { numRuns: 500 },
  );
});

test('cloud-event - the envelope and snake_case data carry the operation facts', () => {
  const event = sample({ traceparent: TRACEPARENT, tracestate: 'a=b' });
  assert.deepEqual(toCloudEvent(event, '/vectoradmin/host-1'), {
    specversion: '1.0',
    id: event.id,
    source: '/vectoradmin/host-1',
    type: 'io.vectoradmin.v1.upsert',
    subject: 'vectoradmin.v1.acme.docs.upsert',
    time: '2025-01-02T03:04:05.018Z',
    datacontenttype: 'application/json',
    traceparent: TRACEPARENT,
    tracestate: 'a=b',
    data: {
      instance_id: 'instance-1',
      tenant_id: 'acme',
      table: 'docs',
      collection: 'client_acme_docs',
      operation: 'upsert',
      outcome: 'ok',
      grpc_code: 'OK',
      started_at: '2025-01-02T03:04:05.006Z',
      duration_ms: 12.5,
      points: 256,
      bytes: 1_572_864,
      vector_size: 1536,
      stream_id: 'stream-1',
      seq: '7',
    },
  });
});

test('cloud-event - a refused request without a valid tenant is filed under _ with an empty tenant_id', () => {
  const ce = toCloudEvent(
    sample({ tenantId: '_', table: 'Bad.Table', outcome: 'error', grpcCode: 'UNAUTHENTICATED' }),
    's',
  );
  assert.equal(ce.subject, 'vectoradmin.v1._._.upsert');
  assert.equal(ce.data.tenant_id, '');
  assert.equal(ce.data.table, '');
  assert.ok(validate(ce));
});

test('cloud-event - invalid trace context is dropped, and tracestate never travels alone', () => {
  for (const traceparent of [
    'garbage',
    '00-00000000000000000000000000000000-b7ad6b7169203331-01',
    `ff${TRACEPARENT.slice(2)}`,
  ]) {
    const ce = toCloudEvent(sample({ traceparent, tracestate: 'a=b' }), 's');
    assert.equal(ce.traceparent, undefined, traceparent);
    assert.equal(ce.tracestate, undefined, traceparent);
  }
});

test('cloud-event - long error messages are cut and unknown gRPC codes become UNKNOWN', () => {
  const ce = toCloudEvent(
    sample({ outcome: 'error', grpcCode: 'WHATEVER', errorMessage: 'x'.repeat(5000) }),
    's',
  );
  assert.equal(ce.data.error_message?.length, MAX_ERROR_MESSAGE_CHARS);
  assert.equal(ce.data.grpc_code, 'UNKNOWN');
});

test('cloud-event - an id that cannot be a Nats-Msg-Id is refused', () => {
  assert.throws(
    () => toCloudEvent(sample({ id: 'has space' }), 's'),
    (err) => hasErrorCode(err, 'internal'),
  );
});

test('cloud-event - parseCloudEvent refuses events that break the schema or its cross-field rules', () => {
  const good = toCloudEvent(sample(), 's');
  const bad: [string, unknown][] = [
    ['not json', '{'],
    ['extra attribute', { ...good, extra: 1 }],
    ['missing id', { ...good, id: undefined }],
    ['bad time', { ...good, time: 'yesterday' }],
    ['fractional points', { ...good, data: { ...good.data, points: 1.5 } }],
    ['type mismatch', { ...good, type: 'io.vectoradmin.v1.search' }],
    ['subject of another tenant', { ...good, subject: 'vectoradmin.v1.other.docs.upsert' }],
    ['ok with an error code', { ...good, data: { ...good.data, grpc_code: 'INTERNAL' } }],
  ];
  for (const [what, value] of bad) {
    assert.throws(
      () => parseCloudEvent(typeof value === 'string' ? value : JSON.stringify(value)),
      (err) => hasErrorCode(err, 'invalid_argument'),
      what,
    );
  }
});
