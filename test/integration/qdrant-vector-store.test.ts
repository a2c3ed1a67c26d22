import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CollectionNaming, CollectionService } from '../../src/domain/index.js';
import type { CollectionConfig } from '../../src/domain/types.js';
import { createQdrantVectorStore } from '../../src/stores/qdrant-vector-store.js';
import {
  QdrantSpecPeer,
  hasCode,
  liveContractFixture,
  peerStore as storeFor,
  uniqueName as unique,
  withSpecPeer,
} from '../helpers/qdrant-spec-peer.js';
import { runVectorStoreContract } from '../helpers/vector-store-contract.js';
import { operatorRef } from '../helpers/operator-ref.js';

const DIM = 4;

void describe('qdrant store collections', () => {
  void test('qdrant store - ensure repeats with partial HNSW settings against the effective ones', async () => {
    await withSpecPeer(async (peer) => {
      const service = new CollectionService(storeFor(peer), new CollectionNaming('client_'), {
        vectorSize: DIM,
        distance: 'cosine',
        maxVectorSize: 65_536,
      });
      // Qdrant reports every HNSW parameter and on_disk, set or not; a repeat must still match.
      for (const [i, config] of [
        { hnsw: { m: 32 } },
        { hnsw: { m: 32, efConstruct: 200, fullScanThreshold: 20_000 } },
        { onDisk: false, hnsw: { onDisk: false } },
      ].entries()) {
        const table = `ensure_${i}`;
        assert.equal(
          (await service.ensure(operatorRef(service, 'acme', table), config)).created,
          true,
        );
        assert.equal(
          (await service.ensure(operatorRef(service, 'acme', table), config)).created,
          false,
          table,
        );
      }
      await assert.rejects(
        service.ensure(operatorRef(service, 'acme', 'ensure_0'), { hnsw: { m: 16 } }),
        (err: unknown) => hasCode('failed_precondition')(err) && /hnsw\.m/.test(String(err)),
      );
    });
  });

  void test('qdrant store - create sends the spec body and get reads the config back', async () => {
    await withSpecPeer(async (peer) => {
      const store = storeFor(peer);
      const name = unique('create');
      const config: CollectionConfig = {
        vectorSize: 8,
        distance: 'manhattan',
        shardNumber: 2,
        replicationFactor: 3,
        writeConsistencyFactor: 2,
        onDisk: true,
        hnsw: { m: 32, efConstruct: 200, fullScanThreshold: 20_000, onDisk: false },
      };
      await store.createCollection(name, config);
      assert.deepEqual(withoutCreatedAt(peer.requestsFor('create_collection')[0]?.body), {
        vectors: { size: 8, distance: 'Manhattan', on_disk: true },
        shard_number: 2,
        replication_factor: 3,
        write_consistency_factor: 2,
        on_disk_payload: true,
        hnsw_config: { m: 32, ef_construct: 200, full_scan_threshold: 20_000, on_disk: false },
      });
      assert.deepEqual(await store.getCollection(name), {
        name,
        config,
        pointsCount: 0,
        indexedVectorsCount: 0,
        status: 'green',
      });
    });
  });

  void test('qdrant store - every distance maps to Qdrant and back; unset options stay unsent', async () => {
    await withSpecPeer(async (peer) => {
      const store = storeFor(peer);
      const wire = {
        cosine: 'Cosine',
        euclid: 'Euclid',
        dot: 'Dot',
        manhattan: 'Manhattan',
      } as const;
      for (const distance of ['cosine', 'euclid', 'dot', 'manhattan'] as const) {
        const name = unique(distance);
        await store.createCollection(name, { vectorSize: DIM, distance });
        assert.deepEqual(withoutCreatedAt(peer.requestsFor('create_collection').at(-1)?.body), {
          vectors: { size: DIM, distance: wire[distance] },
        });
        assert.equal((await store.getCollection(name))?.config.distance, distance);
      }
    });
  });

  void test('qdrant store - list keeps the prefix and sorts; delete is true, then false', async () => {
    await withSpecPeer(async (peer) => {
      const store = storeFor(peer);
      const prefix = `${unique('list')}_`;
      for (const suffix of ['c', 'a', 'b'])
        await store.createCollection(prefix + suffix, { vectorSize: DIM, distance: 'dot' });
      await store.createCollection(`x${prefix}`, { vectorSize: DIM, distance: 'dot' });
      assert.deepEqual(await store.listCollections(prefix), [
        `${prefix}a`,
        `${prefix}b`,
        `${prefix}c`,
      ]);
      assert.equal(await store.deleteCollection(`${prefix}a`), true);
      assert.equal(await store.deleteCollection(`${prefix}a`), false);
      assert.deepEqual(await store.listCollections(prefix), [`${prefix}b`, `${prefix}c`]);
    });
  });

  void test('qdrant store - the api key travels in the api-key header', async () => {
    await withSpecPeer(async (peer) => {
      const store = storeFor(peer, { apiKey: 'secret-key' });
      await store.listCollections('');
      assert.equal(peer.requests[0]?.headers['api-key'], 'secret-key');
    });
  });

  void test('qdrant store - ping asks readyz; close makes later calls failed_precondition', async () => {
    await withSpecPeer(async (peer) => {
      const store = storeFor(peer);
      await store.ping();
      assert.equal(peer.requests[0]?.operationId, 'readyz');
      await store[Symbol.asyncDispose]();
      await assert.rejects(store.listCollections(''), hasCode('failed_precondition'));
      assert.equal(peer.requests.length, 1);
    });
  });
});

// The contract through the peer: its semantics are the fake's, but every call the contract
runVectorStoreContract('qdrant spec peer', async () => {
  const peer = await QdrantSpecPeer.start();
  const store = storeFor(peer);
  return {
    store,
    reopen: () => Promise.resolve(storeFor(peer)),
    async cleanup() {
      await store.close();
      await peer.close();
      assert.deepEqual(peer.violations, [], 'every request and answer fits the Qdrant spec');
    },
  };
});

const liveUrl = process.env.QDRANT_URL;
if (liveUrl === undefined || liveUrl === '') {
  const reason = 'QDRANT_URL not set: live Qdrant behaviour suite skipped';
  console.log(reason);
  void test('qdrant contract - live Qdrant', { skip: reason }, () => undefined);
} else {
  const apiKey = process.env.QDRANT_API_KEY;
  const live = () =>
    createQdrantVectorStore({ url: liveUrl, timeoutMs: 30_000, ...(apiKey ? { apiKey } : {}) });
  runVectorStoreContract('qdrant live', () => liveContractFixture(live));
}

/** A create body without the creation time every create records in the collection's metadata. */
function withoutCreatedAt(body: unknown): unknown {
  const { metadata, ...rest } = body as { metadata?: Record<string, unknown> };
  assert.deepEqual(Object.keys(metadata ?? {}), ['vectoradmin_created_at']);
  assert.ok(!Number.isNaN(Date.parse(String(metadata?.vectoradmin_created_at))), 'an ISO time');
  return rest;
}
