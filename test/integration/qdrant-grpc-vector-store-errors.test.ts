import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { Code } from '@connectrpc/connect';
import type { UpsertPoints } from '@qdrant/js-client-grpc';
import type { Logger } from '../../src/domain/index.js';
import type { Point } from '../../src/domain/types.js';
import { silentLogger } from '../../src/logging/index.js';
import { openQdrantStore } from '../../src/stores/qdrant-grpc-selection.js';
import { QdrantGrpcVectorStore } from '../../src/stores/qdrant-grpc-vector-store.js';
import { QdrantVectorStore } from '../../src/stores/qdrant-vector-store.js';
import { startQdrantPeers } from '../helpers/qdrant-grpc-peer.js';
import { QdrantSpecPeer, hasCode, uniqueName } from '../helpers/qdrant-spec-peer.js';
import { randomPoints, seededRandom } from '../helpers/vector-store-contract-data.js';

const DIM = 4;
const config = { vectorSize: DIM, distance: 'cosine' } as const;

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function recordingLogger(lines: { level: string; message: string }[]): Logger {
  const log =
    (level: string) =>
    (message: string): void => {
      lines.push({ level, message });
    };
  const logger: Logger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
  };
  return logger;
}

void describe('qdrant grpc store errors', () => {
  void test('qdrant grpc - a vector of the wrong size is invalid_argument, nothing written', async () => {
    await using peers = await startQdrantPeers();
    const store = peers.store();
    const name = uniqueName('dim');
    await store.createCollection(name, config);
    const points: Point[] = [
      { id: 1, vector: new Float32Array(DIM), payload: {} },
      { id: 2, vector: new Float32Array(DIM + 1), payload: {} },
    ];
    await assert.rejects(store.upsert(name, points), hasCode('invalid_argument'));
    assert.equal(await store.count(name, undefined, true), 0);
  });

  void test('qdrant grpc - Qdrant failures map to the REST adapter codes, retry info kept', async () => {
    await using peers = await startQdrantPeers();
    const store = peers.store();
    const name = uniqueName('codes');
    await store.createCollection(name, config);
    const cases = [
      { code: Code.NotFound, expected: 'not_found' },
      { code: Code.AlreadyExists, expected: 'already_exists' },
      { code: Code.InvalidArgument, expected: 'invalid_argument' },
      { code: Code.Unauthenticated, expected: 'unauthenticated' },
      { code: Code.PermissionDenied, expected: 'permission_denied' },
      { code: Code.Unavailable, expected: 'unavailable', retryAfter: '2', retryAfterMs: 2000 },
      {
        code: Code.ResourceExhausted,
        expected: 'resource_exhausted',
        retryAfter: '3',
        retryAfterMs: 3000,
      },
      { code: Code.DeadlineExceeded, expected: 'unavailable' },
      { code: Code.Internal, expected: 'internal' },
    ] as const;
    for (const c of cases) {
      peers.grpc.inject('Count', {
        kind: 'error',
        code: c.code,
        message: `injected ${Code[c.code]}`,
        ...('retryAfter' in c ? { metadata: { 'retry-after': c.retryAfter } } : {}),
      });
      await assert.rejects(store.count(name, undefined, true), (err: unknown) => {
        hasCode(c.expected)(err);
        const retry = (err as { retryAfterMs?: number }).retryAfterMs;
        assert.equal(retry, 'retryAfterMs' in c ? c.retryAfterMs : undefined, Code[c.code]);
        return true;
      });
    }
  });

  void test('qdrant grpc - an unanswered call is unavailable after the timeout', async () => {
    await using peers = await startQdrantPeers();
    const store = peers.store({ timeoutMs: 300 });
    const name = uniqueName('hang');
    await store.createCollection(name, config);
    peers.grpc.inject('Query', { kind: 'hang' });
    await assert.rejects(
      store.search(name, { vector: new Float32Array(DIM), limit: 1, withPayload: false }),
      hasCode('unavailable'),
    );
  });

  void test('qdrant grpc - a closed gRPC port is unavailable; close makes calls failed_precondition', async () => {
    await using rest = await QdrantSpecPeer.start();
    const { createQdrantGrpcVectorStore } =
      await import('../../src/stores/qdrant-grpc-vector-store.js');
    const store = createQdrantGrpcVectorStore({
      url: rest.url,
      grpcPort: await closedPort(),
      timeoutMs: 2_000,
    });
    await store.createCollection('down', config);
    await assert.rejects(store.count('down', undefined, true), hasCode('unavailable'));
    await assert.rejects(store.ping(), hasCode('unavailable'));
    await store.close();
    await assert.rejects(store.count('down', undefined, true), hasCode('failed_precondition'));
  });

  void test('qdrant grpc - the api key travels on both ports; writes wait, vectors go packed and dense', async () => {
    await using peers = await startQdrantPeers();
    const store = peers.store({ apiKey: 'grpc-secret-key', writeOrdering: 'strong' });
    const name = uniqueName('shape');
    await store.createCollection(name, config);
    const points = randomPoints(seededRandom(3), 3, DIM);
    await store.upsert(name, points);
    await store.ping();
    assert.equal(peers.rest.requests[0]?.headers['api-key'], 'grpc-secret-key');
    for (const call of peers.grpc.calls)
      assert.equal(call.headers.get('api-key'), 'grpc-secret-key');
    const sent = peers.grpc.callsOf('Upsert')[0]?.message as UpsertPoints;
    assert.equal(sent.wait, true);
    assert.equal(sent.ordering?.type, 2, 'strong ordering');
    const first = sent.points[0]?.vectors?.vectorsOptions;
    assert.equal(first?.case, 'vector');
    assert.equal(first.value.vector.case, 'dense');
    assert.deepEqual(first.value.vector.value.data, Array.from(points[0]!.vector));
    assert.deepEqual(first.value.data, [], 'not the deprecated repeated data field');
  });

  void test('qdrant grpc - large upserts split under the request limit, one after another', async () => {
    await using peers = await startQdrantPeers();
    // Room for about two points of 4 floats and a small payload per request.
    const store = peers.store({ maxRequestBytes: 200 });
    const name = uniqueName('split');
    await store.createCollection(name, config);
    const points = randomPoints(seededRandom(4), 7, DIM);
    await store.upsert(name, points);
    const calls = peers.grpc
      .callsOf('Upsert')
      .map((c) => (c.message as UpsertPoints).points.length);
    assert.ok(calls.length > 1, `split into ${calls.length} requests`);
    assert.equal(
      calls.reduce((a, b) => a + b, 0),
      7,
    );
    assert.equal(await store.count(name, undefined, true), 7);
  });
});

