import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CollectionNaming, CollectionService } from '../../src/domain/index.js';
import { TENANT_KEY } from '../../src/domain/shared-points.js';
import type { CollectionConfig } from '../../src/domain/types.js';
import {
  errorBody,
  hasCode,
  peerStore,
  uniqueName,
  withSpecPeer,
} from '../helpers/qdrant-spec-peer.js';
import { operatorRef } from '../helpers/operator-ref.js';

const DIM = 4;
const INDEXED: CollectionConfig = {
  vectorSize: DIM,
  distance: 'dot',
  payloadIndexes: [
    { key: 'done', type: 'bool' },
    { key: 'score', type: 'float' },
    { key: 'size', type: 'integer' },
    { key: 'state', type: 'keyword' },
  ],
};

void describe('qdrant store payload indexes and search params', () => {
  void test('qdrant store - declared payload indexes become create_field_index calls and read back', async () => {
    await withSpecPeer(async (peer) => {
      const store = peerStore(peer);
      const name = uniqueName('indexed');
      await store.createCollection(name, INDEXED, { tenantKey: TENANT_KEY });
      const sent = peer.requestsFor('create_field_index');
      assert.deepEqual(
        sent.map((r) => r.body),
        [
          { field_name: 'done', field_schema: 'bool' },
          { field_name: 'score', field_schema: 'float' },
          { field_name: 'size', field_schema: 'integer' },
          { field_name: 'state', field_schema: 'keyword' },
          { field_name: TENANT_KEY, field_schema: { type: 'keyword', is_tenant: true } },
        ],
      );
      assert.ok(sent.every((r) => r.path === `/collections/${name}/index`));
      // An index made by hand with a type the service does not declare is no part of the config.
      const byHand = await fetch(`${peer.url}/collections/${name}/index?wait=true`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ field_name: 'title', field_schema: 'text' }),
      });
      assert.equal(byHand.status, 200);
      const got = await store.getCollection(name);
      assert.deepEqual(got?.config.payloadIndexes, INDEXED.payloadIndexes);
    });
  });

  void test('qdrant store - a collection without payload indexes reports none', async () => {
    await withSpecPeer(async (peer) => {
      const store = peerStore(peer);
      const name = uniqueName('plain');
      await store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
      assert.equal(peer.requestsFor('create_field_index').length, 0);
      assert.equal((await store.getCollection(name))?.config.payloadIndexes, undefined);
    });
  });

  void test('qdrant store - a failed payload index deletes a new own collection, keeps a shared one', async () => {
    await withSpecPeer(async (peer) => {
      const store = peerStore(peer);
      const unavailable = { kind: 'reply', status: 503, body: errorBody('Service unavailable') };
      const own = uniqueName('own');
      // The first index is made, the second fails: nothing of the collection remains.
      peer.inject('create_field_index', { kind: 'pass' });
      peer.inject('create_field_index', unavailable as never);
      await assert.rejects(store.createCollection(own, INDEXED), hasCode('unavailable'));
      assert.equal(await store.getCollection(own), undefined);
      // A retry starts clean and gets every index.
      await store.createCollection(own, INDEXED);
      assert.deepEqual(
        (await store.getCollection(own))?.config.payloadIndexes,
        INDEXED.payloadIndexes,
      );

      const shared = uniqueName('shared');
      peer.inject('create_field_index', unavailable as never);
      await assert.rejects(
        store.createCollection(shared, INDEXED, { tenantKey: TENANT_KEY }),
        hasCode('unavailable'),
      );
      assert.notEqual(await store.getCollection(shared), undefined, 'other tenants may be in it');
    });
  });

  void test('qdrant store - ensure compares payload indexes as a set and names the field', async () => {
    await withSpecPeer(async (peer) => {
      const service = new CollectionService(peerStore(peer), new CollectionNaming('client_'), {
        vectorSize: DIM,
        distance: 'dot',
        maxVectorSize: 65_536,
      });
      const request = { payloadIndexes: [...(INDEXED.payloadIndexes ?? [])].reverse() };
      assert.equal(
        (await service.ensure(operatorRef(service, 'acme', 'items'), request)).created,
        true,
      );
      assert.equal(
        (await service.ensure(operatorRef(service, 'acme', 'items'), request)).created,
        false,
      );
      assert.equal(
        (await service.ensure(operatorRef(service, 'acme', 'items'), {})).created,
        false,
        'unset matches',
      );
      for (const differing of [
        [{ key: 'state', type: 'keyword' }],
        [...request.payloadIndexes.slice(0, 3), { key: 'done', type: 'keyword' }],
        [],
      ] as const) {
        await assert.rejects(
          service.ensure(operatorRef(service, 'acme', 'items'), { payloadIndexes: differing }),
          (err: unknown) =>
            hasCode('failed_precondition')(err) && /payload_indexes/.test(String(err)),
        );
      }
    });
  });

  void test('qdrant store - search params map to Qdrant params; unset ones are not sent', async () => {
    await withSpecPeer(async (peer) => {
      const store = peerStore(peer);
      const name = uniqueName('params');
      await store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
      await store.upsert(name, [{ id: 1, vector: Float32Array.of(1, 0, 0, 0), payload: {} }]);
      const query = { vector: Float32Array.of(1, 0, 0, 0), limit: 3, withPayload: false };
      const cases = [
        [undefined, undefined],
        [{}, undefined],
        [{ exact: true }, { exact: true }],
        [{ hnswEf: 128 }, { hnsw_ef: 128 }],
        [{ exact: false, hnswEf: 1 }, { hnsw_ef: 1 }],
      ] as const;
      for (const [params, wire] of cases) {
        const hits = await store.search(name, params === undefined ? query : { ...query, params });
        assert.deepEqual(
          hits.map((h) => h.id),
          [1],
        );
        const body = peer.requestsFor('query_points').at(-1)?.body as { params?: unknown };
        assert.deepEqual(body.params, wire, JSON.stringify(params));
      }
    });
  });
});
