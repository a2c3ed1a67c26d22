import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WriteScheduler } from '../../src/domain/index.js';

function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Queues a write that records its start and then waits for its own gate. */
function held(scheduler: WriteScheduler, started: string[], tenant: string, name: string) {
  const release = gate();
  const done = scheduler.run(tenant, 10, async () => {
    started.push(name);
    await release.promise;
  });
  return { done, release: release.open };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

test('write scheduler - tenants take turns: a backlog of one tenant does not go ahead of another tenant', async () => {
  // Room for one write at a time, so every later write waits for its turn.
  const scheduler = new WriteScheduler({ maxBytes: 10, tenantMaxBytes: 0 });
  const started: string[] = [];
  const writes = new Map(
    (
      [
        ['flood', 'f1'],
        ['flood', 'f2'],
        ['flood', 'f3'],
        ['flood', 'f4'],
        ['victim', 'v1'],
        ['victim', 'v2'],
        ['other', 'o1'],
      ] as const
    ).map(([tenant, name]) => [name, held(scheduler, started, tenant, name)]),
  );
  await settle();
  assert.deepEqual(started, ['f1']);
  assert.equal(scheduler.waitingWrites(), 6);
  // Finish whichever write runs; the scheduler picks the next.
  while (started.length < writes.size || scheduler.runningBytes() > 0) {
    const running = [...writes].find(([name]) => name === started.at(-1))![1];
    running.release();
    await running.done;
    await settle();
  }
  // FIFO would run f1 f2 f3 f4 v1 v2 o1; in turn, each tenant's own writes keep their order.
  assert.deepEqual(started, ['f1', 'v1', 'o1', 'f2', 'v2', 'f3', 'f4']);
  assert.equal(scheduler.runningBytes(), 0);
});

test('write scheduler - a tenant at its own bound waits in order while other tenants start at once', async () => {
  const scheduler = new WriteScheduler({ maxBytes: 0, tenantMaxBytes: 10 });
  const started: string[] = [];
  const a1 = held(scheduler, started, 'a', 'a1');
  const a2 = held(scheduler, started, 'a', 'a2');
  const a3 = held(scheduler, started, 'a', 'a3');
  const b1 = held(scheduler, started, 'b', 'b1');
  await settle();
  assert.deepEqual(started, ['a1', 'b1'], 'b is not held by a');
  assert.equal(scheduler.runningBytes('a'), 10);
  b1.release();
  await b1.done;
  await settle();
  assert.deepEqual(started, ['a1', 'b1'], 'a2 waits for a1');
  a1.release();
  await a1.done;
  await settle();
  assert.deepEqual(started, ['a1', 'b1', 'a2']);
  a2.release();
  a3.release();
  await Promise.all([a2.done, a3.done]);
  assert.deepEqual(started, ['a1', 'b1', 'a2', 'a3']);
  assert.equal(scheduler.runningBytes('a'), 0);
});

test('write scheduler - a write over a bound runs alone; a failure frees its bytes; 0 is unbounded', async () => {
  const scheduler = new WriteScheduler({ maxBytes: 10, tenantMaxBytes: 10 });
  await scheduler.run('a', 50, () => Promise.resolve());
  await assert.rejects(scheduler.run('a', 5, () => Promise.reject(new Error('store down'))));
  assert.equal(scheduler.runningBytes('a'), 0);
  assert.equal(scheduler.runningBytes(), 0);
  const off = new WriteScheduler({ maxBytes: 0, tenantMaxBytes: 0 });
  const hold = gate();
  const running = off.run('a', 100, () => hold.promise);
  let ran = false;
  await off.run('a', 100, () => Promise.resolve((ran = true)));
  assert.ok(ran);
  hold.open();
  await running;
});
