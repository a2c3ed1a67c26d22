import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { DiscardPolicy, StorageType, connect, nanos } from 'nats';
import {
  Operation,
  hasErrorCode,
  type LogFields,
  type Logger,
  type OperationEvent,
} from '../../src/domain/index.js';
import {
  EVENTS_SUBJECT_WILDCARD,
  createNatsEventBus,
  operationEventSchema,
  parseCloudEvent,
  provisionEventsStream,
  type NatsEventBus,
  type NatsEventBusOptions,
  type OutboxState,
} from '../../src/events/index.js';
import { NatsServer } from '../helpers/nats-server.js';
import { waitFor } from '../helpers/wait-for.js';

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(operationEventSchema as object);

interface StoredEvent {
  readonly subject: string;
  readonly msgId: string | undefined;
  readonly traceparent: string | undefined;
  readonly json: unknown;
}

/** Records log lines so tests can see what the bus said. */
class RecordingLogger implements Logger {
  readonly lines: { level: string; message: string; fields?: LogFields }[] = [];
  debug(message: string, fields?: LogFields): void {
    this.lines.push({ level: 'debug', message, ...(fields ? { fields } : {}) });
  }
  info(message: string, fields?: LogFields): void {
    this.lines.push({ level: 'info', message, ...(fields ? { fields } : {}) });
  }
  warn(message: string, fields?: LogFields): void {
    this.lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) });
  }
  error(message: string, fields?: LogFields): void {
    this.lines.push({ level: 'error', message, ...(fields ? { fields } : {}) });
  }
  child(): Logger {
    return this;
  }
}

function operationEvent(
  tenantId: string,
  table: string,
  operation: Operation,
  extra: Partial<OperationEvent> = {},
): OperationEvent {
  return {
    id: randomUUID(),
    operation,
    instanceId: 'test-instance',
    tenantId,
    table,
    collection: table === '' ? '' : `client_${tenantId}_${table}`,
    outcome: 'ok',
    grpcCode: 'OK',
    startedAt: new Date(),
    durationMs: 1.25,
    ...extra,
  };
}

async function withDataDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nats-event-bus-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function busOptions(
  url: string,
  dataDir: string,
  overrides: Partial<NatsEventBusOptions> = {},
): NatsEventBusOptions {
  return {
    natsUrl: url,
    stream: `EVENTS_${randomUUID().slice(0, 8)}`,
    dataDir,
    outboxMaxEvents: 100_000,
    maxAgeMs: 0,
    maxBytes: -1,
    replicas: 1,
    logger: new RecordingLogger(),
    ackTimeoutMs: 2000,
    flushTimeoutMs: 5000,
    ...overrides,
  };
}

/** Every message of the stream, read back in order with an ordered JetStream consumer. */
async function readStream(url: string, stream: string): Promise<StoredEvent[]> {
  const nc = await connect({ servers: url });
  try {
    const total = (await (await nc.jetstreamManager()).streams.info(stream)).state.messages;
    const out: StoredEvent[] = [];
    if (total === 0) return out;
    const consumer = await nc.jetstream().consumers.get(stream);
    const messages = await consumer.fetch({ max_messages: total, expires: 5000 });
    for await (const m of messages) {
      const header = (name: string) => (m.headers?.has(name) ? m.headers.get(name) : undefined);
      out.push({
        subject: m.subject,
        msgId: header('Nats-Msg-Id'),
        traceparent: header('traceparent'),
        json: m.json(),
      });
      if (out.length === total) break;
    }
    return out;
  } finally {
    await nc.close();
  }
}

async function drained(bus: NatsEventBus, reason: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(() => bus.state().pending === 0, { timeoutMs, reason });
}

