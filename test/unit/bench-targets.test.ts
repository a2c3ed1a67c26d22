import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atLeast, atMost, evaluateTargets } from '../../src/bench/targets.js';

test('bench targets - met, missed with the shortfall, and not measured', () => {
  assert.equal(atLeast('r', 't', 0.96, 0.95, String).status, 'met');
  const missed = atLeast('r', 't', 0.76, 0.95, String);
  assert.equal(missed.status, 'missed');
  assert.equal(missed.shortfall, '20% below target');
  assert.equal(atLeast('r', 't', undefined, 0.95, String).status, 'not measured');
  const over = atMost('p', 't', 30, 25, String, 'ms');
  assert.equal(over.status, 'missed');
  assert.equal(over.shortfall, '5 ms over (20%)');
  assert.equal(atMost('p', 't', 25, 25, String, 'ms').status, 'met');
});

test('bench targets - a partial run reports every target, unmeasured ones as such', () => {
  const targets = evaluateTargets({
    baselines: undefined,
    segments: [],
    memory: {},
    search: undefined,
    index: undefined,
    vectors: 100_000,
    dims: 1536,
  });
  assert.equal(targets.length, 9);
  assert.ok(targets.every((t) => t.status === 'not measured'));
});

test('bench targets - RSS below the target volume is reported, not judged', () => {
  const [rss] = evaluateTargets({
    baselines: undefined,
    segments: [],
    memory: { server_peak_rss_primary_mb: 300 },
    search: undefined,
    index: undefined,
    vectors: 100_000,
    dims: 1536,
  }).filter((t) => t.name === 'server RSS');
  assert.equal(rss?.status, 'not measured');
  assert.match(rss?.measured ?? '', /300 MB/);
});
