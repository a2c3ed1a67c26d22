import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { connect } from 'nats';
import {
  ConsumerLease,
  LEASE_BUCKET,
  LeaseLostError,
  SummaryState,
  createTelemetry,
  readSummaries,
  runConsumer,
  type ConsumerHandle,
} from '../../src/consumer/index.js';
import type { Config } from '../../src/config/index.js';
import { hasErrorCode, type Logger } from '../../src/domain/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { eventRun, publishEvents } from '../helpers/consumer-events.js';
import {
  spawnConsumer,
  startConsumerFixture,
  type ConsumerFixture,
} from '../helpers/consumer-stack.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait-for.js';

const WINDOW_MS = 10_000;
const TENANTS = Array.from({ length: 12 }, (_, i) => `tenant-${i}`);

function start(config: Config): Promise<ConsumerHandle> {
  return runConsumer(config, silentLogger, { telemetry: createTelemetry([]), tickMs: 100 });
}

function stats(handle: ConsumerHandle) {
  return handle.dashboard().consumer;
}

function expectedSummaries(events: ReturnType<typeof eventRun>) {
  const state = new SummaryState(WINDOW_MS);
  for (const e of events) state.apply(e);
  return state.summaries();
}

function partitionConfig(fx: ConsumerFixture, index: number, count: number): Config {
  return fx.config({
    VECTORADMIN_CONSUMER_PARTITIONS: String(count),
    VECTORADMIN_CONSUMER_PARTITION: String(index),
  });
}

test('consumer scale-out - three partitions count every event once and together equal one consumer', async () => {
  await using fx = await startConsumerFixture('consumer partitions');
  const events = eventRun(900, 71, Date.now() - 300_000, 250, TENANTS);
  await publishEvents(fx.js, events.slice(0, 400));
  const configs = [0, 1, 2].map((i) => partitionConfig(fx, i, 3));
  const handles = await Promise.all(configs.map(start));
  await waitFor(() => handles.every((h) => stats(h).contiguous_seq === 400), {
    timeoutMs: 20_000,
    reason: 'every partition went through the first 400 events',
  });
  // One partition restarts mid-run: its checkpoint carries it on.
  await handles[1]?.stop();
  await publishEvents(fx.js, events.slice(400));
  handles[1] = await start(configs[1] as Config);
  await waitFor(() => handles.every((h) => stats(h).contiguous_seq === events.length), {
    timeoutMs: 20_000,
    reason: 'every partition reached the end of the stream',
  });
  const owners = new Map<string, number>();
  for (const [index, handle] of handles.entries()) {
    for (const s of handle.summaries()) {
      const owner = owners.get(s.tenant_id) ?? index;
      assert.equal(owner, index, `tenant ${s.tenant_id} counted by one partition only`);
      owners.set(s.tenant_id, index);
    }
  }
  assert.equal(owners.size, TENANTS.length, 'every tenant has an owner');
  assert.ok(new Set(owners.values()).size > 1, 'the tenants are spread over partitions');
  for (const handle of handles) await handle.stop();
  assert.deepEqual(
    await readSummaries(configs[0] as Config),
    expectedSummaries(events),
    'the partitions checkpoints together hold exactly the summaries of all events',
  );
});

test('consumer scale-out - a second process on one durable stands by, then takes over without counting twice', async () => {
  await using fx = await startConsumerFixture('consumer standby');
  const config = fx.config({ VECTORADMIN_CONSUMER_LEASE_TTL_MS: '4000' });
  const events = eventRun(600, 72, Date.now() - 200_000, 250, TENANTS);
  await publishEvents(fx.js, events.slice(0, 300));
  const active = await start(config);
  let standby: ConsumerHandle | undefined;
  const standbyStarted = start(config).then((h) => (standby = h));
  await publishEvents(fx.js, events.slice(300, 500));
  await waitFor(() => stats(active).applied === 500, {
    timeoutMs: 20_000,
    reason: 'the active process applied every event so far',
  });
  assert.equal(standby, undefined, 'the second process stands by while the lease is held');
  await active.stop();
  await standbyStarted;
  const next = standby as unknown as ConsumerHandle;
  await publishEvents(fx.js, events.slice(500));
  await waitFor(() => stats(next).contiguous_seq === events.length, {
    timeoutMs: 20_000,
    reason: 'the standby took over and read to the end',
  });
  assert.equal(stats(next).applied, 100, 'only the events the first process had not counted');
  assert.deepEqual(next.summaries(), expectedSummaries(events));
  await next.stop();
  assert.deepEqual(await readSummaries(config), expectedSummaries(events));
});

