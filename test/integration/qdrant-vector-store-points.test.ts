import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Distance, Filter, Point } from '../../src/domain/types.js';
import {
  errorBody,
  hasCode,
  peerStore as storeFor,
  uniqueName as unique,
  withSpecPeer,
} from '../helpers/qdrant-spec-peer.js';
import type { QdrantSpecPeer } from '../helpers/qdrant-spec-peer.js';

const DIM = 4;

const vec = (...v: number[]) => Float32Array.from(v);
const filter = (f: Partial<Filter>): Filter => ({ must: [], should: [], mustNot: [], ...f });

async function collectionWith(
  peer: QdrantSpecPeer,
  title: string,
  points: Point[],
  distance: Distance = 'dot',
) {
  const store = storeFor(peer);
  const name = unique(title);
  await store.createCollection(name, { vectorSize: DIM, distance });
  await store.upsert(name, points);
  return { store, name };
}

const FILTER_POINTS: Point[] = [
  { id: 1, vector: vec(1, 0, 0, 0), payload: { kind: 'a', n: 1, flag: true, meta: { level: 3 } } },
  { id: 2, vector: vec(0, 1, 0, 0), payload: { kind: 'b', n: 2, flag: false, meta: { level: 5 } } },
  { id: 3, vector: vec(0, 0, 1, 0), payload: { kind: 'a', n: 3.5, tags: ['x'] } },
];