test('nats-event-bus - every operation yields exactly one schema-valid event on its subject', async () => {
  await using server = await NatsServer.start();
  await withDataDir(async (dataDir) => {
    const options = busOptions(server.url, dataDir);
    await using bus = await createNatsEventBus(options);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const sent: OperationEvent[] = [];
    for (const tenant of ['tenant-a', 'tenant-b']) {
      for (const operation of Object.values(Operation)) {
        const table = operation === Operation.ListCollections ? '' : 'docs';
        sent.push(operationEvent(tenant, table, operation, { traceparent, points: 3 }));
      }
    }
    sent.push(
      operationEvent('tenant-a', 'docs', Operation.Upsert, {
        outcome: 'error',
        grpcCode: 'INVALID_ARGUMENT',
        errorMessage: 'bad',
      }),
    );
    await Promise.all(sent.map((e) => bus.publish(e)));
    await drained(bus, 'all events acknowledged');
    assert.equal(bus.health(), 'ok');

    const stored = await readStream(server.url, options.stream);
    assert.equal(stored.length, sent.length);
    const byId = new Map(stored.map((s) => [s.msgId, s]));
    assert.equal(byId.size, sent.length, 'one message per event id');
    for (const event of sent) {
      const s = byId.get(event.id);
      assert.ok(s, `event ${event.id} stored`);
      assert.ok(validate(s.json), JSON.stringify(validate.errors));
      const ce = parseCloudEvent(JSON.stringify(s.json));
      const table = event.table === '' ? '_' : event.table;
      assert.equal(s.subject, `vectoradmin.v1.${event.tenantId}.${table}.${event.operation}`);
      assert.equal(ce.subject, s.subject);
      assert.equal(ce.id, event.id);
      assert.equal(ce.data.outcome, event.outcome);
      assert.equal(ce.data.grpc_code, event.grpcCode);
      assert.equal(s.traceparent, event.traceparent);
      // Tenant A's events never carry tenant B's subject and the reverse.
      const other = event.tenantId === 'tenant-a' ? 'tenant-b' : 'tenant-a';
      assert.ok(!s.subject.startsWith(`vectoradmin.v1.${other}.`));
      assert.equal(ce.data.tenant_id, event.tenantId);
    }
  });
});

test('nats-event-bus - the stream is provisioned idempotently with file storage and discard new', async () => {
  await using server = await NatsServer.start();
  const nc = await connect({ servers: server.url });
  try {
    const jsm = await nc.jetstreamManager();
    const limits = {
      name: `EVENTS_${randomUUID().slice(0, 8)}`,
      maxAgeMs: 3_600_000,
      maxBytes: 1 << 30,
      maxMsgs: -1,
      duplicateWindowMs: 120_000,
      replicas: 1,
    };
    assert.equal(await provisionEventsStream(jsm, limits), 'created');
    assert.equal(await provisionEventsStream(jsm, limits), 'unchanged');
    assert.equal(await provisionEventsStream(jsm, { ...limits, maxMsgs: 1000 }), 'updated');
    const { config } = await jsm.streams.info(limits.name);
    assert.deepEqual(config.subjects, [EVENTS_SUBJECT_WILDCARD]);
    assert.equal(config.storage, StorageType.File);
    assert.equal(config.discard, DiscardPolicy.New);
    assert.equal(config.duplicate_window, nanos(120_000));
    assert.equal(config.max_age, nanos(3_600_000));
    assert.equal(config.max_msgs, 1000);

    // Retention shorter than the duplicate window: the server refuses such a window, so the
    // window shrinks to the retention (it could never catch an older copy anyway).
    await jsm.streams.delete(limits.name); // the same subjects may not be bound twice
    const short = { ...limits, name: `EVENTS_${randomUUID().slice(0, 8)}`, maxAgeMs: 30_000 };
    assert.equal(await provisionEventsStream(jsm, short), 'created');
    assert.equal(await provisionEventsStream(jsm, short), 'unchanged');
    const shortConfig = (await jsm.streams.info(short.name)).config;
    assert.equal(shortConfig.duplicate_window, nanos(30_000));
    assert.equal(shortConfig.max_age, nanos(30_000));
  } finally {
    await nc.close();
  }
});

test('nats-event-bus - starts while NATS is down (degraded) and delivers in order once it is up', async () => {
  await using server = await NatsServer.start();
  await server.stop();
  await withDataDir(async (dataDir) => {
    // Small memory and segments: most events wait on disk only, across many segments.
    const options = busOptions(server.url, dataDir, {
      outboxMemoryEntries: 50,
      outboxSegmentMaxBytes: 32 << 10,
    });
    await using bus = await createNatsEventBus(options);
    assert.equal(bus.health(), 'degraded');
    const sent = Array.from({ length: 300 }, (_, i) =>
      operationEvent(`t${i % 3}`, 'docs', Operation.Upsert, { seq: String(i) }),
    );
    for (const e of sent) await bus.publish(e);
    assert.equal(bus.state().pending, sent.length);
    assert.equal(bus.state().connected, false);

    await server.restart();
    await drained(bus, 'events published after NATS came up');
    assert.equal(bus.health(), 'ok');
    const stored = await readStream(server.url, options.stream);
    assert.deepEqual(
      stored.map((s) => s.msgId),
      sent.map((e) => e.id),
    );
    await waitFor(
      async () =>
        (await readdir(path.join(dataDir, 'outbox'))).filter((f) => f.endsWith('.log')).length ===
        1,
      {
        timeoutMs: 5000,
        reason: 'spent outbox segments deleted',
      },
    );
  });
});

