import type { Logger } from '../domain/index.js';
import type { VectorStore } from '../domain/ports.js';
import { createQdrantGrpcVectorStore, grpcUrlFor } from './qdrant-grpc-vector-store.js';
import type { QdrantGrpcVectorStoreOptions } from './qdrant-grpc-vector-store.js';
import { createQdrantVectorStore } from './qdrant-vector-store.js';

/** How the points path reaches Qdrant: `auto` is gRPC unless only REST answers at start-up. */
export type QdrantTransport = 'auto' | 'grpc' | 'rest';

/** Settings of the Qdrant store, transport included. */
export interface QdrantStoreOptions extends QdrantGrpcVectorStoreOptions {
  readonly transport: QdrantTransport;
}

// Long enough for a loaded Qdrant, short enough not to hold up a start.
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Opens the Qdrant store for the configured transport. With `auto`, "reachable" is decided once,
 * at start-up: both ports are asked (gRPC health check, REST /readyz) within 5 s (or
 * QDRANT_TIMEOUT, if shorter). gRPC is used unless REST answers and gRPC does not (a gRPC port
 * not published or blocked); then REST is used for this process's life, logged as a warning.
 * When neither answers, Qdrant is down: gRPC stays, and calls fail as unavailable until it is up.
 */
export async function openQdrantStore(
  options: QdrantStoreOptions,
  logger: Logger,
): Promise<VectorStore> {
  const grpcUrl = grpcUrlFor(options.url, options.grpcPort);
  if (options.transport === 'rest') {
    logger.info('Qdrant points over REST', { url: options.url, transport: 'rest' });
    return createQdrantVectorStore(options);
  }
  const store = createQdrantGrpcVectorStore(options);
  if (options.transport === 'grpc') {
    logger.info('Qdrant points over gRPC', { url: options.url, grpcUrl, transport: 'grpc' });
    return store;
  }
  const timeoutMs = Math.min(PROBE_TIMEOUT_MS, options.timeoutMs);
  const [grpc, rest] = await Promise.allSettled([
    store.pingGrpc(timeoutMs),
    Promise.race([
      store.rest.ping(),
      new Promise((_, reject) => setTimeout(reject, timeoutMs, new Error('timed out')).unref()),
    ]),
  ]);
  if (grpc.status === 'rejected' && rest.status === 'fulfilled') {
    logger.warn('Qdrant gRPC port unreachable at start-up: points over REST', {
      url: options.url,
      grpcUrl,
      transport: 'rest',
      err: grpc.reason,
    });
    await store.close();
    return createQdrantVectorStore(options);
  }
  logger.info('Qdrant points over gRPC', {
    url: options.url,
    grpcUrl,
    transport: 'grpc',
    ...(grpc.status === 'rejected' ? { err: grpc.reason, note: 'Qdrant not answering yet' } : {}),
  });
  return store;
}
