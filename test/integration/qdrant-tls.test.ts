import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startQdrantPeers, type QdrantPeerPair } from '../helpers/qdrant-grpc-peer.js';
import { uniqueName } from '../helpers/qdrant-spec-peer.js';
import type { StoreRound } from '../helpers/qdrant-store-child.js';
import { createTestPki, type TestPki } from '../helpers/test-certificates.js';

const CHILD = fileURLToPath(new URL('../helpers/qdrant-store-child.ts', import.meta.url));
const API_KEY = 'qdrant-tls-test-key-0123456789';

// Both peers speak only TLS and refuse any other key, so a store that skipped TLS, skipped
// verifying the certificate or dropped the key on either port fails these tests.
void describe('qdrant tls and api key', () => {
  let pki: TestPki;
  let peers: QdrantPeerPair;

  before(async () => {
    pki = await createTestPki();
    const [cert, key] = await Promise.all([
      readFile(pki.server.certFile),
      readFile(pki.server.keyFile),
    ]);
    peers = await startQdrantPeers({ tls: { cert, key }, apiKey: API_KEY });
  });

  after(async () => {
    await peers?.close();
    await pki?.[Symbol.asyncDispose]();
  });

  /** The environment an operator sets: https URL, gRPC port, transport, key, private CA. */
  function operatorEnv(transport: string, apiKey: string, trustCa: boolean): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      VECTORADMIN_STORE: 'qdrant',
      QDRANT_URL: peers.rest.url,
      QDRANT_GRPC_PORT: String(peers.grpc.port),
      QDRANT_TRANSPORT: transport,
      QDRANT_API_KEY: apiKey,
      QDRANT_TIMEOUT: '10',
    };
    if (trustCa) env.NODE_EXTRA_CA_CERTS = pki.ca.certFile;
    else delete env.NODE_EXTRA_CA_CERTS;
    return env;
  }

  /** One round of store calls in a child process configured by `env`. */
  async function storeRound(collection: string, env: NodeJS.ProcessEnv): Promise<StoreRound> {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, collection], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, `store child failed: ${stderr}`);
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as StoreRound;
  }

  const restRequestsOf = (collection: string) =>
    peers.rest.requests.filter((r) => r.path.includes(`/collections/${collection}`));
  const grpcCallsOf = (collection: string) =>
    peers.grpc.calls.filter(
      (c) => (c.message as { collectionName?: string }).collectionName === collection,
    );

  for (const transport of ['grpc', 'rest', 'auto'] as const) {
    void test(`qdrant tls - ${transport}: an https URL, the CA in NODE_EXTRA_CA_CERTS and the key work on both ports`, async () => {
      const collection = uniqueName(`tls ${transport}`);
      const round = await storeRound(collection, operatorEnv(transport, API_KEY, true));
      const expected = transport === 'rest' ? 'rest' : 'grpc';
      assert.equal(round.transport, expected, 'points transport');
      assert.deepEqual(round.results, {
        createCollection: { ok: true, value: null },
        upsert: { ok: true, value: null },
        search: { ok: true, value: [1] },
        count: { ok: true, value: 2 },
      });
      const rest = restRequestsOf(collection);
      const grpc = grpcCallsOf(collection);
      assert.ok(
        rest.some((r) => r.operationId === 'create_collection'),
        'collection over REST',
      );
      for (const r of rest) assert.equal(r.headers['api-key'], API_KEY, `${r.operationId} key`);
      for (const c of grpc) assert.equal(c.headers.get('api-key'), API_KEY, `${c.method} key`);
      if (expected === 'grpc') {
        assert.deepEqual(
          grpc.map((c) => c.method),
          ['Upsert', 'Query', 'Count'],
          'points over gRPC (TLS)',
        );
        assert.equal(rest.filter((r) => r.operationId === 'upsert_points').length, 0);
      } else {
        assert.deepEqual(grpc, [], 'nothing over gRPC');
        assert.ok(
          rest.some((r) => r.operationId === 'upsert_points'),
          'points over REST (TLS)',
        );
      }
    });
  }

  for (const transport of ['grpc', 'rest'] as const) {
    void test(`qdrant tls - ${transport}: a wrong key is refused on every port as unauthenticated`, async () => {
      const collection = uniqueName(`tls key ${transport}`);
      const round = await storeRound(collection, operatorEnv(transport, `${API_KEY}-wrong`, true));
      const refused = { ok: false, code: 'unauthenticated' };
      assert.deepEqual(round.results, {
        createCollection: refused,
        upsert: refused,
        search: refused,
        count: refused,
      });
      // Each refusal came from the port that carries the call.
      const grpc = grpcCallsOf(collection).map((c) => c.method);
      assert.deepEqual(grpc, transport === 'grpc' ? ['Upsert', 'Query', 'Count'] : []);
      assert.ok(restRequestsOf(collection).length > 0, 'collection calls reached REST');
    });

    void test(`qdrant tls - ${transport}: without the CA the certificate is refused and nothing is sent`, async () => {
      const collection = uniqueName(`tls ca ${transport}`);
      const round = await storeRound(collection, operatorEnv(transport, API_KEY, false));
      // A certificate the store cannot verify is a fault of its setup, not of Qdrant's load:
      // internal on both transports (the service logs the cause), not a retryable unavailable.
      for (const [call, result] of Object.entries(round.results)) {
        assert.deepEqual(result, { ok: false, code: 'internal' }, call);
      }
      assert.deepEqual(restRequestsOf(collection), []);
      assert.deepEqual(grpcCallsOf(collection), []);
    });
  }
});