test('nats-event-bus - kill -9 and restart of nats-server mid-publish: exactly one event per accepted publish', async () => {
  await using server = await NatsServer.start();
  await withDataDir(async (dataDir) => {
    const options = busOptions(server.url, dataDir, { ackTimeoutMs: 1000 });
    await using bus = await createNatsEventBus(options);
    await waitFor(() => bus.state().connected, { timeoutMs: 10_000, reason: 'bus connected' });
    const accepted: string[] = [];
    let publishing = true;
    const producer = (async () => {
      for (let i = 0; publishing; i++) {
        const event = operationEvent(`t${i % 4}`, 'docs', Operation.Upsert, { seq: String(i) });
        await bus.publish(event);
        accepted.push(event.id);
        // Yield to I/O now and then so acks and the kill interleave with publishing.
        if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await waitFor(() => accepted.length >= 2000 && bus.state().pending > 0, {
      timeoutMs: 20_000,
      reason: 'publishing under way',
    });
    await server.stop({ kill: true });
    await waitFor(() => !bus.state().connected, {
      timeoutMs: 10_000,
      reason: 'bus noticed the kill',
    });
    const beforeRestart = accepted.length;
    await waitFor(() => accepted.length >= beforeRestart + 500, {
      timeoutMs: 10_000,
      reason: 'publishes accepted while NATS is down',
    });
    await server.restart();
    await waitFor(() => bus.state().connected, { timeoutMs: 10_000, reason: 'bus reconnected' });
    const afterRestart = accepted.length;
    await waitFor(() => accepted.length >= afterRestart + 500, {
      timeoutMs: 10_000,
      reason: 'publishes accepted after the restart',
    });
    publishing = false;
    await producer;
    await drained(bus, 'every accepted event acknowledged', 30_000);

    const stored = await readStream(server.url, options.stream);
    const ids = stored.map((s) => s.msgId);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    assert.equal(ids.length, accepted.length, 'none missing');
    assert.deepEqual(new Set(ids), new Set(accepted));
  });
});

test('nats-event-bus - a full outbox refuses events with unavailable and says so', async () => {
  await using server = await NatsServer.start();
  await server.stop();
  await withDataDir(async (dataDir) => {
    const states: OutboxState[] = [];
    const logger = new RecordingLogger();
    const options = busOptions(server.url, dataDir, {
      outboxMaxEvents: 20,
      logger,
      onStateChange: (s) => states.push(s),
    });
    await using bus = await createNatsEventBus(options);
    for (let i = 0; i < 20; i++)
      await bus.publish(operationEvent('acme', 'docs', Operation.Upsert));
    await assert.rejects(bus.publish(operationEvent('acme', 'docs', Operation.Upsert)), (err) =>
      hasErrorCode(err, 'unavailable'),
    );
    assert.equal(bus.state().full, true);
    assert.equal(bus.health(), 'degraded');
    assert.ok(
      states.some((s) => s.full),
      'state change reported',
    );
    assert.ok(
      logger.lines.some((l) => l.level === 'error' && l.fields?.full === true),
      'logged as an error',
    );

    await server.restart();
    await drained(bus, 'the outbox emptied');
    assert.equal(bus.state().full, false);
    await bus.publish(operationEvent('acme', 'docs', Operation.Upsert));
    await drained(bus, 'the next event acknowledged');
    assert.equal((await readStream(server.url, options.stream)).length, 21);
  });
});

test('nats-event-bus - a restarted service sends what its outbox held, without duplicates', async () => {
  await using server = await NatsServer.start();
  await withDataDir(async (dataDir) => {
    const options = busOptions(server.url, dataDir, { flushTimeoutMs: 0 });
    const sent: string[] = [];
    {
      // Closed without flushing while events are in flight: some land, the cursor lags.
      await using bus = await createNatsEventBus(options);
      await waitFor(() => bus.state().connected, {
        timeoutMs: 10_000,
        reason: 'first bus connected',
      });
      for (let i = 0; i < 2000; i++) {
        const event = operationEvent('acme', 'docs', Operation.Upsert, { seq: String(i) });
        await bus.publish(event);
        sent.push(event.id);
      }
      await server.stop();
      for (let i = 0; i < 500; i++) {
        const event = operationEvent('acme', 'docs', Operation.Search);
        await bus.publish(event);
        sent.push(event.id);
      }
      assert.ok(bus.state().pending >= 500);
    }
    await server.restart();
    await using again = await createNatsEventBus(options);
    assert.ok(again.state().pending >= 500, 'the journal kept the events');
    await drained(again, "the previous run's events published");
    const ids = (await readStream(server.url, options.stream)).map((s) => s.msgId);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    assert.deepEqual(ids, sent, 'all of them, in order');
  });
});

test('nats-event-bus - kill -9 of the service process loses no accepted event and duplicates none', async () => {
  await using server = await NatsServer.start();
  await withDataDir(async (dataDir) => {
    const options = busOptions(server.url, dataDir);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('../helpers/event-bus-child.ts', import.meta.url)),
        server.url,
        dataDir,
        options.stream,
        'crash',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (output += chunk));
    const acceptedCount = () => output.split('\n').length - 1;
    await waitFor(() => acceptedCount() >= 3000, {
      timeoutMs: 20_000,
      reason: 'the child accepting events',
    });
    child.kill('SIGKILL');
    await exited;
    const accepted = output.split('\n').filter((line) => line !== '');

    await using bus = await createNatsEventBus(options);
    assert.ok(bus.state().pending > 0, 'the killed process left events in its journal');
    await drained(bus, "the killed process's events published");
    const ids = (await readStream(server.url, options.stream)).map((s) => s.msgId ?? '');
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    const stored = new Set(ids);
    assert.deepEqual(
      accepted.filter((id) => !stored.has(id)),
      [],
      'every accepted event stored',
    );
    // Published but killed before printing: at most the last few, never a gap.
    assert.deepEqual(ids.slice(0, accepted.length), accepted);
    assert.ok(
      ids.every((id, i) => id === `crash-${i}`),
      'in order, no gaps',
    );
  });
});

test('nats-event-bus - a torn last journal line left by a crash is dropped', async () => {
  await using server = await NatsServer.start();
  await server.stop();
  await withDataDir(async (dataDir) => {
    const options = busOptions(server.url, dataDir, { flushTimeoutMs: 0 });
    const sent: string[] = [];
    {
      await using bus = await createNatsEventBus(options);
      for (let i = 0; i < 10; i++) {
        const event = operationEvent('acme', 'docs', Operation.Count);
        await bus.publish(event);
        sent.push(event.id);
      }
    }
    const segments = (await readdir(path.join(dataDir, 'outbox'))).filter((f) =>
      f.endsWith('.log'),
    );
    assert.equal(segments.length, 1);
    await appendFile(
      path.join(dataDir, 'outbox', segments[0]!),
      'torn-id vectoradmin.v1.acme.docs.count - - {"spec',
    );
    await server.restart();
    await using again = await createNatsEventBus(options);
    assert.equal(again.state().pending, 10);
    const next = operationEvent('acme', 'docs', Operation.Count);
    await again.publish(next);
    await drained(again, 'the journal published');
    const ids = (await readStream(server.url, options.stream)).map((s) => s.msgId);
    assert.deepEqual(ids, [...sent, next.id]);
  });
});

test('nats-event-bus - a stream at its limits refuses events, which wait in the outbox instead of evicting', async () => {
  await using server = await NatsServer.start();
  await withDataDir(async (dataDir) => {
    // One send at a time, so which five events the stream keeps does not depend on a resend.
    const options = busOptions(server.url, dataDir, { maxMsgs: 5, outboxWindow: 1 });
    await using bus = await createNatsEventBus(options);
    const sent = Array.from({ length: 8 }, () => operationEvent('acme', 'docs', Operation.Upsert));
    for (const e of sent) await bus.publish(e);
    // Generous: the first connect and stream provisioning can be slow on a loaded CI machine.
    await waitFor(() => bus.state().pending === 3 && bus.state().lastError !== undefined, {
      timeoutMs: 30_000,
      reason: 'the last three events refused by the full stream',
      detail: async () => ({
        state: bus.state(),
        sent: sent.map((e) => e.id),
        stored: (await readStream(server.url, options.stream)).map((s) => s.msgId),
      }),
    });
    // Degraded for as long as the stream refuses, not only at the moment a resend fails: a
    // refusal is JetStream answering (it once passed for "no responders" and triggered a
    // re-provisioning that reported the bus healthy between resends).
    // Checked across several refused resends, each seen as a message on the event subjects.
    const watcher = await connect({ servers: server.url });
    let resends = 0;
    const subscription = watcher.subscribe('vectoradmin.v1.>', { callback: () => (resends += 1) });
    for (let i = 0; i < 5; i += 1) {
      assert.equal(bus.health(), 'degraded', `health at check ${i}`);
      await waitFor(() => resends > i, { timeoutMs: 15_000, reason: `refused resend ${i + 1}` });
    }
    subscription.unsubscribe();
    await watcher.close();
    const first = await readStream(server.url, options.stream);
    assert.deepEqual(
      first.map((s) => s.msgId),
      sent.slice(0, 5).map((e) => e.id),
      'the oldest events kept',
    );

    const nc = await connect({ servers: server.url });
    await (await nc.jetstreamManager()).streams.purge(options.stream);
    await nc.close();
    await drained(bus, 'the waiting events published once there is room');
    assert.equal(bus.health(), 'ok');
    const after = await readStream(server.url, options.stream);
    assert.deepEqual(
      after.map((s) => s.msgId),
      sent.slice(5).map((e) => e.id),
    );
  });
});
