import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Distance } from '../../src/domain/types.js';
import {
  TopK,
  scoreFromLanceDistance,
  scorerFor,
  storedForm,
} from '../../src/stores/embedded-scoring.js';

test('embedded scoring - top k keeps the best entries in order', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { maxLength: 60 }),
      fc.integer({ min: 1, max: 10 }),
      fc.boolean(),
      (scores, limit, higherBetter) => {
        const top = new TopK<number>(limit, higherBetter);
        scores.forEach((s, i) => top.add(s, i));
        const expected = [...scores].sort((a, b) => (higherBetter ? b - a : a - b)).slice(0, limit);
        assert.deepEqual(
          top.result().map((e) => e.score),
          expected,
        );
      },
    ),
  );
});

test('embedded scoring - cosine stores unit vectors and leaves zero vectors at zero', () => {
  const unit = storedForm(Distance.Cosine, Float32Array.from([3, 4]));
  assert.deepEqual(
    [...unit].map((x) => Math.round(x * 1e6) / 1e6),
    [0.6, 0.8],
  );
  assert.deepEqual([...storedForm(Distance.Cosine, new Float32Array(3))], [0, 0, 0]);
  assert.deepEqual([...storedForm(Distance.Dot, Float32Array.from([3, 4]))], [3, 4]);
});

test('embedded scoring - scorers follow Qdrant conventions', () => {
  const q = Float32Array.from([1, 2]);
  const v = Float32Array.from([9, 4, -2]);
  assert.equal(scorerFor(Distance.Dot)(q, v, 1), 0);
  assert.equal(scorerFor(Distance.Euclid)(q, v, 1), 5);
  assert.equal(scorerFor(Distance.Manhattan)(q, v, 1), 7);
});

test('embedded scoring - lance distances convert to Qdrant scores', () => {
  // LanceDB's dot distance is 1 - dot; its l2 distance is squared.
  assert.equal(scoreFromLanceDistance(Distance.Dot, -1), 2);
  assert.equal(scoreFromLanceDistance(Distance.Cosine, 0.25), 0.75);
  assert.equal(scoreFromLanceDistance(Distance.Euclid, 25), 5);
  assert.equal(scoreFromLanceDistance(Distance.Euclid, -1e-7), 0);
});
