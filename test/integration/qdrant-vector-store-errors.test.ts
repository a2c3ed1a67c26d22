import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import {
  QdrantClientResourceExhaustedError,
  QdrantClientTimeoutError,
} from '@qdrant/js-client-rest';
import type { VectorAdminError } from '../../src/domain/errors.js';
import type { ErrorCode } from '../../src/domain/errors.js';
import type { QdrantVectorStore } from '../../src/stores/qdrant-vector-store.js';
import {
  errorBody,
  hasCode,
  peerStore,
  uniqueName,
  withSpecPeer,
} from '../helpers/qdrant-spec-peer.js';
import type { QdrantSpecPeer } from '../helpers/qdrant-spec-peer.js';

const DIM = 2;
const point = (id: number) => ({ id, vector: Float32Array.from([1, id]), payload: {} });

async function collection(peer: QdrantSpecPeer, title: string, store = peerStore(peer)) {
  const name = uniqueName(title);
  await store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
  return { store, name };
}

/** Asserts `promise` rejects with `code` and hands back the error for further checks. */
async function rejection(promise: Promise<unknown>, code: ErrorCode): Promise<VectorAdminError> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return hasCode(code)(err);
  });
  return caught as VectorAdminError;
}

/** Every store method that talks to Qdrant, on collection `name`. */
function allCalls(store: QdrantVectorStore, name: string): [string, () => Promise<unknown>][] {
  const vector = Float32Array.from([1, 0]);
  return [
    ['createCollection', () => store.createCollection(name, { vectorSize: DIM, distance: 'dot' })],
    ['getCollection', () => store.getCollection(name)],
    ['listCollections', () => store.listCollections('')],
    ['deleteCollection', () => store.deleteCollection(name)],
    ['upsert', () => store.upsert(name, [point(1)])],
    ['deletePoints', () => store.deletePoints(name, { ids: [1] })],
    ['search', () => store.search(name, { vector, limit: 1, withPayload: false })],
    ['count', () => store.count(name, undefined, true)],
    ['ping', () => store.ping()],
  ];
}

