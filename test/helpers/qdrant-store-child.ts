// A child process that opens the Qdrant store from its environment exactly as the service does
// (loadConfig, openQdrantStore), so process-wide settings such as NODE_EXTRA_CA_CERTS apply.
// Runs one round of store calls on the collection named by its argument and prints one JSON
// line: the transport chosen and each call's result or domain error code.
// Usage: node --import tsx qdrant-store-child.ts <collection>
import { VectorAdminError } from '../../src/domain/errors.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { QdrantGrpcVectorStore, openQdrantStore } from '../../src/stores/index.js';

/** What the child prints. */
export interface StoreRound {
  readonly transport: 'grpc' | 'rest';
  readonly results: Record<string, { ok: true; value: unknown } | { ok: false; code: string }>;
}

const collection = process.argv[2] ?? 'tls_round';
const config = loadConfig(process.env);
if (config.store.kind !== 'qdrant') throw new Error('set VECTORADMIN_STORE=qdrant');
const store = await openQdrantStore(config.store, silentLogger);
const point = (id: number, x: number) => ({
  id,
  vector: new Float32Array([x, 1 - x]),
  payload: { n: id },
});
const calls: Record<string, () => Promise<unknown>> = {
  createCollection: () => store.createCollection(collection, { vectorSize: 2, distance: 'cosine' }),
  upsert: () => store.upsert(collection, [point(1, 0.9), point(2, 0.1)]),
  search: async () =>
    (
      await store.search(collection, {
        vector: new Float32Array([1, 0]),
        limit: 1,
        withPayload: true,
      })
    ).map((p) => p.id),
  count: () => store.count(collection, undefined, true),
};
const results: StoreRound['results'] = {};
for (const [name, call] of Object.entries(calls)) {
  try {
    results[name] = { ok: true, value: (await call()) ?? null };
  } catch (err) {
    results[name] = {
      ok: false,
      code: err instanceof VectorAdminError ? err.code : `not a VectorAdminError: ${String(err)}`,
    };
  }
}
const round: StoreRound = {
  transport: store instanceof QdrantGrpcVectorStore ? 'grpc' : 'rest',
  results,
};
await store.close();
process.stdout.write(`${JSON.stringify(round)}\n`);
