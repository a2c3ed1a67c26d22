import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TENANT_KEY } from '../../src/domain/shared-points.js';
import {
  errorBody,
  hasCode,
  peerStore,
  uniqueName,
  withSpecPeer,
} from '../helpers/qdrant-spec-peer.js';

const CONFIG = { vectorSize: 4, distance: 'dot' } as const;

void describe('qdrant store tenant index', () => {
  void test('qdrant store - a tenant key is indexed as keyword with is_tenant, waiting until applied', async () => {
    await withSpecPeer(async (peer) => {
      const store = peerStore(peer);
      const shared = uniqueName('shared');
      const plain = uniqueName('plain');
      await store.createCollection(shared, CONFIG, { tenantKey: TENANT_KEY });
      await store.createCollection(plain, CONFIG);
      const [index, ...more] = peer.requestsFor('create_field_index');
      assert.equal(more.length, 0, 'a collection without a tenant key gets no index');
      assert.equal(index?.path, `/collections/${shared}/index`);
      assert.equal(index?.query.get('wait'), 'true');
      assert.deepEqual(index?.body, {
        field_name: TENANT_KEY,
        field_schema: { type: 'keyword', is_tenant: true },
      });
      assert.deepEqual(
        [...(peer.state.collections.get(shared)?.indexes.keys() ?? [])],
        [TENANT_KEY],
      );
      // The index changes nothing the service reads back.
      assert.deepEqual(
        (await store.getCollection(shared))?.config,
        (await store.getCollection(plain))?.config,
      );
    });
  });

  void test('qdrant store - a failed tenant index is made by the next create or join, never by dropping the collection', async () => {
    await withSpecPeer(async (peer) => {
      const store = peerStore(peer);
      const name = uniqueName('retry');
      peer.inject('create_field_index', {
        kind: 'reply',
        status: 503,
        body: errorBody('Service unavailable'),
      });
      await assert.rejects(
        store.createCollection(name, CONFIG, { tenantKey: TENANT_KEY }),
        hasCode('unavailable'),
      );
      // Other tenants may have joined it meanwhile: it stays, unindexed for now.
      assert.notEqual(await store.getCollection(name), undefined);
      assert.equal(peer.requestsFor('delete_collection').length, 0);
      assert.equal(peer.state.collections.get(name)?.indexes.has(TENANT_KEY), false);
      // The next create (a join that finds it taken) indexes it, then reports it taken.
      await assert.rejects(
        store.createCollection(name, CONFIG, { tenantKey: TENANT_KEY }),
        hasCode('already_exists'),
      );
      assert.ok(peer.state.collections.get(name)?.indexes.has(TENANT_KEY));
    });
  });
});