void describe('qdrant store points', () => {
  void test('qdrant store - pointsCount is the exact count, not the approximate points_count', async () => {
    await withSpecPeer(async (peer) => {
      const { store, name } = await collectionWith(peer, 'count', FILTER_POINTS);
      await store.deletePoints(name, { ids: [1] });
      const got = await store.getCollection(name);
      assert.equal(got?.pointsCount, 2);
      // Info's points_count still holds the deleted point (as Qdrant's may until a vacuum).
      const info = await fetch(`${peer.url}/collections/${name}`);
      assert.equal(
        ((await info.json()) as { result: { points_count: number } }).result.points_count,
        3,
      );
      assert.deepEqual(peer.requestsFor('count_points').at(-1)?.body, { exact: true });
      assert.equal(await store.getCollection(unique('missing')), undefined);
    });
  });

  void test('qdrant store - retrieve asks once for each id and reorders the answer', async () => {
    await withSpecPeer(async (peer) => {
      const { store, name } = await collectionWith(peer, 'retrieve', FILTER_POINTS);
      const got = await store.retrieve(name, {
        ids: [3, 9, 1, 3],
        withPayload: false,
        withVector: true,
      });
      assert.deepEqual(
        got.map((p) => [p.id, Array.from(p.vector ?? [])]),
        [
          [3, [0, 0, 1, 0]],
          [1, [1, 0, 0, 0]],
        ],
      );
      assert.deepEqual(peer.requestsFor('get_points').at(-1)?.body, {
        ids: [3, 9, 1],
        with_payload: false,
        with_vector: true,
      });
    });
  });

  void test('qdrant store - upsert sends numeric and uuid ids, float32 values and payloads', async () => {
    await withSpecPeer(async (peer) => {
      const uuid = '3F2C9A4E-1B7D-4C8E-9F0A-2B3C4D5E6F70';
      const payload = {
        text: 'héllo ✓',
        int: 42,
        float: 0.125,
        no: false,
        nothing: null,
        list: [1, 'two', { three: 3 }],
      };
      const points: Point[] = [
        { id: 0, vector: vec(0.1, 0.2, 0.3, 0.4), payload: {} },
        { id: Number.MAX_SAFE_INTEGER, vector: vec(1, 1, 1, 1), payload: { n: -1.5 } },
        { id: uuid, vector: vec(1e-6, -2, 3.5, 0), payload },
      ];
      const { store, name } = await collectionWith(peer, 'upsert', points);
      const [request] = peer.requestsFor('upsert_points');
      assert.equal(request?.query.get('ordering'), 'weak');
      assert.deepEqual(request?.body, {
        points: points.map((p) => ({
          id: typeof p.id === 'string' ? p.id.toLowerCase() : p.id,
          vector: Array.from(p.vector),
          payload: p.payload,
        })),
      });
      const hits = await store.search(name, {
        vector: vec(1, 1, 1, 1),
        limit: 10,
        withPayload: true,
      });
      assert.deepEqual(
        new Map(hits.map((h) => [h.id, h.payload])),
        new Map<number | string, unknown>([
          [0, {}],
          [Number.MAX_SAFE_INTEGER, { n: -1.5 }],
          [uuid.toLowerCase(), payload],
        ]),
      );
    });
  });

  for (const ordering of ['weak', 'medium', 'strong'] as const) {
    void test(`qdrant store - writes carry ordering=${ordering} and wait=true`, async () => {
      await withSpecPeer(async (peer) => {
        const store = storeFor(peer, { writeOrdering: ordering });
        const name = unique(ordering);
        await store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
        await store.upsert(name, FILTER_POINTS);
        await store.deletePoints(name, { ids: [1] });
        const writes = [...peer.requestsFor('upsert_points'), ...peer.requestsFor('delete_points')];
        assert.equal(writes.length, 2);
        for (const w of writes)
          assert.deepEqual(Object.fromEntries(w.query), { wait: 'true', ordering });
      });
    });
  }

  void test('qdrant store - duplicate ids in one upsert: the later point wins', async () => {
    await withSpecPeer(async (peer) => {
      const { name } = await collectionWith(peer, 'dedupe', [
        { id: 8, vector: vec(1, 0, 0, 0), payload: { v: 'old' } },
        { id: 9, vector: vec(0, 1, 0, 0), payload: {} },
        { id: 8, vector: vec(0, 0, 1, 0), payload: { v: 'new' } },
      ]);
      const body = peer.requestsFor('upsert_points')[0]?.body as { points: { id: number }[] };
      assert.deepEqual(
        body.points.map((p) => p.id),
        [9, 8],
      );
      assert.deepEqual(peer.state.collections.get(name)!.points.get('n:8')?.payload, { v: 'new' });
    });
  });

  void test('qdrant store - large upserts split under maxRequestBytes, one request at a time', async () => {
    await withSpecPeer(async (peer) => {
      const maxRequestBytes = 4_096;
      const store = storeFor(peer, { maxRequestBytes });
      const name = unique('split');
      await store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
      const points = Array.from({ length: 40 }, (_, i) => ({
        id: i,
        vector: vec(i, 1, 2, 3),
        payload: { pad: 'p'.repeat(50) },
      }));
      await store.upsert(name, points);
      const requests = peer.requestsFor('upsert_points');
      assert.ok(requests.length > 1, `split into ${requests.length} requests`);
      for (const r of requests) assert.ok(r.bodyBytes <= maxRequestBytes, `${r.bodyBytes} bytes`);
      assert.deepEqual(
        requests.flatMap((r) => (r.body as { points: { id: number }[] }).points.map((p) => p.id)),
        points.map((p) => p.id),
      );
      assert.equal(peer.maxInFlight, 1);
      assert.equal(await store.count(name, undefined, true), 40);
    });
  });

  void test('qdrant store - a failed chunk stops the split upsert; earlier chunks stay written', async () => {
    await withSpecPeer(async (peer) => {
      const store = storeFor(peer, { maxRequestBytes: 1_024 });
      const name = unique('split failure');
      await store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
      const points = Array.from({ length: 30 }, (_, i) => ({
        id: i,
        vector: vec(i, 0, 0, 1),
        payload: {},
      }));
      peer.inject('upsert_points', { kind: 'pass' });
      peer.inject('upsert_points', { kind: 'reply', status: 503, body: errorBody('overloaded') });
      await assert.rejects(store.upsert(name, points), hasCode('unavailable'));
      // Checked after one more round trip, so chunks sent in parallel would have arrived.
      const written = await store.count(name, undefined, true);
      const requests = peer.requestsFor('upsert_points');
      assert.equal(requests.length, 2, 'no chunk is sent after a failed one');
      const firstChunk = (requests[0]!.body as { points: unknown[] }).points.length;
      assert.ok(firstChunk > 0 && firstChunk < points.length);
      assert.equal(written, firstChunk);
    });
  });

  void test('qdrant store - a 256-point batch of 1536-d vectors goes in one request by default', async () => {
    await withSpecPeer(async (peer) => {
      const store = storeFor(peer);
      const name = unique('default batch');
      await store.createCollection(name, { vectorSize: 1536, distance: 'cosine' });
      const points = Array.from({ length: 256 }, (_, i) => ({
        id: i,
        vector: Float32Array.from({ length: 1536 }, (_, j) => Math.sin(i * 1536 + j) / 3),
        payload: { i },
      }));
      await store.upsert(name, points);
      const requests = peer.requestsFor('upsert_points');
      assert.equal(requests.length, 1);
      assert.ok(requests[0]!.bodyBytes < 16 * 1024 * 1024);
    });
  });

  void test('qdrant store - deletePoints by ids, by filter, by both, and by nothing', async () => {
    await withSpecPeer(async (peer) => {
      const extra: Point[] = [{ id: 4, vector: vec(1, 1, 0, 0), payload: { kind: 'c' } }];
      const { store, name } = await collectionWith(peer, 'delete', [...FILTER_POINTS, ...extra]);
      await store.deletePoints(name, { ids: [4, 4, 99] });
      await store.deletePoints(name, {});
      await store.deletePoints(name, { ids: [] });
      await store.deletePoints(name, {
        ids: [1, 1],
        filter: filter({ must: [{ key: 'kind', match: 'b' }] }),
      });
      assert.deepEqual(
        peer.requestsFor('delete_points').map((r) => r.body),
        [
          { points: [4, 99] },
          {
            filter: {
              should: [{ has_id: [1] }, { must: [{ key: 'kind', match: { value: 'b' } }] }],
            },
          },
        ],
      );
      assert.deepEqual([...peer.state.collections.get(name)!.points.keys()], ['n:3']);
      await store.deletePoints(name, { ids: [3], filter: filter({}) });
      assert.deepEqual(peer.requestsFor('delete_points').at(-1)?.body, { filter: {} });
      assert.equal(await store.count(name, undefined, true), 0);
    });
  });

  void test('qdrant store - search sends the query API body and keeps ids, scores, payload choice', async () => {
    await withSpecPeer(async (peer) => {
      const { store, name } = await collectionWith(peer, 'search', FILTER_POINTS);
      const f = filter({ must: [{ key: 'kind', match: 'a' }] });
      const hits = await store.search(name, {
        vector: vec(0.5, 0, 1, 0),
        limit: 2,
        filter: f,
        withPayload: false,
      });
      assert.deepEqual(peer.requestsFor('query_points')[0]?.body, {
        query: [0.5, 0, 1, 0],
        limit: 2,
        with_payload: false,
        filter: { must: [{ key: 'kind', match: { value: 'a' } }] },
      });
      assert.deepEqual(hits, [
        { id: 3, score: 1 },
        { id: 1, score: 0.5 },
      ]);
      assert.deepEqual(
        await store.search(name, { vector: vec(1, 0, 0, 0), limit: 0, withPayload: true }),
        [],
      );
      assert.equal(peer.requestsFor('query_points').length, 1);
    });
  });

  void test('qdrant store - answered ids: numbers stay numbers, uuids become lowercase', async () => {
    await withSpecPeer(async (peer) => {
      const { store, name } = await collectionWith(peer, 'ids', FILTER_POINTS);
      const points = [
        { id: 'A1B2C3D4-0000-4000-8000-00000000000F', version: 1, score: 0.9, payload: { a: 1 } },
        { id: 7, version: 1, score: 0.5 },
      ];
      peer.inject('query_points', {
        kind: 'reply',
        status: 200,
        body: { result: { points }, status: 'ok', time: 0.001 },
      });
      const hits = await store.search(name, {
        vector: vec(1, 0, 0, 0),
        limit: 2,
        withPayload: true,
      });
      assert.deepEqual(hits, [
        { id: 'a1b2c3d4-0000-4000-8000-00000000000f', score: 0.9, payload: { a: 1 } },
        { id: 7, score: 0.5, payload: {} },
      ]);
    });
  });

  void test('qdrant store - every condition kind translates to Qdrant filter JSON', async () => {
    await withSpecPeer(async (peer) => {
      const { store, name } = await collectionWith(peer, 'filters', FILTER_POINTS);
      const cases: [Partial<Filter>, unknown, number][] = [
        [
          { must: [{ key: 'kind', match: 'a' }] },
          { must: [{ key: 'kind', match: { value: 'a' } }] },
          2,
        ],
        [{ must: [{ key: 'n', match: 2 }] }, { must: [{ key: 'n', match: { value: 2 } }] }, 1],
        [
          { must: [{ key: 'flag', match: false }] },
          { must: [{ key: 'flag', match: { value: false } }] },
          1,
        ],
        [
          { must: [{ key: 'n', range: { gt: 1, lte: 3.5 } }] },
          { must: [{ key: 'n', range: { gt: 1, lte: 3.5 } }] },
          2,
        ],
        [
          { must: [{ key: 'n', range: { gte: 1, lt: 2 } }] },
          { must: [{ key: 'n', range: { gte: 1, lt: 2 } }] },
          1,
        ],
        [
          { must: [{ key: 'meta.level', range: { gte: 4 } }] },
          { must: [{ key: 'meta.level', range: { gte: 4 } }] },
          1,
        ],
        [
          {
            should: [
              { key: 'kind', match: 'b' },
              { key: 'tags', match: 'x' },
            ],
          },
          {
            should: [
              { key: 'kind', match: { value: 'b' } },
              { key: 'tags', match: { value: 'x' } },
            ],
          },
          2,
        ],
        [
          { mustNot: [{ key: 'kind', match: 'a' }] },
          { must_not: [{ key: 'kind', match: { value: 'a' } }] },
          1,
        ],
        [
          {
            must: [{ key: 'kind', match: 'a' }],
            should: [{ key: 'n', range: { gt: 2 } }],
            mustNot: [{ key: 'flag', match: true }],
          },
          {
            must: [{ key: 'kind', match: { value: 'a' } }],
            should: [{ key: 'n', range: { gt: 2 } }],
            must_not: [{ key: 'flag', match: { value: true } }],
          },
          1,
        ],
        [{}, {}, 3],
      ];
      for (const [domain, wire, expected] of cases) {
        assert.equal(
          await store.count(name, filter(domain), true),
          expected,
          JSON.stringify(domain),
        );
        assert.deepEqual(peer.requestsFor('count_points').at(-1)?.body, {
          exact: true,
          filter: wire,
        });
      }
      await store.count(name, undefined, false);
      assert.deepEqual(peer.requestsFor('count_points').at(-1)?.body, { exact: false });
      const sent = peer.requests.length;
      await assert.rejects(
        store.count(name, filter({ must: [{ key: 'n', match: 1.5 }] }), true),
        hasCode('invalid_argument'),
      );
      assert.equal(peer.requests.length, sent, 'a fractional match never reaches Qdrant');
    });
  });
});
