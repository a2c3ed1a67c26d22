import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TenantWriteBudget } from '../../src/domain/index.js';

function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

test('tenant write budget - a tenant over its budget waits in order; other tenants do not', async () => {
  const budget = new TenantWriteBudget(10);
  const started: string[] = [];
  const first = gate();
  const a1 = budget.run('a', 8, async () => {
    started.push('a1');
    await first.promise;
  });
  const a2 = budget.run('a', 8, () => {
    started.push('a2');
    return Promise.resolve();
  });
  const b1 = budget.run('b', 8, () => {
    started.push('b1');
    return Promise.resolve();
  });
  await b1;
  assert.deepEqual(started, ['a1', 'b1'], 'a2 waits for a1; b is not held by a');
  assert.equal(budget.runningBytes('a'), 8);
  first.open();
  await Promise.all([a1, a2]);
  assert.deepEqual(started, ['a1', 'b1', 'a2']);
  assert.equal(budget.runningBytes('a'), 0);
});

test('tenant write budget - a write over the budget runs alone; a failure frees its bytes; 0 is off', async () => {
  const budget = new TenantWriteBudget(10);
  await budget.run('a', 50, () => Promise.resolve());
  await assert.rejects(budget.run('a', 5, () => Promise.reject(new Error('store down'))));
  assert.equal(budget.runningBytes('a'), 0);
  const off = new TenantWriteBudget(0);
  const hold = gate();
  const held = off.run('a', 100, () => hold.promise);
  let ran = false;
  await off.run('a', 100, () => Promise.resolve((ran = true)));
  assert.ok(ran);
  hold.open();
  await held;
});