test('consumer scale-out - a process that lost its lease stops committing and says so', async () => {
  await using fx = await startConsumerFixture('consumer lease lost');
  const config = fx.config({ VECTORADMIN_CONSUMER_LEASE_TTL_MS: '1500' });
  await publishEvents(fx.js, eventRun(50, 73, Date.now() - 60_000, 250, TENANTS));
  const handle = await start(config);
  await waitFor(() => stats(handle).applied === 50, { timeoutMs: 15_000, reason: 'applied' });
  const kv = await fx.js.views.kv(LEASE_BUCKET);
  await kv.put(fx.consumerName, JSON.stringify({ host: 'elsewhere', pid: 1 }));
  const err = await handle.failed;
  assert.ok(err instanceof LeaseLostError, String(err));
  await publishEvents(fx.js, eventRun(10, 74, Date.now() - 30_000, 250, TENANTS));
  await waitFor(() => stats(handle).applied === 60, { timeoutMs: 15_000, reason: 'delivered' });
  await assert.rejects(handle.checkpoint(), (e: unknown) => hasErrorCode(e, 'unavailable'));
  await handle.stop().catch(() => undefined);
  assert.equal((await kv.get(fx.consumerName))?.string().includes('elsewhere'), true);
});

test('consumer scale-out - a dead holder on this host is replaced at once, a live one elsewhere after its TTL', async () => {
  await using fx = await startConsumerFixture('consumer lease takeover');
  const ttlMs = 4000;
  const options = {
    nc: fx.nc,
    ttlMs,
    replicas: 1,
    dataDir: fx.dataDir,
    logger: silentLogger,
  };
  // Which keys an acquirer has looked at and left to their holder.
  const standingBy = new Set<string>();
  const standbyLogger = (key: string): Logger => ({
    ...silentLogger,
    info: (message) => {
      if (message.startsWith('standing by')) standingBy.add(key);
    },
  });
  const first = await ConsumerLease.acquire({ ...options, key: 'dead-here' });
  await first.release();
  const kv = await fx.js.views.kv(LEASE_BUCKET);
  const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
  assert.ok(deadPid !== undefined && deadPid > 0);
  const here = {
    host: hostname(),
    bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
    pidNamespace: readlinkSync('/proc/self/ns/pid'),
  };
  await kv.put('dead-here', JSON.stringify({ ...here, pid: deadPid }));
  const started = performance.now();
  const taken = await ConsumerLease.acquire({ ...options, key: 'dead-here' });
  // Correctness, not speed: the alternative is waiting out the whole TTL for the key to expire.
  assert.ok(
    performance.now() - started < ttlMs / 2,
    'a killed holder in this PID namespace is taken over without waiting for its key to expire',
  );
  await taken.release();

  // The same host name in another PID namespace (a container sharing the host's network):
  // its pid means nothing here, so it is not judged dead.
  await kv.put('same-name', JSON.stringify({ ...here, pidNamespace: 'pid:[1]', pid: deadPid }));
  let otherNamespace: ConsumerLease | undefined;
  const waitingOther = ConsumerLease.acquire({
    ...options,
    key: 'same-name',
    logger: standbyLogger('same-name'),
  }).then((lease) => (otherNamespace = lease));
  await waitFor(() => standingBy.has('same-name'), {
    timeoutMs: ttlMs,
    reason: 'the other namespace holder judged alive',
  });
  assert.equal(otherNamespace, undefined, 'another PID namespace holder waits for its TTL');
  await (await waitingOther).release();

  await kv.put('live-elsewhere', JSON.stringify({ host: 'another-host', pid: process.pid }));
  let acquired: ConsumerLease | undefined;
  const waiting = ConsumerLease.acquire({
    ...options,
    key: 'live-elsewhere',
    logger: standbyLogger('live-elsewhere'),
  }).then((lease) => (acquired = lease));
  await waitFor(() => standingBy.has('live-elsewhere'), {
    timeoutMs: ttlMs,
    reason: 'the holder elsewhere judged alive',
  });
  const holder = await kv.get('live-elsewhere');
  assert.equal(acquired, undefined, 'no takeover while the other host key is alive');
  assert.ok(holder?.string().includes('another-host'));
  const lease = await waiting;
  assert.ok(lease.valid, 'taken once the silent holder key expired');
  await lease.release();
});

