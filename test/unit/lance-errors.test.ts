import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VectorAdminError } from '../../src/domain/errors.js';
import { toStoreError } from '../../src/stores/lance-errors.js';

const errno = (code: string) => Object.assign(new Error('fs failure'), { code });

test('lance errors - storage refusals are unavailable and keep their cause', () => {
  for (const cause of [
    errno('EACCES'),
    errno('ENOSPC'),
    errno('EROFS'),
    new Error('LanceError(IO): Permission denied (os error 13)'),
    new Error('Generic LocalFileSystem error: No space left on device (os error 28)'),
  ]) {
    const err = toStoreError(cause, 'write');
    assert.equal(err.code, 'unavailable', cause.message);
    assert.equal(err.cause, cause);
  }
});

test('lance errors - anything else is internal, ours pass through unchanged', () => {
  const cause = new Error('Invalid user input: schema mismatch');
  const err = toStoreError(cause, 'write');
  assert.equal(err.code, 'internal');
  assert.equal(err.cause, cause);
  const ours = new VectorAdminError('not_found', 'gone');
  assert.equal(toStoreError(ours, 'write'), ours);
});
