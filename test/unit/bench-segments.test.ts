import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSegmentVectors, lastVsFirst, segmentRates } from '../../src/bench/segments.js';

test('bench segments - each segment counts the points its acks really covered', () => {
  // Batches of 300 against segments of 1,000: boundaries fall inside batches.
  const marks = [
    [100, 300],
    [200, 600],
    [300, 900],
    [400, 1_200],
    [600, 1_500],
    [800, 1_800],
    [1_000, 2_100],
    [1_100, 2_200],
  ] as const;
  const segments = segmentRates(marks, 1_000);
  assert.deepEqual(
    segments.map((s) => [s.from, s.to, s.seconds, s.partial]),
    [
      [0, 1_200, 0.4, false],
      [1_200, 2_100, 0.6, false],
      [2_100, 2_200, 0.1, true],
    ],
  );
  assert.equal(segments[0]?.vectors_per_s, 3_000);
  assert.equal(segments[1]?.vectors_per_s, 1_500);
});

test('bench segments - one ack crossing several boundaries closes one segment', () => {
  const segments = segmentRates(
    [
      [1_000, 2_500],
      [2_000, 3_000],
    ],
    1_000,
  );
  assert.deepEqual(
    segments.map((s) => [s.from, s.to, s.partial]),
    [
      [0, 2_500, false],
      [2_500, 3_000, false],
    ],
  );
});

test('bench segments - last ÷ first uses full segments only, and needs two', () => {
  const segments = segmentRates(
    [
      [1_000, 1_000],
      [2_000, 2_000],
      [4_000, 3_000],
      [4_100, 3_010],
    ],
    1_000,
  );
  assert.equal(segments.length, 4);
  assert.equal(lastVsFirst(segments), 0.5);
  assert.equal(lastVsFirst(segmentRates([[1_000, 1_000]], 1_000)), undefined);
  assert.equal(lastVsFirst([]), undefined);
  assert.deepEqual(segmentRates([], 1_000), []);
  assert.throws(() => segmentRates([], 0), RangeError);
});

test('bench segments - the default segment is a tenth of the ingest, at least a batch', () => {
  assert.equal(defaultSegmentVectors(1_000_000, 1_024), 100_000);
  assert.equal(defaultSegmentVectors(5_000, 1_024), 1_024);
});
