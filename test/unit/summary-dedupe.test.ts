import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AppliedLog } from '../../src/consumer/index.js';
import { REMEMBERED_IDS } from '../../src/consumer/applied-log.js';

test('summary dedupe - a redelivered sequence is recognised, in order or not', () => {
  const log = new AppliedLog();
  assert.equal(log.admit(1, 'a'), 'apply');
  assert.equal(log.admit(3, 'c'), 'apply');
  assert.equal(log.admit(1, 'a'), 'redelivered');
  assert.equal(log.admit(3, 'c'), 'redelivered');
  assert.equal(log.contiguousSeq, 1);
  assert.equal(log.hasGaps, true);
  assert.equal(log.admit(2, 'b'), 'apply', 'the gap is filled by its late redelivery');
  assert.equal(log.contiguousSeq, 3);
  assert.equal(log.hasGaps, false);
});

test('summary dedupe - the same event id under a new sequence is a duplicate', () => {
  const log = new AppliedLog();
  assert.equal(log.admit(1, 'evt-1'), 'apply');
  assert.equal(log.admit(2, 'evt-1'), 'duplicate');
  assert.equal(log.admit(2, 'evt-1'), 'redelivered', 'and its own redelivery is just that');
  assert.equal(log.contiguousSeq, 2);
});

test('summary dedupe - any delivery order with repeats applies each event exactly once', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 300 }),
      fc.integer({ min: 0, max: 5 }),
      (deliveries, idCollisionMod) => {
        const log = new AppliedLog();
        // Sequences that share `seq % 7` (when idCollisionMod) share an event id: republished copies.
        const idOf = (seq: number) =>
          idCollisionMod > 0 && seq % 7 === 0 ? `dup-${idCollisionMod}` : `e${seq}`;
        const applied: string[] = [];
        for (const seq of deliveries)
          if (log.admit(seq, idOf(seq)) === 'apply') applied.push(idOf(seq));
        assert.equal(new Set(applied).size, applied.length, 'no event applied twice');
        assert.deepEqual(
          new Set(applied),
          new Set(deliveries.map(idOf)),
          'every delivered event applied',
        );
      },
    ),
  );
});

test('summary dedupe - a checkpoint round trip keeps both guards', () => {
  const log = new AppliedLog();
  log.admit(1, 'a');
  log.admit(2, 'b');
  log.admit(5, 'e');
  const restored = AppliedLog.fromJSON(
    JSON.parse(JSON.stringify(log.toJSON())) as ReturnType<AppliedLog['toJSON']>,
  );
  assert.equal(restored.admit(2, 'b'), 'redelivered');
  assert.equal(restored.admit(5, 'e'), 'redelivered');
  assert.equal(restored.admit(9, 'a'), 'duplicate');
  assert.equal(restored.admit(3, 'c'), 'apply');
});

test('summary dedupe - raising the floor to the ack floor closes gaps the stream will never fill', () => {
  const log = new AppliedLog();
  log.admit(1, 'a');
  log.admit(4, 'd');
  log.admit(6, 'f');
  log.raiseFloor(4);
  assert.equal(log.contiguousSeq, 4);
  assert.equal(log.admit(5, 'e'), 'apply');
  assert.equal(log.contiguousSeq, 6);
  assert.equal(log.hasGaps, false);
});

test('summary dedupe - remembers the most recent ids only, without limit on sequences', () => {
  const log = new AppliedLog();
  for (let seq = 1; seq <= REMEMBERED_IDS + 10; seq += 1) log.admit(seq, `id-${seq}`);
  assert.equal(log.toJSON().ids.length, REMEMBERED_IDS);
  assert.equal(
    log.admit(REMEMBERED_IDS + 11, `id-${REMEMBERED_IDS + 10}`),
    'duplicate',
    'a recent id is remembered',
  );
  assert.equal(log.admit(REMEMBERED_IDS + 12, 'id-1'), 'apply', 'the oldest ids were forgotten');
  assert.equal(log.admit(1, 'id-1'), 'redelivered', 'sequences are never forgotten');
});
