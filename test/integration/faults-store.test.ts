import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import {
  connect,
  streamUpserts,
  vectorAdminApi,
  type Connection,
  type StreamResult,
} from '../../src/client/index.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { setTreeWritable } from '../helpers/fault-files.js';
import { AckLedger, numberedBatches, observeStreams } from '../helpers/fault-ledger.js';
import { reportReliability } from '../helpers/fault-report.js';
import { ServiceProcess, freePort, serviceDataDir } from '../helpers/fault-service-process.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import { QdrantSpecPeer } from '../helpers/qdrant-spec-peer.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import {
  keysEnv,
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
} from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';

const DIM = 8;
const BATCHES = 40;
const BATCH_SIZE = 25;
/** The batch before which the store fails: a third of the way in. */
const FAULT_AT = 12;
const config = { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 };

interface StoreFault {
  readonly inject: () => Promise<void>;
  readonly heal: () => Promise<void>;
}

/**
 * Streams BATCHES batches through the client library, breaks the store before batch FAULT_AT,
 * and heals it once a stream has failed and a unary upsert was refused. Resolves to what the
 * client saw; the caller checks the store against the ledger.
 */
async function streamThroughFault(connection: Connection, table: string, fault: StoreFault) {
  const observed = observeStreams(connection);
  const ledger = new AckLedger();
  const streaming = streamUpserts(
    observed.connection,
    numberedBatches({
      table,
      dim: DIM,
      batches: BATCHES,
      batchSize: BATCH_SIZE,
      seed: 5,
      autoCreate: config,
      before: (b) => (b === FAULT_AT ? fault.inject() : undefined),
    }),
    { window: 4, onAck: ledger.onAck },
  );
  let result: StreamResult | undefined;
  let failed: unknown;
  streaming.then(
    (r) => (result = r),
    (err: unknown) => (failed = err),
  );
  await waitFor(() => observed.failures.length > 0 || failed !== undefined || result, {
    timeoutMs: 20_000,
    reason: 'an upsert stream to fail on the broken store',
  });
  // A point outside the stream's ids: if any part of this refused call were written, the
  // final count would be one more than the ledger's.
  const refused = await vectorAdminApi(connection)
    .upsert({
      tenantId: '',
      table,
      seq: 1n,
      points: wirePoints(seededRandom(1), DIM, 1_000_000, 1).points,
      autoCreate: config,
    })
    .then(
      () => undefined,
      (err: ServiceError) => err,
    );
  await fault.heal();
  return { result: await streaming, observed, ledger, refused };
}

async function countPoints(connection: Connection, table: string): Promise<bigint> {
  const api = vectorAdminApi(connection);
  return (await api.count({ tenantId: '', table, filter: undefined, exact: true })).count;
}

describe('faults store', () => {
  test('faults store - embedded store unwritable mid-stream: UNAVAILABLE, the client resumes, count = acked ids', async () => {
    const tenant = uniqueName('unwritable');
    const dataDir = await serviceDataDir('faults-store-');
    try {
      await using service = await ServiceProcess.start({
        port: await freePort(),
        dataDir,
        env: {
          VECTORADMIN_EVENTS: 'off',
          ...keysEnv([tenant]),
        },
      });
      const connection = connect({ address: service.address, apiKey: tenantKey(tenant) });
      const table = uniqueTable('unwritable');
      const run = await streamThroughFault(connection, table, {
        inject: () => setTreeWritable(dataDir, false),
        heal: () => setTreeWritable(dataDir, true),
      });
      assert.equal(run.refused?.code, status.UNAVAILABLE, 'a write to unwritable storage');
      assert.deepEqual(new Set(run.observed.failures), new Set([status.UNAVAILABLE]));
      assert.ok(run.result.reconnects >= 1, 'the client library resumed the stream');
      assert.equal(run.result.batches, BATCHES);
      assert.equal(run.result.rejected.length, 0);
      assert.equal(run.ledger.ids.size, BATCHES * BATCH_SIZE);
      assert.equal(await countPoints(connection, table), BigInt(run.ledger.ids.size));
      connection.close();
      await reportReliability({
        kind: 'fault',
        test: 'embedded store files made unwritable mid-stream',
        what: `data dir made read-only before batch ${FAULT_AT} of ${BATCHES}, restored after the first failed stream`,
        checked: 'Count = unique ids acknowledged; the refused unary upsert left nothing',
        figures: {
          ackedPoints: run.ledger.points,
          uniqueIds: run.ledger.ids.size,
          streamFailures: run.observed.failures.length,
          reconnects: run.result.reconnects,
        },
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('faults store - Qdrant peer goes away mid-stream: UNAVAILABLE, the client resumes, count = acked ids', async () => {
    const tenant = uniqueName('qdrant-gone');
    await using peer = await QdrantSpecPeer.start();
    await using proxy = await TcpProxy.forUrl(peer.url);
    await using stack = await startTestStack({
      tenants: [tenant],
      env: { VECTORADMIN_STORE: 'qdrant', QDRANT_URL: proxy.url('http'), QDRANT_TIMEOUT: '5' },
    });
    const connection = stack.connection(tenantKey(tenant));
    const table = uniqueTable('gone');
    const run = await streamThroughFault(connection, table, {
      inject: () => Promise.resolve(proxy.refuse(true)),
      heal: () => Promise.resolve(proxy.refuse(false)),
    });
    assert.equal(run.refused?.code, status.UNAVAILABLE, 'a write while Qdrant is unreachable');
    assert.deepEqual(new Set(run.observed.failures), new Set([status.UNAVAILABLE]));
    assert.ok(run.result.reconnects >= 1, 'the client library resumed the stream');
    assert.equal(run.result.batches, BATCHES);
    assert.equal(run.ledger.ids.size, BATCHES * BATCH_SIZE);
    assert.equal(await countPoints(connection, table), BigInt(run.ledger.ids.size));
    const stored = peer.state.collections.get(`client_${tenant}_${table}`);
    assert.equal(stored?.points.size, run.ledger.ids.size, "the peer's own point count");
    assert.deepEqual(peer.violations, [], 'every request and answer kept to the OpenAPI spec');
    await reportReliability({
      kind: 'fault',
      test: "Qdrant adapter's HTTP peer going away mid-stream",
      what: `proxy to the Qdrant peer resets every connection from batch ${FAULT_AT} of ${BATCHES} until the first failed stream`,
      checked: "Count through the API and the peer's own points = unique ids acknowledged",
      figures: {
        ackedPoints: run.ledger.points,
        uniqueIds: run.ledger.ids.size,
        streamFailures: run.observed.failures.length,
        reconnects: run.result.reconnects,
        refusedConnections: proxy.refused,
      },
    });
  });
});
