import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import {
  plainId,
  streamUpserts,
  wireId,
  wireVector,
  type StreamBatch,
} from '../../src/client/index.js';
import { Distance, type CollectionConfig } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { randomVector, seededRandom, wirePoints } from '../helpers/points.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
  type TestStack,
} from '../helpers/vector-admin-stack.js';

const DIM = 16;
const config = (distance = Distance.DISTANCE_COSINE): CollectionConfig => ({
  vectorSize: DIM,
  distance,
  tenancy: 0,
});

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] ?? 0) * (b[i] ?? 0);
    na += (a[i] ?? 0) ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

describe('upsert stream', () => {
  const tenant = uniqueName('etl');
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ tenants: [tenant] });
  });
  after(async () => {
    await stack[Symbol.asyncDispose]();
  });

  test('upsert stream - every batch is acked in order, count equals unique ids, search is exact', async () => {
    const table = uniqueTable('vectors');
    const random = seededRandom(7);
    const vectors = new Map<number, Float32Array>();
    const batches: StreamBatch[] = [];
    for (let b = 0; b < 20; b++) {
      // Ids overlap between neighbouring batches: the later batch must win.
      const { points, vectors: vs } = wirePoints(
        random,
        DIM,
        b * 40,
        50,
        b % 2 === 0 ? 'f32le' : 'dense',
      );
      vs.forEach((v, i) => vectors.set(b * 40 + i, v));
      batches.push({ table, points, autoCreate: config() });
    }
    const acked: bigint[] = [];
    const connection = stack.connection(tenantKey(tenant));
    const result = await streamUpserts(connection, batches, {
      window: 4,
      onAck: (ack) => acked.push(ack.seq),
    });
    assert.deepEqual(
      acked,
      batches.map((_, i) => BigInt(i + 1)),
    );
    assert.equal(result.rejected.length, 0);
    assert.equal(result.upserted, 1000);
    const api = stack.api(tenantKey(tenant));
    assert.equal(
      (await api.count({ tenantId: '', table, filter: undefined, exact: true })).count,
      BigInt(vectors.size),
    );
    const query = randomVector(random, DIM);
    const expected = [...vectors.entries()]
      .map(([id, v]) => ({ id, score: cosine(query, v) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 10);
    const { points } = await api.search({
      tenantId: '',
      table,
      vector: wireVector(query),
      limit: 10,
      filter: undefined,
      withPayload: true,
    });
    assert.deepEqual(
      points.map((p) => plainId(p.id)),
      expected.map((e) => e.id),
    );
    points.forEach((p, i) => assert.ok(Math.abs(p.score - (expected[i]?.score ?? 0)) < 1e-4));
    assert.equal(points[0]?.payload?.n, expected[0]?.id);
    // Re-sending the same stream changes nothing.
    await streamUpserts(connection, batches, { window: 4 });
    assert.equal(
      (await api.count({ tenantId: '', table, filter: undefined, exact: true })).count,
      BigInt(vectors.size),
    );
    const again = await api.search({
      tenantId: '',
      table,
      vector: wireVector(query),
      limit: 10,
      filter: undefined,
      withPayload: false,
    });
    assert.deepEqual(
      again.points.map((p) => plainId(p.id)),
      expected.map((e) => e.id),
    );
  });

  test('upsert stream - a bad batch is rejected whole with reasons and the stream goes on', async () => {
    const table = uniqueTable('bad');
    const random = seededRandom(11);
    const good = wirePoints(random, DIM, 0, 10).points;
    const bad = wirePoints(random, DIM, 100, 10).points;
    bad[3] = { ...bad[3]!, vector: wireVector(new Float32Array(DIM - 1)) };
    bad[7] = {
      ...bad[7]!,
      vector: wireVector(Float32Array.from({ length: DIM }, (_, i) => (i === 2 ? Number.NaN : 1))),
    };
    bad[8] = { ...bad[8]!, id: wireId({ uuid: 'not-a-uuid' }) };
    const after = wirePoints(random, DIM, 200, 10).points;
    const acks: { seq: bigint; upserted: number; errors: { index: number; field: string }[] }[] =
      [];
    await streamUpserts(
      stack.connection(tenantKey(tenant)),
      [
        { table, points: good, autoCreate: config() },
        { table, points: bad },
        { table, points: after },
      ],
      {
        onAck: (ack) =>
          acks.push({
            seq: ack.seq,
            upserted: ack.upserted,
            errors: ack.errors.map((e) => ({ index: e.index, field: e.field })),
          }),
      },
    );
    assert.deepEqual(acks, [
      { seq: 1n, upserted: 10, errors: [] },
      {
        seq: 2n,
        upserted: 0,
        errors: [
          { index: 3, field: 'points[3].vector' },
          { index: 7, field: 'points[7].vector' },
          { index: 8, field: 'points[8].id' },
        ],
      },
      { seq: 3n, upserted: 10, errors: [] },
    ]);
    const count = await stack
      .api(tenantKey(tenant))
      .count({ tenantId: '', table, filter: undefined, exact: true });
    assert.equal(count.count, 20n, 'nothing of the rejected batch was written');
  });

  test('upsert stream - a missing collection without auto_create rejects the batch, not the stream', async () => {
    const table = uniqueTable('missing');
    const acks: number[] = [];
    const result = await streamUpserts(
      stack.connection(tenantKey(tenant)),
      [
        { table, points: wirePoints(seededRandom(1), DIM, 0, 3).points },
        { table, points: wirePoints(seededRandom(1), DIM, 0, 3).points, autoCreate: config() },
      ],
      { onAck: (ack) => acks.push(ack.errors.length) },
    );
    assert.equal(result.rejected.length, 1);
    assert.equal(result.rejected[0]?.errors[0]?.field, 'table');
    assert.deepEqual(acks, [1, 0]);
  });

  test('upsert stream - a collection deleted behind the cache is re-created by auto_create', async () => {
    const table = uniqueTable('recreate');
    const connection = stack.connection(tenantKey(tenant));
    const batch = (from: number): StreamBatch => ({
      table,
      points: wirePoints(seededRandom(from), DIM, from, 5).points,
      autoCreate: config(),
    });
    await streamUpserts(connection, [batch(0)]);
    await stack.service.store.deleteCollection(`client_${tenant}_${table}`);
    const result = await streamUpserts(connection, [batch(10)]);
    assert.equal(result.upserted, 5);
    assert.equal(
      (
        await stack
          .api(tenantKey(tenant))
          .count({ tenantId: '', table, filter: undefined, exact: true })
      ).count,
      5n,
    );
  });

  test('upsert stream - another tenant ends the stream with PERMISSION_DENIED', async () => {
    const other = uniqueName('other');
    const err = await streamUpserts(stack.connection(tenantKey(tenant)), [
      {
        tenantId: other,
        table: 'x',
        points: wirePoints(seededRandom(2), DIM, 0, 1).points,
        autoCreate: config(),
      },
    ]).then(
      () => assert.fail('expected PERMISSION_DENIED'),
      (e: ServiceError) => e,
    );
    assert.equal(err.code, status.PERMISSION_DENIED);
  });

  test('upsert stream - a seq that does not increase is rejected', async () => {
    const table = uniqueTable('seq');
    const call = stack
      .connection(tenantKey(tenant))
      .raw.upsertStream(stack.connection(tenantKey(tenant)).metadata());
    const acks: { seq: bigint; errors: string[] }[] = [];
    call.on('data', (ack: { seq: bigint; errors: { field: string }[] }) =>
      acks.push({ seq: ack.seq, errors: ack.errors.map((e) => e.field) }),
    );
    const ended = new Promise((resolve, reject) => {
      call.on('end', resolve);
      call.on('error', reject);
    });
    const points = wirePoints(seededRandom(3), DIM, 0, 2).points;
    call.write({ tenantId: '', table, seq: 5n, points, autoCreate: config() });
    call.write({ tenantId: '', table: '', seq: 5n, points });
    call.write({ tenantId: '', table: '', seq: 6n, points });
    call.end();
    await ended;
    assert.deepEqual(acks, [
      { seq: 5n, errors: [] },
      { seq: 5n, errors: ['seq'] },
      { seq: 6n, errors: [] },
    ]);
  });
});
