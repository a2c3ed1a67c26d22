import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { IdFilter } from '../../src/stores/id-filter.js';

test('id filter - every added key is found, across every layer it grew', () => {
  const filter = new IdFilter(1024, 1e-5);
  const keys = Array.from({ length: 300_000 }, (_, i) => String(i + 1));
  for (const key of keys) filter.add(key);
  assert.equal(filter.size, keys.length);
  const missed = keys.filter((key) => !filter.mightContain(key));
  assert.deepEqual(missed, []);
});

test('id filter - keys never added are rarely reported, at about the stated rate', () => {
  const filter = new IdFilter(1024, 1e-3);
  for (let i = 1; i <= 100_000; i++) filter.add(String(i));
  // Neighbouring decimal keys, and UUIDs: the ids a bulk load writes.
  const absent = [
    ...Array.from({ length: 100_000 }, (_, i) => String(100_001 + i)),
    ...Array.from({ length: 100_000 }, () => randomUUID()),
  ];
  const reported = absent.filter((key) => filter.mightContain(key)).length;
  // 200,000 × 1e-3 = 200 at the stated bound; a broken hash reports thousands.
  assert.ok(reported <= 200, `${reported} of ${absent.length} absent keys reported`);
  assert.ok(reported > 0, 'the rate is real, not zero by an unused filter');
});

test('id filter - a small collection keeps a small filter', () => {
  const small = new IdFilter(1024, 1e-5);
  for (let i = 0; i < 1000; i++) small.add(randomUUID());
  assert.ok(small.bytes < 4096, `${small.bytes} bytes for 1,000 keys`);
  const grown = new IdFilter(1024, 1e-5);
  for (let i = 0; i < 100_000; i++) grown.add(String(i));
  // Just past a growth: a fresh layer for 256k keys at ~33 bits each beside the full ones.
  assert.ok(grown.bytes < 100_000 * 16, `${grown.bytes} bytes for 100,000 keys`);
});
