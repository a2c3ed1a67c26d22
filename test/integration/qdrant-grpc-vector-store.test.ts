import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createQdrantGrpcVectorStore } from '../../src/stores/qdrant-grpc-vector-store.js';
import { startQdrantPeers } from '../helpers/qdrant-grpc-peer.js';
import { liveContractFixture } from '../helpers/qdrant-spec-peer.js';
import { runVectorStoreContract } from '../helpers/vector-store-contract.js';

// The contract through both peers: collection management on the REST spec peer, every points
// call on the gRPC peer, one in-memory Qdrant behind them.
runVectorStoreContract('qdrant grpc peer', async () => {
  const peers = await startQdrantPeers();
  const store = peers.store();
  return {
    store,
    reopen: () => Promise.resolve(peers.store()),
    async cleanup() {
      await store.close();
      await peers.close();
      for (const op of ['upsert_points', 'delete_points', 'query_points']) {
        assert.deepEqual(peers.rest.requestsFor(op), [], `no ${op} over REST`);
      }
      assert.ok(peers.grpc.callsOf('Upsert').length > 0, 'upserts went over gRPC');
    },
  };
});

const liveUrl = process.env.QDRANT_URL;
if (liveUrl === undefined || liveUrl === '') {
  const reason = 'QDRANT_URL not set: live Qdrant gRPC contract suite skipped';
  console.log(reason);
  void describe('qdrant grpc contract', () => {
    void test('qdrant grpc contract - live Qdrant', { skip: reason }, () => undefined);
  });
} else {
  const apiKey = process.env.QDRANT_API_KEY;
  const grpcPort = Number(process.env.QDRANT_GRPC_PORT ?? 6334);
  const live = () =>
    createQdrantGrpcVectorStore({
      url: liveUrl,
      grpcPort,
      timeoutMs: 30_000,
      ...(apiKey ? { apiKey } : {}),
    });
  runVectorStoreContract('qdrant grpc live', () => liveContractFixture(live));
}