void describe('qdrant errors', () => {
  void test('qdrant errors - 404 on a missing collection is not_found for point calls', async () => {
    await withSpecPeer(async (peer) => {
      const store = peerStore(peer);
      const name = uniqueName('missing');
      const vector = Float32Array.from([1, 0]);
      await rejection(store.upsert(name, [point(1)]), 'not_found');
      await rejection(store.deletePoints(name, { ids: [1] }), 'not_found');
      await rejection(store.search(name, { vector, limit: 1, withPayload: false }), 'not_found');
      await rejection(store.count(name, undefined, true), 'not_found');
    });
  });

  void test('qdrant errors - a taken name is already_exists whether Qdrant says 400 or 409', async () => {
    await withSpecPeer(async (peer) => {
      const { store, name } = await collection(peer, 'exists');
      const config = { vectorSize: DIM, distance: 'dot' } as const;
      await rejection(store.createCollection(name, config), 'already_exists');
      peer.inject('create_collection', { kind: 'reply', status: 409, body: errorBody('exists') });
      await rejection(store.createCollection(name, config), 'already_exists');
      // A 400 for a name that is free stays invalid_argument.
      const free = uniqueName('free');
      peer.inject('create_collection', { kind: 'reply', status: 400, body: errorBody('bad') });
      await rejection(store.createCollection(free, config), 'invalid_argument');
      assert.deepEqual(
        peer.requestsFor('collection_exists').map((r) => r.path),
        [`/collections/${name}/exists`, `/collections/${free}/exists`],
      );
    });
  });

  void test('qdrant errors - delete answered 404 is false', async () => {
    await withSpecPeer(async (peer) => {
      const { store, name } = await collection(peer, 'delete 404');
      peer.inject('delete_collection', {
        kind: 'reply',
        status: 404,
        body: errorBody('Not found'),
      });
      assert.equal(await store.deleteCollection(name), false);
    });
  });

  void test('qdrant errors - 400 is invalid_argument carrying the cause', async () => {
    await withSpecPeer(async (peer) => {
      const { store, name } = await collection(peer, 'bad input');
      const err = await rejection(
        store.upsert(name, [{ id: 1, vector: Float32Array.from([1, 2, 3]), payload: {} }]),
        'invalid_argument',
      );
      assert.ok(err.cause instanceof Error);
    });
  });

  void test('qdrant errors - 429 with retry-after is resource_exhausted with retryAfterMs', async () => {
    await withSpecPeer(async (peer) => {
      const { store, name } = await collection(peer, 'rate limited');
      const reply = {
        kind: 'reply',
        status: 429,
        body: errorBody('Too many requests'),
        headers: { 'retry-after': '2' },
      } as const;
      peer.inject('upsert_points', reply);
      const err = await rejection(store.upsert(name, [point(1)]), 'resource_exhausted');
      assert.equal(err.retryAfterMs, 2_000);
      assert.ok(err.cause instanceof QdrantClientResourceExhaustedError);
      peer.inject('query_points', {
        kind: 'reply',
        status: 429,
        body: errorBody('Too many requests'),
      });
      const bare = await rejection(
        store.search(name, { vector: Float32Array.from([1, 0]), limit: 1, withPayload: false }),
        'resource_exhausted',
      );
      assert.equal(bare.retryAfterMs, undefined);
    });
  });

  void test('qdrant errors - js-client-rest 1.18 keeps only the first digit of retry-after', async () => {
    // Tripwire: when the client reads the whole header this fails; then expect 30_000 and
    // drop the note in src/stores/qdrant-errors.ts.
    await withSpecPeer(async (peer) => {
      const { store, name } = await collection(peer, 'retry after 30');
      peer.inject('count_points', {
        kind: 'reply',
        status: 429,
        body: errorBody('slow down'),
        headers: { 'retry-after': '30' },
      });
      assert.equal(
        (await rejection(store.count(name, undefined, true), 'resource_exhausted')).retryAfterMs,
        3_000,
      );
    });
  });

  void test('qdrant errors - each HTTP status maps to its code, keeping the cause', async () => {
    await withSpecPeer(async (peer) => {
      const store = peerStore(peer);
      const cases: [number, ErrorCode][] = [
        [502, 'unavailable'],
        [503, 'unavailable'],
        [504, 'unavailable'],
        [500, 'internal'],
        [401, 'unauthenticated'],
        [403, 'permission_denied'],
        [408, 'unavailable'],
        [413, 'invalid_argument'],
        [507, 'resource_exhausted'],
        [418, 'internal'],
      ];
      for (const [status, code] of cases) {
        peer.inject('get_collections', {
          kind: 'reply',
          status,
          body: errorBody(`status ${status}`),
        });
        const err = await rejection(store.listCollections(''), code);
        assert.ok(err.cause instanceof Error, `cause kept for ${status}`);
      }
    });
  });

  void test('qdrant errors - a write answered wait_timeout is unavailable, not acknowledged', async () => {
    await withSpecPeer(async (peer) => {
      const { store, name } = await collection(peer, 'wait timeout');
      const body = {
        result: { operation_id: 1, status: 'wait_timeout' },
        status: 'ok',
        time: 0.001,
      };
      peer.inject('upsert_points', { kind: 'reply', status: 200, body });
      await rejection(store.upsert(name, [point(1)]), 'unavailable');
      peer.inject('delete_points', { kind: 'reply', status: 200, body });
      await rejection(store.deletePoints(name, { ids: [1] }), 'unavailable');
    });
  });

  void test('qdrant errors - a request past timeoutMs is unavailable', async () => {
    await withSpecPeer(async (peer) => {
      const store = peerStore(peer, { timeoutMs: 150 });
      peer.inject('get_collections', { kind: 'hang' });
      const err = await rejection(store.listCollections(''), 'unavailable');
      assert.ok(err.cause instanceof QdrantClientTimeoutError);
    });
  });

  void test('qdrant errors - a dropped connection is unavailable', async () => {
    await withSpecPeer(async (peer) => {
      const { store, name } = await collection(peer, 'reset');
      peer.inject('count_points', { kind: 'reset' });
      await rejection(store.count(name, undefined, true), 'unavailable');
    });
  });

  void test('qdrant errors - ping is unavailable while readyz answers 503', async () => {
    await withSpecPeer(async (peer) => {
      const store = peerStore(peer);
      peer.inject('readyz', {
        kind: 'reply',
        status: 503,
        body: 'some shards are not ready',
        contentType: 'text/plain',
      });
      await rejection(store.ping(), 'unavailable');
      await store.ping();
    });
  });

  void test('qdrant errors - a collection with named vectors is failed_precondition', async () => {
    await withSpecPeer(async (peer) => {
      const { store, name } = await collection(peer, 'named');
      const res = await fetch(`${peer.url}/collections/${name}`);
      const info = (await res.json()) as { result: { config: { params: { vectors: unknown } } } };
      info.result.config.params.vectors = { text: { size: DIM, distance: 'Dot' } };
      peer.inject('get_collection', { kind: 'reply', status: 200, body: info });
      await rejection(store.getCollection(name), 'failed_precondition');
    });
  });

  void test('qdrant errors - connection refused is unavailable for every call', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const store = peerStore(`http://127.0.0.1:${port}`);
    for (const [method, call] of allCalls(store, uniqueName('refused'))) {
      const err = await rejection(call(), 'unavailable');
      assert.ok(err.cause !== undefined, `${method} keeps the cause`);
    }
  });
});
