import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConcurrencyGate, SearchGates } from '../../src/stores/embedded-scan-gate.js';

test('scan gate - at most `limit` scans run at once, all finish, in arrival order', async () => {
  const gate = new ConcurrencyGate(2);
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
  const gate = new ConcurrencyGate(1);
  await assert.rejects(gate.run(() => Promise.reject(new Error('boom'))));
  assert.equal(await gate.run(() => Promise.resolve('next')), 'next');
});

test('search gates - one large scan at a time; a waiting one holds no search slot', async () => {
  const gates = new SearchGates(2, 1);
  const running = { large: 0, small: 0 };
  const releases = new Map<string, () => void>();
  const task = (name: string, large: boolean) =>
    gates.run(large, async () => {
      const kind = large ? 'large' : 'small';
      running[kind] += 1;
      await new Promise<void>((resolve) => releases.set(name, resolve));
      running[kind] -= 1;
      return name;
    });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const done = [task('large 1', true), task('large 2', true), task('small 1', false)];
  await settle();
  assert.deepEqual(
    running,
    { large: 1, small: 1 },
    'the second large scan waits, a small search runs',
  );
  done.push(task('small 2', false));
  await settle();
  assert.deepEqual(running, { large: 1, small: 1 }, 'two searches at most');
  releases.get('large 1')!();
  await settle();
  assert.equal(
    running.large,
    0,
    "the freed slot goes to the search that waited for it, not large 2's turn",
  );
  releases.get('small 1')!();
  await settle();
  assert.deepEqual(running, { large: 1, small: 1 });
  releases.get('small 2')!();
  releases.get('large 2')!();
  assert.deepEqual(await Promise.all(done), ['large 1', 'large 2', 'small 1', 'small 2']);
});
