import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metadata, status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { decodeStatusDetails, encodeStatusDetails } from '../../src/wire/rpc-status.js';
import { toGrpcStatus } from '../../src/api/errors.js';
import { statusDetails } from '../../src/client/index.js';
import { VectorAdminError } from '../../src/domain/index.js';

const text = fc.string({ unit: 'grapheme' });
const violationArb = fc.record({ field: text, message: text }).map((v) => ({ ...v }));

test('rpc status - field violations and the retry hint survive encode and decode exactly', () => {
  fc.assert(
    fc.property(
      fc.array(violationArb, { maxLength: 20 }),
      fc.option(fc.integer({ min: 0, max: 86_400_000 }), { nil: undefined }),
      fc.string(),
      (fieldViolations, retryAfterMs, message) => {
        const details = {
          fieldViolations,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        };
        assert.deepEqual(decodeStatusDetails(encodeStatusDetails(3, message, details)), details);
      },
    ),
    { numRuns: 1000 },
  );
});

test('rpc status - a google.rpc.Status known byte for byte: code, message, BadRequest, RetryInfo', () => {
  const bytes = encodeStatusDetails(3, 'bad', {
    fieldViolations: [{ field: 'a', message: 'b' }],
    retryAfterMs: 1500,
  });
  // What protoc --encode=google.rpc.Status gives for the same status (google/rpc/status.proto,
  // error_details.proto): code 3, message "bad", a BadRequest {a: b}, a RetryInfo of 1.5 s.
  const expected =
    '080312036261641a350a29747970652e676f6f676c65617069732e636f6d2f676f6f676c652e7270632e42616452' +
    '65717565737412080a060a01611201621a360a28747970652e676f6f676c65617069732e636f6d2f676f6f676c65' +
    '2e7270632e5265747279496e666f120a0a0808011080cab5ee01';
  assert.equal(bytes.toString('hex'), expected);
});

test('rpc status - the service status carries details the client reads back, fields apart', () => {
  const violations = [
    { field: 'points[0].vector', message: 'has 3 values, expected 8' },
    { field: 'points[1].payload.naïve, key', message: 'is odd, truly: odd' },
  ];
  const grpcStatus = toGrpcStatus(
    new VectorAdminError('invalid_argument', 'bad batch', { violations }),
  );
  assert.equal(grpcStatus.code, status.INVALID_ARGUMENT);
  assert.deepEqual(statusDetails({ metadata: grpcStatus.metadata }).fieldViolations, violations);
  const busy = toGrpcStatus(new VectorAdminError('unavailable', 'busy', { retryAfterMs: 1000 }));
  assert.equal(statusDetails({ metadata: busy.metadata }).retryAfterMs, 1000);
  assert.deepEqual(statusDetails({ metadata: new Metadata() }), { fieldViolations: [] });
});
