import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScanGate } from '../../src/stores/embedded-scan-gate.js';

test('scan gate - at most `limit` scans run at once, all finish, in arrival order', async () => {
  const gate = new ScanGate(2);
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const releases: (() => void)[] = [];
  const results = Array.from({ length: 6 }, (_, i) =>
    gate.run(async () => {
      started.push(i);
      running += 1;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => releases.push(resolve));
      running -= 1;
      return i;
    }),
  );
  while (started.length < 6) {
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(running <= 2);
    releases.shift()?.();
  }
  releases.forEach((release) => release());
  assert.deepEqual(await Promise.all(results), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5]);
  assert.equal(peak, 2);
});

test('scan gate - a failing scan frees its place', async () => {
  const gate = new ScanGate(1);
  await assert.rejects(gate.run(() => Promise.reject(new Error('boom'))));
  assert.equal(await gate.run(() => Promise.resolve('next')), 'next');
});
