import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/cli/args.js';
import { filterFromJson } from '../../src/cli/filter-json.js';

test("cli filter - Qdrant's match {value} reads as the short form", () => {
  const qdrant = filterFromJson(
    '{"must":[{"key":"state","match":{"value":"open"}}],"must_not":[{"key":"n","match":{"value":3}}],"should":[{"key":"b","match":{"value":true}}]}',
  );
  const short = filterFromJson(
    '{"must":[{"key":"state","match":"open"}],"must_not":[{"key":"n","match":3}],"should":[{"key":"b","match":true}]}',
  );
  assert.deepEqual(qdrant, short);
  assert.deepEqual(qdrant?.must[0], {
    key: 'state',
    condition: { $case: 'match', value: { value: { $case: 'keyword', value: 'open' } } },
  });
});

test('cli filter - match kinds the service lacks are refused by name', () => {
  assert.throws(
    () => filterFromJson('{"must":[{"key":"state","match":{"any":["a","b"]}}]}'),
    (err: unknown) => err instanceof UsageError && /match\.any is not supported/.test(err.message),
  );
  assert.throws(
    () => filterFromJson('{"must":[{"key":"n","match":{"value":1.5}}]}'),
    (err: unknown) => err instanceof UsageError && /condition on "n" needs match/.test(err.message),
  );
});
