import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { connect, plainId, streamUpserts, vectorAdminApi } from '../../src/client/index.js';
import type { CloudEvent } from '../../src/events/index.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { silentLogger } from '../../src/logging/index.js';
import { createEmbeddedVectorStore } from '../../src/stores/index.js';
import { readAllEvents } from '../helpers/event-reader.js';
import { AckLedger, numberedBatches, observeStreams } from '../helpers/fault-ledger.js';
import { reportReliability } from '../helpers/fault-report.js';
import { ServiceProcess, freePort, serviceDataDir } from '../helpers/fault-service-process.js';
import { NatsServer } from '../helpers/nats-server.js';
import { keysEnv, tenantKey, uniqueName, uniqueTable } from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';

const DIM = 8;
const BATCHES = 60;
const BATCH_SIZE = 50;
const KILL_AT = 20;
const WINDOW = 4;
const STREAM = 'VECTORADMIN_EVENTS';
const config = { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 };

/** Upsert events that succeeded, by the client's seq. */
function upsertsBySeq(events: readonly CloudEvent[]): Map<string, CloudEvent[]> {
  const bySeq = new Map<string, CloudEvent[]>();
  for (const e of events) {
    if (e.data.operation !== 'upsert' || e.data.outcome !== 'ok') continue;
    const seq = String(e.data.seq);
    bySeq.set(seq, [...(bySeq.get(seq) ?? []), e]);
  }
  return bySeq;
}

test('faults service - SIGKILL mid-stream, restart on the same port: the client resumes, every point and event is kept', async () => {
  await using nats = await NatsServer.start();
  const tenant = uniqueName('sigkill');
  const dataDir = await serviceDataDir('faults-kill-');
  try {
    await using service = await ServiceProcess.start({
      port: await freePort(),
      dataDir,
      env: {
        NATS_URL: nats.url,
        VECTORADMIN_EVENTS_STREAM: STREAM,
        ...keysEnv([tenant]),
      },
    });
    const connection = connect({ address: service.address, apiKey: tenantKey(tenant) });
    const observed = observeStreams(connection);
    const ledger = new AckLedger({ keepPoints: true });
    const table = uniqueTable('sigkill');
    let killed: string | number | undefined;
    let ackedAtKill = -1;
    let restarted: Promise<void> | undefined;
    const started = performance.now();
    const result = await streamUpserts(
      observed.connection,
      numberedBatches({
        table,
        dim: DIM,
        batches: BATCHES,
        batchSize: BATCH_SIZE,
        seed: 21,
        autoCreate: config,
        before: async (b) => {
          if (b !== KILL_AT) return;
          killed = await service.kill('SIGKILL');
          ackedAtKill = ledger.seqs.length;
          // Back on the same port and data dir while the client keeps retrying.
          restarted = service.restart();
        },
      }),
      { window: WINDOW, onAck: ledger.onAck },
    );
    const elapsedMs = performance.now() - started;
    await restarted;
    assert.equal(killed, 'SIGKILL');
    assert.ok(result.reconnects >= 1, 'the client library resumed by itself');
    assert.equal(result.batches, BATCHES);
    assert.equal(result.rejected.length, 0);
    assert.equal(ledger.ids.size, BATCHES * BATCH_SIZE);

    const api = vectorAdminApi(connection);
    const { count } = await api.count({ tenantId: '', table, filter: undefined, exact: true });
    assert.equal(count, BigInt(ledger.ids.size), 'every acknowledged point is stored');
    // Points are stored whole: each sampled vector finds itself first, with its payload.
    for (const point of ledger.kept.filter((_, i) => i % 97 === 0)) {
      const { points } = await api.search({
        tenantId: '',
        table,
        vector: point.vector,
        limit: 1,
        filter: undefined,
        withPayload: true,
      });
      assert.equal(plainId(points[0]?.id), plainId(point.id));
      assert.ok(Math.abs((points[0]?.score ?? 0) - 1) < 1e-5);
      assert.deepEqual(points[0]?.payload, point.payload);
    }
    assert.deepEqual(
      service.logLines('error').map((l) => l.msg),
      [],
      'neither run logged an error (the restarted store opened cleanly)',
    );

    // Every acknowledged batch has its event; only batches in flight at the kill may have two
    // (written, then re-sent because their ack never arrived).
    const acked = new Set(ledger.seqs.map(String));
    const bySeq = await waitFor(
      async () => {
        const bySeq = upsertsBySeq(await readAllEvents(nats.url, STREAM, BATCHES));
        return [...acked].every((s) => bySeq.has(s)) ? bySeq : undefined;
      },
      { timeoutMs: 30_000, reason: 'an upsert event for every acknowledged batch' },
    );
    assert.deepEqual(new Set(bySeq.keys()), acked, 'no event for a batch never acknowledged');
    const twice = [...bySeq].filter(([, events]) => events.length > 1).map(([seq]) => Number(seq));
    for (const seq of twice) {
      assert.ok(
        seq > ackedAtKill && seq <= ackedAtKill + WINDOW,
        `seq ${seq} has two events but was not in flight at the kill (acked then: ${ackedAtKill})`,
      );
      assert.equal(bySeq.get(String(seq))?.length, 2);
    }
    connection.close();
    assert.equal(await service.kill('SIGTERM'), 0, 'the restarted service stops cleanly');

    // The data dir, opened directly, holds exactly the acknowledged points.
    const store = await createEmbeddedVectorStore({
      dataDir: path.join(dataDir, 'vectors'),
      logger: silentLogger,
    });
    try {
      const name = `client_${tenant}_${table}`;
      assert.deepEqual(await store.listCollections(`client_${tenant}_`), [name]);
      assert.equal(await store.count(name, undefined, true), ledger.ids.size);
    } finally {
      await store.close();
    }
    await reportReliability({
      kind: 'fault',
      test: 'service killed with SIGKILL mid-stream and restarted',
      what: `kill -9 before batch ${KILL_AT} of ${BATCHES}, restart on the same port and data dir`,
      checked:
        'Count and a search per sampled point = acknowledged points; the data dir reopened directly; an upsert event for every acknowledged seq, two only for seqs in flight at the kill',
      figures: {
        ackedPoints: ledger.points,
        uniqueIds: ledger.ids.size,
        reconnects: result.reconnects,
        streamsOpened: observed.opened(),
        seqsWithTwoEvents: twice.length,
        resumeAndFinishMs: Math.round(elapsedMs),
      },
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
