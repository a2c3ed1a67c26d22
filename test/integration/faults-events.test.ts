import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { streamUpserts } from '../../src/client/index.js';
import type { CloudEvent } from '../../src/events/index.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { readAllEvents } from '../helpers/event-reader.js';
import { AckLedger, numberedBatches, observeStreams } from '../helpers/fault-ledger.js';
import { reportReliability } from '../helpers/fault-report.js';
import { NatsServer } from '../helpers/nats-server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
  type TestStack,
} from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';

const DIM = 8;
const BATCH_SIZE = 20;
const STREAM = 'VECTORADMIN_EVENTS';
const config = { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 };

/** The seqs of successful upsert events, one entry per event (duplicates kept). */
function upsertSeqs(events: readonly CloudEvent[]): string[] {
  return events
    .filter((e) => e.data.operation === 'upsert' && e.data.outcome === 'ok')
    .map((e) => String(e.data.seq))
    .sort();
}

/** Waits until the stream holds an event for every acked seq, then reads them all. */
async function eventsCovering(nats: NatsServer, ledger: AckLedger): Promise<CloudEvent[]> {
  const acked = ledger.seqs.map(String);
  return waitFor(
    async () => {
      const events = await readAllEvents(nats.url, STREAM, acked.length);
      const seen = new Set(upsertSeqs(events));
      return acked.every((s) => seen.has(s)) ? events : undefined;
    },
    { timeoutMs: 30_000, reason: 'an upsert event for every acknowledged batch' },
  );
}

/** A stack whose events reach `nats` only through `proxy`. */
async function stackBehind(proxy: TcpProxy, tenant: string, env: Record<string, string> = {}) {
  return startTestStack({
    tenants: [tenant],
    natsUrl: proxy.url('nats'),
    env: { VECTORADMIN_EVENTS_STREAM: STREAM, ...env },
  });
}

function connectionOf(stack: TestStack, tenant: string) {
  return observeStreams(stack.connection(tenantKey(tenant)));
}

// Each test has its own broker: event streams bind every event subject, so two cannot share one.
describe('faults events', () => {
  test('faults events - NATS connections cut three times mid-ingest: exactly one event per acknowledged batch', async () => {
    await using nats = await NatsServer.start();
    await using proxy = await TcpProxy.forUrl(nats.url);
    const tenant = uniqueName('nats-cut');
    await using stack = await stackBehind(proxy, tenant);
    const ledger = new AckLedger();
    const observed = connectionOf(stack, tenant);
    const batches = 60;
    const result = await streamUpserts(
      observed.connection,
      numberedBatches({
        table: uniqueTable('cut'),
        dim: DIM,
        batches,
        batchSize: BATCH_SIZE,
        seed: 8,
        autoCreate: config,
        before: async (b) => {
          if (b === 0 || b % 15 !== 0) return;
          // Cut a live connection each time: wait for the bus to have reconnected first.
          await waitFor(() => proxy.open > 0, {
            timeoutMs: 10_000,
            reason: 'the event bus to reconnect through the proxy',
          });
          proxy.cut();
        },
      }),
      { window: 4, onAck: ledger.onAck },
    );
    assert.equal(result.batches, batches);
    assert.equal(result.reconnects, 0, 'the broker is not on the ingest path');
    const events = await eventsCovering(nats, ledger);
    assert.deepEqual(upsertSeqs(events), ledger.seqs.map(String).sort(), 'one event per ack');
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'no event twice');
    const points = events
      .filter((e) => e.data.operation === 'upsert')
      .reduce((n, e) => n + (e.data.points ?? 0), 0);
    assert.equal(points, ledger.points, 'points in events = points acknowledged');
    assert.ok(proxy.accepted >= 4, `the bus reconnected after each cut (${proxy.accepted})`);
    await reportReliability({
      kind: 'fault',
      test: 'NATS connections cut mid-ingest (TCP proxy)',
      what: `every connection to NATS reset 3 times during ${batches} batches`,
      checked: 'Upsert events = acknowledged seqs exactly; points in events = points acknowledged',
      figures: {
        ackedBatches: ledger.seqs.length,
        ackedPoints: ledger.points,
        events: events.length,
        natsConnections: proxy.accepted,
      },
    });
  });

  test('faults events - NATS stalled: the outbox fills, clients get UNAVAILABLE, then every acknowledged batch has exactly one event', async () => {
    await using nats = await NatsServer.start();
    await using proxy = await TcpProxy.forUrl(nats.url);
    const tenant = uniqueName('nats-stall');
    const outboxMax = 20;
    await using stack = await stackBehind(proxy, tenant, {
      VECTORADMIN_OUTBOX_MAX_EVENTS: String(outboxMax),
    });
    const ledger = new AckLedger();
    const observed = connectionOf(stack, tenant);
    const batches = 50;
    const streaming = streamUpserts(
      observed.connection,
      numberedBatches({
        table: uniqueTable('stall'),
        dim: DIM,
        batches,
        batchSize: BATCH_SIZE,
        seed: 9,
        autoCreate: config,
        before: (b) => (b === 5 ? proxy.stall() : undefined),
      }),
      { window: 4, onAck: ledger.onAck },
    );
    await waitFor(() => observed.failures.length > 0, {
      timeoutMs: 20_000,
      reason: 'the full outbox to refuse an upsert',
    });
    const ackedWhileStalled = ledger.seqs.length;
    proxy.resume();
    const result = await streaming;
    assert.deepEqual(new Set(observed.failures), new Set([status.UNAVAILABLE]));
    assert.ok(
      ackedWhileStalled <= 5 + outboxMax,
      `no more batches acked than the outbox holds (${ackedWhileStalled})`,
    );
    assert.equal(result.batches, batches);
    const events = await eventsCovering(nats, ledger);
    assert.deepEqual(upsertSeqs(events), ledger.seqs.map(String).sort(), 'one event per ack');
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'no event twice');
    await reportReliability({
      kind: 'fault',
      test: 'NATS stalled mid-ingest (TCP proxy), bounded outbox',
      what: `connections to NATS stalled from batch 5 of ${batches} with an outbox of ${outboxMax} events, resumed after the first refused stream`,
      checked: 'Upsert events = acknowledged seqs exactly, once each',
      figures: {
        ackedBatches: ledger.seqs.length,
        ackedWhileStalled,
        streamFailures: observed.failures.length,
        reconnects: result.reconnects,
        events: events.length,
      },
    });
  });
});
