import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompactionTracker } from '../../src/stores/embedded-compaction.js';

const policy = { minWrites: 2, maxWrites: 5 };
const insert = (n: number) => ({ inserted: n, updated: 0, deleted: 0 });
const update = (n: number) => ({ inserted: 0, updated: n, deleted: 0 });

test('embedded compaction - inserts alone wait for maxWrites', () => {
  const tracker = new CompactionTracker(0);
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map(() => tracker.record(insert(100), policy)),
    [false, false, false, false, true, false],
  );
});

test('embedded compaction - due once a quarter of the rows are dead, not before minWrites', () => {
  const tracker = new CompactionTracker(100);
  assert.equal(tracker.record(update(50), policy), false, 'first write is under minWrites');
  const fresh = new CompactionTracker(100);
  assert.equal(fresh.record(update(10), policy), false);
  assert.equal(fresh.record(update(14), policy), false, '24 dead of 100');
  assert.equal(fresh.record({ inserted: 0, updated: 0, deleted: 1 }, policy), true, '25 of 99');
});

test('embedded compaction - counting restarts when due', () => {
  const tracker = new CompactionTracker(40);
  tracker.record(update(20), policy);
  assert.equal(tracker.record(update(20), policy), true);
  assert.equal(tracker.record(update(20), policy), false, 'a fresh cycle needs minWrites again');
});
