export {
  createEmbeddedVectorStore,
  DEFAULT_CACHE_BYTES,
  EmbeddedVectorStore,
} from './embedded-vector-store.js';
export type { EmbeddedVectorStoreOptions } from './embedded-vector-store.js';
export { createQdrantVectorStore, QdrantVectorStore } from './qdrant-vector-store.js';
export type { QdrantVectorStoreOptions, QdrantWriteOrdering } from './qdrant-vector-store.js';
export { openEmbeddedAppendFloor } from './embedded-append-floor.js';
export { createQdrantGrpcVectorStore, QdrantGrpcVectorStore } from './qdrant-grpc-vector-store.js';
export type { QdrantGrpcVectorStoreOptions } from './qdrant-grpc-vector-store.js';
export { openQdrantStore } from './qdrant-grpc-selection.js';
export type { QdrantStoreOptions, QdrantTransport } from './qdrant-grpc-selection.js';
