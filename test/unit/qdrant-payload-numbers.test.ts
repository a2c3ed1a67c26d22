import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Struct } from '../../src/gen/google/protobuf/struct.js';
import { jsonNumbers } from '../../src/stores/qdrant-vector-store.js';

test('qdrant payload numbers - BigInts from the REST client become numbers a Struct can carry', () => {
  const payload = { ts: 1_732_000_000_000_000_123n, nested: { list: [1, 2n, 'x'] }, ok: true };
  const plain = jsonNumbers(payload);
  assert.deepEqual(plain, {
    ts: Number(1_732_000_000_000_000_123n), // rounded, as JSON numbers are
    nested: { list: [1, 2, 'x'] },
    ok: true,
  });
  const encode = (value: object) => Struct.encode(Struct.wrap(value)).finish();
  assert.throws(() => encode(payload), /bigint/i, 'what the service would otherwise hit');
  assert.doesNotThrow(() => encode(plain));
  const untouched = { a: 1, b: ['x', { c: 2 }] };
  assert.equal(jsonNumbers(untouched), untouched, 'a payload without BigInts is not copied');
});