test('consumer scale-out - a holder cut off from NATS stops committing at TTL/2 and learns the lease expired', async () => {
  await using fx = await startConsumerFixture('consumer lease lapse');
  // The holder reaches NATS through a proxy, so the test can watch its key expire meanwhile.
  await using proxy = await TcpProxy.forUrl(fx.server.url);
  const holderNc = await connect({
    servers: proxy.url('nats'),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
  });
  try {
    const lease = await ConsumerLease.acquire({
      nc: holderNc,
      key: 'lapsing',
      ttlMs: 2000,
      replicas: 1,
      dataDir: fx.dataDir,
      logger: silentLogger,
    });
    assert.ok(lease.valid);
    proxy.refuse(true);
    // Renewed at most TTL/5 before the cut, so it lapses by TTL/2 after it; 0.75 TTL is slack.
    await waitFor(() => !lease.valid, { timeoutMs: 1500, reason: 'the lease lapsed by TTL/2' });
    assert.throws(
      () => lease.assertValid(),
      (e: unknown) => hasErrorCode(e, 'unavailable'),
    );
    await leaseKeysExpired(fx, 'the lapsed key expired on the server');
    proxy.refuse(false);
    let err: unknown;
    void lease.lost.then((e) => (err = e));
    await waitFor(() => err !== undefined, { timeoutMs: 15_000, reason: 'the expiry noticed' });
    assert.ok(err instanceof LeaseLostError);
    assert.equal(lease.valid, false, 'a lost lease never becomes valid again');
  } finally {
    await holderNc.close();
  }
});

// Waits, over the fixture's own connection, until no lease key is left in the bucket.
async function leaseKeysExpired(fx: ConsumerFixture, reason: string): Promise<void> {
  const kv = await fx.js.views.kv(LEASE_BUCKET);
  await waitFor(
    async () => {
      const keys: string[] = [];
      for await (const key of await kv.keys()) keys.push(key);
      return keys.length === 0;
    },
    { timeoutMs: 30_000, intervalMs: 100, reason },
  );
}

test('consumer scale-out - a consumer process outlives a NATS outage longer than its lease and counts exactly', async () => {
  await using fx = await startConsumerFixture('consumer outage');
  const env = { ...fx.env, VECTORADMIN_CONSUMER_LEASE_TTL_MS: '3000' };
  const config = fx.config(env);
  const events = eventRun(300, 75, Date.now() - 100_000, 250, TENANTS);
  // The consumer reaches NATS through a proxy: the outage starts when it is cut off, and lasts
  // until its lease key has expired on the server, which the test watches directly.
  await using proxy = await TcpProxy.forUrl(fx.server.url);
  const consumer = spawnConsumer({ ...env, NATS_URL: proxy.url('nats') });
  try {
    await publishEvents(fx.js, events.slice(0, 150));
    const operations = async () =>
      (await readSummaries(config))
        .filter((s) => s.scope === 'cumulative')
        .reduce((n, s) => n + s.operations, 0);
    await waitFor(async () => (await operations()) === 150, {
      timeoutMs: 20_000,
      reason: 'the first half counted',
    });
    proxy.refuse(true);
    await leaseKeysExpired(fx, "the consumer's lease expired on the server");
    await fx.nc.close();
    await fx.server.restart();
    proxy.refuse(false);
    const nc = await connect({ servers: fx.server.url });
    try {
      await publishEvents(nc.jetstream(), events.slice(150));
    } finally {
      await nc.close();
    }
    await waitFor(async () => (await operations()) === events.length, {
      timeoutMs: 30_000,
      reason: 'every event counted after the outage',
      detail: () => consumer.log().slice(-3000),
    });
    assert.deepEqual(await readSummaries(config), expectedSummaries(events));
    assert.match(consumer.log(), /consumer lease lost; starting over from the checkpoint/);
  } finally {
    consumer.kill('SIGTERM');
  }
  assert.equal(await consumer.exited, 0, consumer.log().slice(-3000));
});
