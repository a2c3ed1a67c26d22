import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metadata, status } from '@grpc/grpc-js';
import { isRetryable } from '../../src/client/index.js';

const failure = (code: status, retryAfterMs?: number) => {
  const metadata = new Metadata();
  if (retryAfterMs !== undefined) metadata.set('retry-after-ms', String(retryAfterMs));
  return Object.assign(new Error('x'), { code, details: 'x', metadata });
};

test('client retry - unavailable is retried, an oversized message is not, a busy store is', () => {
  assert.equal(isRetryable(failure(status.UNAVAILABLE)), true);
  assert.equal(isRetryable(failure(status.RESOURCE_EXHAUSTED)), false);
  assert.equal(isRetryable(failure(status.RESOURCE_EXHAUSTED, 500)), true);
  assert.equal(isRetryable(failure(status.INVALID_ARGUMENT)), false);
  assert.equal(isRetryable(failure(status.INTERNAL)), false);
});