void describe('qdrant transport selection', () => {
  const options = (url: string, grpcPort: number) => ({ url, grpcPort, timeoutMs: 2_000 });

  void test('qdrant transport - auto picks gRPC when its port answers', async () => {
    await using peers = await startQdrantPeers();
    const store = await openQdrantStore(
      { ...options(peers.rest.url, peers.grpc.port), transport: 'auto' },
      silentLogger,
    );
    assert.ok(store instanceof QdrantGrpcVectorStore);
    await store.close();
  });

  void test('qdrant transport - auto falls back to REST, logged, when only REST answers', async () => {
    await using rest = await QdrantSpecPeer.start();
    const lines: { level: string; message: string }[] = [];
    const store = await openQdrantStore(
      { ...options(rest.url, await closedPort()), transport: 'auto' },
      recordingLogger(lines),
    );
    assert.ok(store instanceof QdrantVectorStore);
    assert.ok(
      lines.some((l) => l.level === 'warn' && /REST/.test(l.message)),
      JSON.stringify(lines),
    );
    await store.close();
  });

  void test('qdrant transport - auto keeps gRPC when neither port answers; explicit choices are kept', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const grpcPort = await closedPort();
    const auto = await openQdrantStore(
      { ...options(down, grpcPort), transport: 'auto' },
      silentLogger,
    );
    assert.ok(auto instanceof QdrantGrpcVectorStore);
    const grpc = await openQdrantStore(
      { ...options(down, grpcPort), transport: 'grpc' },
      silentLogger,
    );
    assert.ok(grpc instanceof QdrantGrpcVectorStore);
    const rest = await openQdrantStore(
      { ...options(down, grpcPort), transport: 'rest' },
      silentLogger,
    );
    assert.ok(rest instanceof QdrantVectorStore && !(rest instanceof QdrantGrpcVectorStore));
    await Promise.all([auto.close(), grpc.close(), rest.close()]);
  });
});
