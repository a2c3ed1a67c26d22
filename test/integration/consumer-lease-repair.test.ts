import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, type JetStreamClient, type NatsConnection, type StreamUpdateConfig } from 'nats';
import { LEASE_BUCKET, SummaryState, readSummaries } from '../../src/consumer/index.js';
import type { Config } from '../../src/config/index.js';
import { eventRun, publishEvents } from '../helpers/consumer-events.js';
import {
  spawnConsumer,
  startConsumerFixture,
  type ConsumerFixture,
  type ConsumerProcess,
} from '../helpers/consumer-stack.js';
import { waitFor } from '../helpers/wait-for.js';

const TENANTS = ['acme', 'globex', 'initech'];
const LEASE_STREAM = `KV_${LEASE_BUCKET}`;
const TTL_MS = 3000;

type Events = ReturnType<typeof eventRun>;

function expectedSummaries(events: Events) {
  const state = new SummaryState(10_000);
  for (const e of events) state.apply(e);
  return state.summaries();
}

async function countedOperations(config: Config): Promise<number> {
  return (await readSummaries(config))
    .filter((s) => s.scope === 'cumulative')
    .reduce((n, s) => n + s.operations, 0);
}

/** Runs a consumer process through `corrupt`, then asserts it counted every event exactly. */
async function catchesUpThrough(
  fx: ConsumerFixture,
  seed: number,
  corrupt: (consumer: ConsumerProcess) => Promise<JetStreamClient | void>,
): Promise<string> {
  const env = { ...fx.env, VECTORADMIN_CONSUMER_LEASE_TTL_MS: String(TTL_MS) };
  const config = fx.config(env);
  const events = eventRun(300, seed, Date.now() - 100_000, 250, TENANTS);
  const consumer = spawnConsumer(env);
  try {
    await publishEvents(fx.js, events.slice(0, 150));
    await waitFor(async () => (await countedOperations(config)) === 150, {
      timeoutMs: 30_000,
      reason: 'the first half counted',
      detail: () => consumer.log().slice(-3000),
    });
    const js = (await corrupt(consumer)) ?? fx.js;
    await publishEvents(js, events.slice(150));
    await waitFor(async () => (await countedOperations(config)) === events.length, {
      timeoutMs: 60_000,
      reason: 'every event counted after the lease bucket went wrong',
      detail: () => consumer.log().slice(-3000),
    });
    assert.deepEqual(await readSummaries(config), expectedSummaries(events));
  } finally {
    consumer.kill('SIGTERM');
  }
  assert.equal(await consumer.exited, 0, consumer.log().slice(-3000));
  return consumer.log();
}

test('consumer lease - the lease bucket deleted under a running consumer is made again and every event counted', async () => {
  await using fx = await startConsumerFixture('lease bucket deleted');
  const log = await catchesUpThrough(fx, 81, async () => {
    const jsm = await fx.nc.jetstreamManager();
    await jsm.streams.delete(LEASE_STREAM);
    // The rest is published once the consumer has noticed: until its lease lapses (TTL/2) it
    // would count them under the lease it had.
    await waitFor(
      () =>
        jsm.streams.info(LEASE_STREAM).then(
          () => true,
          () => false,
        ),
      {
        timeoutMs: 4 * TTL_MS,
        reason: 'the consumer made the lease bucket again',
      },
    );
  });
  assert.match(log, /could not be renewed for a whole TTL/);
});

test('consumer lease - a bucket holding several never-expiring leases on one key is rebuilt, not waited on', async () => {
  await using fx = await startConsumerFixture('lease bucket corrupt');
  const log = await catchesUpThrough(fx, 82, async () => {
    // What a broker was seen to keep after a crash: several messages on the one lease key,
    // none of them this consumer's. Here the bucket is also told to keep them for a day.
    const jsm = await fx.nc.jetstreamManager();
    const info = await jsm.streams.info(LEASE_STREAM);
    await jsm.streams.update(LEASE_STREAM, {
      ...info.config,
      max_msgs_per_subject: 5,
      max_age: 86_400 * 1e9,
    });
    for (let i = 0; i < 5; i += 1) {
      const holder = { token: `rival-${i}`, host: 'elsewhere', pid: 1, dataDir: '/elsewhere' };
      await fx.js.publish(`$KV.${LEASE_BUCKET}.${fx.consumerName}`, JSON.stringify(holder));
    }
    // The rest is published once the consumer has met the rivals (at its next renewal).
    await waitFor(
      async () => (await jsm.streams.info(LEASE_STREAM)).config.max_msgs_per_subject === 1,
      { timeoutMs: 4 * TTL_MS, reason: 'the consumer rebuilt the lease bucket' },
    );
  });
  assert.match(log, /the consumer lease bucket cannot be trusted; rebuilding it/);
});

test('consumer lease - a lease bucket sealed under a running consumer is rebuilt and every event counted', async () => {
  await using fx = await startConsumerFixture('lease bucket sealed');
  const log = await catchesUpThrough(fx, 84, async (consumer) => {
    const jsm = await fx.nc.jetstreamManager();
    const info = await jsm.streams.info(LEASE_STREAM);
    // A bucket that answers but takes no write: every renewal and every create fails.
    const sealed = { ...info.config, sealed: true } as Partial<StreamUpdateConfig>;
    await jsm.streams.update(LEASE_STREAM, sealed);
    await waitFor(
      async () => (await jsm.streams.info(LEASE_STREAM).catch(() => info)).config.sealed !== true,
      {
        timeoutMs: 6 * TTL_MS,
        reason: 'the consumer rebuilt the sealed lease bucket',
        detail: () => consumer.log().slice(-3000),
      },
    );
  });
  assert.match(log, /cannot be trusted; rebuilding it.*the bucket is sealed/);
});

test('consumer lease - nats-server killed -9 mid-stream and restarted on its store: every event counted', async () => {
  await using fx = await startConsumerFixture('lease broker killed');
  let nc: NatsConnection | undefined;
  try {
    await catchesUpThrough(fx, 83, async (consumer) => {
      await fx.nc.close();
      const before = consumer.log().length;
      await fx.server.stop({ kill: true });
      // Down for longer than the lease's TTL, as in the reported outage: until the consumer says so.
      await waitFor(
        () => consumer.log().slice(before).includes('could not be renewed for a whole TTL'),
        {
          timeoutMs: 10 * TTL_MS,
          reason: 'the consumer saw its lease lapse while the broker was down',
          detail: () => consumer.log().slice(-3000),
        },
      );
      await fx.server.restart();
      nc = await connect({ servers: fx.server.url });
      return nc.jetstream();
    });
  } finally {
    await nc?.close();
  }
});
