import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchRejection } from '../../src/cli/batch-rejection.js';

test('cli batch rejection - errors name file lines, not batch indexes; good lines say why they were dropped', () => {
  const reports = batchRejection(
    'bad.jsonl',
    [1, 4, 7, 9],
    [
      { index: 1, field: 'points[1].payload._va_x', message: 'reserved key' },
      { index: 3, field: 'points[3].vector', message: 'not finite' },
    ],
  );
  assert.deepEqual(
    reports.map((r) => `${r.where}: ${r.reason}`),
    [
      'bad.jsonl:4: payload._va_x: reserved key',
      'bad.jsonl:9: vector: not finite',
      'bad.jsonl:1: not written: its batch had errors on lines 4, 9',
      'bad.jsonl:7: not written: its batch had errors on lines 4, 9',
    ],
  );
});

test('cli batch rejection - one bad line is named in the singular; a field without an index is kept', () => {
  const reports = batchRejection('f', [2, 3], [{ index: 0, field: 'table', message: 'gone' }]);
  assert.deepEqual(
    reports.map((r) => `${r.where}: ${r.reason}`),
    ['f:2: table: gone', 'f:3: not written: its batch had errors on line 2'],
  );
});
