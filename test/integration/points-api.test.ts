import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import {
  plainId,
  statusDetails,
  wireId,
  wirePayloadJson,
  wireVector,
} from '../../src/client/index.js';
import { Distance, type Condition } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
  type TestStack,
} from '../helpers/vector-admin-stack.js';

const DIM = 8;
const keyword = (key: string, value: string): Condition => ({
  key,
  condition: { $case: 'match', value: { value: { $case: 'keyword', value } } },
});

describe('points api', () => {
  const tenant = uniqueName('points');
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ tenants: [tenant] });
  });
  after(async () => {
    await stack[Symbol.asyncDispose]();
  });

  test('points api - unary upsert, filtered count and search, delete by id and by filter', async () => {
    const api = stack.api(tenantKey(tenant));
    const table = uniqueTable('items');
    const { points } = wirePoints(seededRandom(5), DIM, 0, 40);
    const ack = await api.upsert({
      tenantId: '',
      table,
      seq: 1n,
      points,
      autoCreate: { vectorSize: DIM, distance: Distance.DISTANCE_EUCLID, tenancy: 0 },
    });
    assert.equal(ack.upserted, 40);
    const even = { must: [keyword('parity', 'even')], should: [], mustNot: [] };
    assert.equal((await api.count({ tenantId: '', table, filter: even, exact: true })).count, 20n);
    const hits = await api.search({
      tenantId: '',
      table,
      vector: points[4]!.vector,
      limit: 3,
      filter: even,
      withPayload: true,
    });
    assert.equal(plainId(hits.points[0]?.id), 4);
    assert.ok(Math.abs(hits.points[0]!.score) < 1e-6, 'euclid distance to itself is 0');
    assert.ok(hits.points.every((p) => p.payload?.parity === 'even'));
    await api.deletePoints({ tenantId: '', table, ids: [wireId(0), wireId(1)], filter: undefined });
    assert.equal(
      (await api.count({ tenantId: '', table, filter: undefined, exact: true })).count,
      38n,
    );
    await api.deletePoints({ tenantId: '', table, ids: [], filter: even });
    assert.equal(
      (await api.count({ tenantId: '', table, filter: undefined, exact: true })).count,
      19n,
    );
  });

  test('points api - a bad unary batch is INVALID_ARGUMENT naming every point and writes nothing', async () => {
    const api = stack.api(tenantKey(tenant));
    const table = uniqueTable('unary_bad');
    await api.createCollection({
      tenantId: '',
      table,
      config: { vectorSize: DIM, distance: 0, tenancy: 0 },
    });
    const { points } = wirePoints(seededRandom(6), DIM, 0, 5);
    points[2] = { ...points[2]!, vector: wireVector(new Float32Array(3)) };
    points[4] = { ...points[4]!, vector: wireVector(new Float32Array(DIM).fill(Number.NaN)) };
    const err = await api
      .upsert({ tenantId: '', table, seq: 1n, points, autoCreate: undefined })
      .then(
        () => assert.fail('expected INVALID_ARGUMENT'),
        (e: ServiceError) => e,
      );
    assert.equal(err.code, status.INVALID_ARGUMENT);
    const { fieldViolations } = statusDetails(err);
    assert.deepEqual(
      fieldViolations.map((v) => v.field),
      ['points[2].vector', 'points[4].vector'],
      'each bad point named apart in the google.rpc.BadRequest details',
    );
    assert.ok(fieldViolations.every((v) => v.message.length > 0));
    assert.equal(
      err.metadata.get('field-violation').map(String).join(', '),
      fieldViolations.map((v) => `${v.field}: ${v.message}`).join(', '),
      'the plain trailers say the same',
    );
    assert.equal(
      (await api.count({ tenantId: '', table, filter: undefined, exact: true })).count,
      0n,
    );
  });

  test('points api - payload_json is stored, filtered and read back as the Struct payload is', async () => {
    const api = stack.api(tenantKey(tenant));
    const table = uniqueTable('json_payload');
    const { points } = wirePoints(seededRandom(7), DIM, 0, 6);
    // Even ids send their payload as JSON, odd ones as a Struct.
    const sent = points.map((p, i) =>
      i % 2 === 0 ? { ...p, payload: undefined, payloadJson: wirePayloadJson(p.payload!) } : p,
    );
    const autoCreate = { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 };
    const ack = await api.upsert({ tenantId: '', table, seq: 1n, points: sent, autoCreate });
    assert.deepEqual([ack.upserted, ack.errors], [6, []]);
    const ids = sent.map((p) => p.id!);
    const got = await api.getPoints({ tenantId: '', table, ids, withVectors: false });
    assert.deepEqual(
      got.points.map((p) => [plainId(p.id), p.payload]),
      points.map((p) => [plainId(p.id), p.payload]),
    );
    const even = { must: [keyword('parity', 'even')], should: [], mustNot: [] };
    assert.equal((await api.count({ tenantId: '', table, filter: even, exact: true })).count, 3n);

    const bad = wirePoints(seededRandom(8), DIM, 10, 3).points.map((p) => ({
      ...p,
      payload: undefined,
      payloadJson: wirePayloadJson(p.payload!),
    }));
    bad[1] = { ...bad[1]!, payloadJson: Buffer.from('["not", "an object"]') };
    const err = await api.upsert({ tenantId: '', table, seq: 2n, points: bad, autoCreate }).then(
      () => assert.fail('expected INVALID_ARGUMENT'),
      (e: ServiceError) => e,
    );
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.deepEqual(statusDetails(err).fieldViolations, [
      { field: 'points[1].payload_json', message: 'must be a JSON object, not an array' },
    ]);
    assert.equal(
      (await api.count({ tenantId: '', table, filter: undefined, exact: true })).count,
      6n,
      'the batch with a bad payload_json wrote none of its points',
    );
  });

  test('points api - search checks the query vector and limit', async () => {
    const api = stack.api(tenantKey(tenant));
    const table = uniqueTable('search_bad');
    await api.createCollection({
      tenantId: '',
      table,
      config: { vectorSize: DIM, distance: 0, tenancy: 0 },
    });
    for (const [request, field] of [
      [{ vector: wireVector(new Float32Array(DIM + 1)), limit: 1 }, 'vector'],
      [{ vector: undefined, limit: 1 }, 'vector'],
      [{ vector: wireVector(new Float32Array(DIM)), limit: 1_000_000 }, 'limit'],
      [
        {
          vector: wireVector(new Float32Array(DIM)),
          limit: 1,
          params: { exact: false, hnswEf: 0 },
        },
        'params.hnsw_ef',
      ],
      [
        {
          vector: wireVector(new Float32Array(DIM)),
          limit: 1,
          params: { exact: true, hnswEf: 5000 },
        },
        'params.hnsw_ef',
      ],
    ] as const) {
      const err = await api
        .search({ tenantId: '', table, filter: undefined, withPayload: false, ...request })
        .then(
          () => assert.fail(`expected INVALID_ARGUMENT for ${field}`),
          (e: ServiceError) => e,
        );
      assert.equal(err.code, status.INVALID_ARGUMENT);
      assert.ok(
        err.metadata
          .get('field-violation')
          .map(String)
          .some((v) => v.startsWith(`${field}:`)),
      );
    }
    // Valid params are accepted: exact bypasses any index, hnsw_ef widens the graph walk.
    for (const params of [{ exact: true }, { exact: false, hnswEf: 256 }]) {
      const found = await api.search({
        tenantId: '',
        table,
        vector: wireVector(new Float32Array(DIM).fill(1)),
        limit: 3,
        filter: undefined,
        withPayload: false,
        params,
      });
      assert.deepEqual(found.points, []);
    }
    const missing = await api
      .count({ tenantId: '', table: 'nope', filter: undefined, exact: true })
      .then(
        () => assert.fail('expected NOT_FOUND'),
        (e: ServiceError) => e,
      );
    assert.equal(missing.code, status.NOT_FOUND);
  });
});
